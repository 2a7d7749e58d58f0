#!/usr/bin/env bash
# Counts the places outside the PSA seam that branch on which PSA a thing is for (issue #15):
# `Psa::X` arms and comparisons, and arms on the PSA-specific enums (`Connection::X`, `Run::X`,
# `Target::X`), one per matching line, per file; then the catch-all arms that decide a PSA
# (`_ => Psa::…`, `_ if … Psa::…`), which would compile and be silently wrong for a third PSA.
#
# Test code is left out: files named tests.rs / *_tests.rs, files under a tests/ folder, and everything from a
# `#[cfg(test)] mod …` block on. SEAM_RE names the seam's own modules, where such matches
# belong: the PSA profiles and their table (src/profile/, src/connection.rs), the registries
# that map a PSA to its verifier and sandbox tenant, and each PSA's own modules (its client,
# verifier and sandbox tenant: src/{psa,verify,sandbox/scenario}/{autotask,connectwise}).
#
# Usage: scripts/psa-branches.sh [src-dir]   (from the repository root)
set -euo pipefail
SRC=${1:-src}
SEAM_RE=${SEAM_RE:-'^src/(profile/|connection\.rs$|verify/registry\.rs$|sandbox/scenario/registry\.rs$|(psa|verify|sandbox/scenario)/(autotask|connectwise)(/|\.rs$))'}
BRANCH='(Psa|Connection|Run|Target)::(Autotask|Connectwise)\b'
WILD='_ *(if [^=]*)?=> *.*Psa::|_ if .*Psa::'

# Prints a file's non-test lines (stops at the first `#[cfg(test)]` followed by `mod`).
non_test() {
  awk 'prev ~ /^[[:space:]]*#\[cfg\(test\)\][[:space:]]*$/ && $0 ~ /^[[:space:]]*(pub(\([a-z]+\))? )?mod / { exit }
       { if (prev_set) print prev; prev = $0; prev_set = 1 }
       END { if (prev_set && !(prev ~ /^[[:space:]]*#\[cfg\(test\)\]/)) print prev }' "$1"
}

total=0 files=0 wild=0 seam=0
while IFS= read -r f; do
  case "$f" in */tests.rs | *_tests.rs | */tests/*) continue ;; esac
  n=$(non_test "$f" | grep -cE "$BRANCH" || true)
  w=$(non_test "$f" | grep -cE "$WILD" || true)
  wild=$((wild + w))
  if [[ $f =~ $SEAM_RE ]]; then
    seam=$((seam + n))
    continue
  fi
  if ((n > 0)); then
    printf '%4d  %s\n' "$n" "$f"
    total=$((total + n)) files=$((files + 1))
  fi
done < <(find "$SRC" -name '*.rs' | sort)
echo "total: $total branch lines in $files files outside the seam ($seam inside it)"
echo "wildcard arms deciding a PSA: $wild"
