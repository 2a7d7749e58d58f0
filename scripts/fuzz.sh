#!/usr/bin/env bash
# Build and run every fuzz target for a bounded time; exit non-zero if any finds a crash.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 30 s, every target)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Only a stable toolchain is assumed:
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags. No sanitizer (`-s none`): safe Rust, and
# panics (including overflow checks, `-a`) are the crashes we look for. See docs/FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-30}"
shift || true
case "$secs" in
  '' | *[!0-9]*)
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
    ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: run \`cargo install cargo-fuzz --locked\`" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
flags=(--fuzz-dir fuzz -s none -a)

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
fi

echo "== building ${#targets[@]} fuzz targets"
cargo fuzz build "${flags[@]}"

# The generated corpus grows under fuzz/corpus (ignored by git); the committed seeds under
# fuzz/seeds/<target> and, for the wizard parser, the built-in wizards start it.
seed() {
  local target="$1" corpus="fuzz/corpus/$1"
  mkdir -p "$corpus"
  if [ -d "fuzz/seeds/$target" ]; then
    cp -n fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  fi
  case "$target" in
    wizard_*) cp -n wizards/*.toml "$corpus"/ ;;
  esac
}

mkdir -p fuzz/logs
summary="fuzz/logs/summary.txt"
printf '%-22s %8s %12s %10s  %s\n' target seconds executions corpus result >"$summary"
failed=0
for t in "${targets[@]}"; do
  seed "$t"
  log="fuzz/logs/$t.log"
  mkdir -p "fuzz/artifacts/$t"
  before="$(ls "fuzz/artifacts/$t" | wc -l)"
  echo "== $t: ${secs}s (log: $log)"
  set +e
  cargo fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  execs="$(awk '/stat::number_of_executed_units/ { print $NF }' "$log" | tail -1)"
  units="$(ls "fuzz/corpus/$t" | wc -l)"
  new="$(ls -t "fuzz/artifacts/$t" | head -n "$(( $(ls "fuzz/artifacts/$t" | wc -l) - before ))")"
  if [ "$status" -ne 0 ] || [ -n "$new" ]; then
    failed=1
    result="CRASH"
    tail -n 40 "$log"
    for a in $new; do
      echo "!! $t: artifact fuzz/artifacts/$t/$a"
      echo "   reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run ${flags[*]} $t fuzz/artifacts/$t/$a"
    done
    [ -n "$new" ] || echo "!! $t: exited with status $status, no artifact (see $log)"
  else
    result="ok"
  fi
  printf '%-22s %8s %12s %10s  %s\n' "$t" "$secs" "${execs:-?}" "$units" "$result" >>"$summary"
done

# The session target's store directories (see fuzz_targets/session_load.rs).
rm -rf /dev/shm/psa-onboard-fuzz "${TMPDIR:-/tmp}/psa-onboard-fuzz"

echo
cat "$summary"
exit "$failed"
