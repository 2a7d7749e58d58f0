#!/usr/bin/env bash
# The Windows build, checked under Wine: cross-builds psa-onboard.exe (x86_64-pc-windows-gnu)
# and runs what an admin runs on Windows against the Linux sandbox binary: wizards, show,
# validate, check, check --save-session then check --session (the secret written to and read
# back from Wine's Credential Manager), sessions, export, completions; a session lock held
# across two Windows processes; SIGINT (what Ctrl+C sends) in the middle of a check; a user
# name and paths with spaces and non-ASCII letters; a CRLF wizard file. Then the library's unit
# tests, built for Windows, under Wine. Any failure exits non-zero.
#
# Needs wine (Debian: wine, 8.0), mingw-w64 (gcc-mingw-w64-x86-64) and
# `rustup target add x86_64-pc-windows-gnu`; skips with a message without them, unless
# PSA_ONBOARD_REQUIRE_WINE is set (CI sets it), when their absence is a failure.
#
# Wine 8.0 lacks bcryptprimitives.dll's ProcessPrng, which Rust's standard library imports; a
# stand-in (scripts/wine/processprng.c) is built with mingw and put next to the .exe. Real
# Windows has the DLL: the stand-in is for this script only and is never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
target=x86_64-pc-windows-gnu

missing=()
command -v wine >/dev/null 2>&1 || missing+=("wine")
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=("gcc-mingw-w64-x86-64")
rustup target list --installed 2>/dev/null | grep -qx "$target" || missing+=("rustup target $target")
if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "${PSA_ONBOARD_REQUIRE_WINE:-}" ]; then
    echo "wine-check FAILED: missing ${missing[*]}" >&2
    exit 1
  fi
  echo "SKIPPED the Windows checks under Wine: missing ${missing[*]} (Debian: apt-get install" \
    "wine gcc-mingw-w64-x86-64; rustup target add $target)"
  exit 0
fi

started=$SECONDS
phase() { echo "== wine-check: $* (+$((SECONDS - started)) s)"; }
fail() {
  echo "wine-check FAILED: $*" >&2
  for f in "$out" "$err"; do
    [ -s "$f" ] && { echo "--- ${f##*/}:" >&2; head -c 4000 "$f" >&2; echo >&2; }
  done
  exit 1
}
ok() { echo "ok - $*"; }

phase "building psa-onboard.exe and the Windows unit tests"
cargo build --locked --target "$target" --bin psa-onboard
test_log="$(mktemp)"
cargo test --locked --target "$target" --lib --no-run 2>&1 | tee "$test_log"
unit_tests="$(sed -n 's/.*Executable unittests src\/lib.rs (\(.*\.exe\)).*/\1/p' "$test_log" | tail -1)"
rm -f "$test_log"
[ -f "$unit_tests" ] || { echo "wine-check FAILED: no unit-test executable found" >&2; exit 1; }
cargo build --locked --bin psa-onboard
linux_bin="$repo/target/debug/psa-onboard"

work="$(mktemp -d)"
sandboxes=()
cleanup() {
  local pid
  for pid in "${sandboxes[@]}"; do kill "$pid" 2>/dev/null || true; done
  WINEPREFIX="$work/prefix" wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
out="$work/stdout"
err="$work/stderr"

# A user whose name has a space and non-ASCII letters, and an install path with both.
export USER="Zoë Ádmin" LOGNAME="Zoë Ádmin" HOME="$work/home"
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEARCH=win64 LANG=C.UTF-8
unset DISPLAY WAYLAND_DISPLAY PSA_ONBOARD_KEYRING PSA_ONBOARD_STATE_DIR PSA_ONBOARD_WIZARD_DIR \
  HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY
mkdir -p "$HOME"
app="$work/Program Files/psa onboard ü"
mkdir -p "$app"
cp "target/$target/debug/psa-onboard.exe" "$app/"
x86_64-w64-mingw32-gcc -shared -O2 -o "$app/bcryptprimitives.dll" scripts/wine/processprng.c -ladvapi32
cp "$app/bcryptprimitives.dll" "$(dirname "$unit_tests")/"
exe="$app/psa-onboard.exe"

phase "creating the Wine prefix"
wine wineboot -i >/dev/null 2>&1
profile="$WINEPREFIX/drive_c/users/$USER"
[ -d "$profile" ] || fail "Wine made no profile for \"$USER\": $(ls "$WINEPREFIX/drive_c/users")"
state="$profile/AppData/Local/psa-onboard"
wizdir="$profile/AppData/Roaming/psa-onboard/wizards"
# The Windows form of a path: C: is the prefix's drive_c, Z: the Linux root.
winpath() {
  case "$1" in
    "$WINEPREFIX/drive_c/"*) printf 'C:%s' "${1#"$WINEPREFIX/drive_c"}" | tr / '\\' ;;
    *) printf 'Z:%s' "$1" | tr / '\\' ;;
  esac
}

# Run the .exe; $out and $err hold what it printed, $rc its exit code.
win() {
  set +e
  wine "$exe" "$@" >"$out" 2>"$err"
  rc=$?
  set -e
}
expect_rc() {
  local want=$1 what=$2
  [ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want"
}
expect_out() {
  local file=$1 text=$2 what=$3
  grep -qF -- "$text" "$file" || fail "$what: \"$text\" not in ${file##*/}"
}
top_level() { # file line: `check --format json` has this top-level line (keys are sorted)
  grep -qxF -- "  $2" "$1"
}

phase "sandboxes (the Linux binary, on 127.0.0.1)"
# Sets $sandbox_port. Not in a command substitution: that subshell would keep the pid from the
# clean-up.
start_sandbox() { # name, extra args…
  local name=$1
  shift
  "$linux_bin" sandbox --scenario configured:topleft-connectwise "$@" >"$work/$name.out" 2>&1 &
  sandboxes+=("$!")
  local i
  for i in $(seq 100); do
    grep -q "listening on" "$work/$name.out" 2>/dev/null && break
    sleep 0.1
  done
  sandbox_port="$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.out")"
}
start_sandbox fast
port="$sandbox_port"
start_sandbox slow --latency-ms 1500
slow_port="$sandbox_port"
[ -n "$port" ] && [ -n "$slow_port" ] || fail "the sandbox did not start"
export CONNECTWISE_COMPANY_ID=sandbox CONNECTWISE_PUBLIC_KEY=sbxPublicKey0001 \
  CONNECTWISE_PRIVATE_KEY=sbxPrivateKey0001 \
  CONNECTWISE_CLIENT_ID=5a3b7c1d-0e2f-4a6b-8c9d-1e2f3a4b5c6d
export CONNECTWISE_SITE="http://127.0.0.1:$port"

phase "wizards, show, validate"
# A wizard saved on Windows: CRLF line ends, in the roaming config directory, a name with a
# space and a non-ASCII letter.
mkdir -p "$wizdir"
sed -e 's/^id = "topleft-connectwise"/id = "crlf-vendor"/' wizards/topleft-connectwise.toml |
  sed 's/$/\r/' >"$wizdir/my vendor ü.toml"
sed 's/^psa = "connectwise"/psa = "connectwize"/' "$wizdir/my vendor ü.toml" >"$HOME/broken ü.toml"

win wizards
expect_rc 0 wizards
for id in topleft-autotask topleft-connectwise tasky-autotask rewst-autotask crlf-vendor; do
  expect_out "$out" "$id" "wizards"
done
expect_out "$out" "my vendor ü.toml" "wizards names the user's file"
ok "wizards lists the built-ins and the CRLF file in %APPDATA%\\psa-onboard\\wizards"

win show topleft-connectwise
expect_rc 0 show
"$linux_bin" show topleft-connectwise >"$work/show.linux"
cmp -s "$out" "$work/show.linux" || fail "show: the Windows checklist differs from the Linux one"
ok "show prints the same checklist as on Linux"

win validate "$(winpath "$wizdir/my vendor ü.toml")"
expect_rc 0 "validate (CRLF)"
expect_out "$out" "valid — crlf-vendor (ConnectWise PSA), 5 steps" "validate"
win validate "$(winpath "$HOME/broken ü.toml")"
expect_rc 2 "validate (a mistake)"
expect_out "$err" "broken ü.toml:6:7: unknown variant \`connectwize\`" "validate names line and column"
ok "validate: a CRLF file is valid; a mistake in one names its line and column"

phase "check against the sandbox"
win check --wizard topleft-connectwise --format json
expect_rc 0 "check"
top_level "$out" '"ok": true,' || fail "check: not ok"
top_level "$out" '"keyring": null,' || fail "check without a session used a keyring"
ok "check --wizard topleft-connectwise passes against the sandbox"

phase "check --save-session, then check --session (Credential Manager)"
win check --wizard topleft-connectwise --save-session acme-wine --format json
expect_rc 0 "check --save-session"
expect_out "$out" '"store": "windows-credential-manager"' "check --save-session names its keyring"
session="$state/sessions/acme-wine.toml"
[ -f "$session" ] || fail "no session file at $session (%LOCALAPPDATA%\\psa-onboard\\sessions)"
! grep -q sbxPrivateKey0001 "$session" || fail "the secret is in the session file"
expect_out "$session" "Zoë Ádmin" "the session records who"
reg_key='HKCU\Software\Wine\Credential Manager'
wine reg query "$reg_key" /s >"$out" 2>&1 || true
expect_out "$out" "Generic: acme-wine/private_key.psa-onboard" "the Credential Manager entry"
ok "check --save-session: session in %LOCALAPPDATA% under \"$USER\", secret in the Credential Manager"

unset CONNECTWISE_PRIVATE_KEY
win check --session acme-wine --format json
expect_rc 0 "check --session"
top_level "$out" '"ok": true,' || fail "check --session: not ok"
expect_out "$out" '"store": "windows-credential-manager"' "check --session names its keyring"
ok "check --session: the secret read back from the Credential Manager verifies"

# The control: without the entry, the same re-audit cannot run.
wine reg delete "$reg_key\\Generic: acme-wine/private_key.psa-onboard" /f >/dev/null 2>&1 ||
  fail "could not remove the Credential Manager entry"
win check --session acme-wine --format json
expect_rc 2 "check --session without its keyring entry"
expect_out "$err" "no secret stored in the keyring for psa-onboard / acme-wine/private_key" \
  "check --session without its keyring entry"
export CONNECTWISE_PRIVATE_KEY=sbxPrivateKey0001
win check --wizard topleft-connectwise --save-session acme-wine
expect_rc 0 "check --save-session again"
ok "check --session depends on the Credential Manager entry (removed: exit 2, named)"

phase "sessions, export, completions"
win sessions
expect_rc 0 sessions
expect_out "$out" "acme-wine" sessions
expect_out "$out" "topleft-connectwise" sessions
ok "sessions lists the session"

mkdir -p "$profile/Documents"
win export acme-wine --format html -o "$(winpath "$profile/Documents")\\summary ü.html"
expect_rc 0 "export --format html"
html="$profile/Documents/summary ü.html"
[ -f "$html" ] || fail "export wrote no file at $html"
expect_out "$html" "Service Desk" "the HTML summary"
expect_out "$html" "Zoë Ádmin" "the HTML summary names who"
! grep -q sbxPrivateKey0001 "$html" || fail "the secret is in the export"
win export acme-wine --format md
expect_rc 0 "export --format md"
expect_out "$out" "Service Tickets" "the Markdown summary"
ok "export writes the summary (HTML to a path with a space and ü; Markdown to stdout)"

win completions powershell
expect_rc 0 "completions powershell"
expect_out "$out" "Register-ArgumentCompleter -Native -CommandName 'psa-onboard'" completions
ok "completions powershell"

phase "a session lock across two Windows processes; SIGINT mid-check"
export CONNECTWISE_SITE="http://127.0.0.1:$slow_port"
win check --wizard topleft-connectwise --save-session acme-slow
expect_rc 0 "check --save-session (slow sandbox)"
unset CONNECTWISE_PRIVATE_KEY
lock="$state/sessions/acme-slow.lock"
# Start a re-audit that holds the session's lock for seconds; wait until it has the lock.
hold() {
  rm -f "$lock"
  wine "$exe" check --session acme-slow >"$work/held.out" 2>&1 &
  held=$!
  local i
  for i in $(seq 300); do
    grep -q "^pid=" "$lock" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the re-audit never took the lock"
}
hold
win sessions delete acme-slow --yes
expect_rc 2 "sessions delete while another process holds the session"
expect_out "$err" 'session "acme-slow" is open in another psa-onboard' "the lock"
wait "$held" || fail "the re-audit holding the lock failed: $(cat "$work/held.out")"
expect_out "$work/held.out" "no check failed" "the re-audit that held the lock"
ok "a second process is refused while the first holds the session"

hold
kill -INT "$held"
for i in $(seq 100); do
  kill -0 "$held" 2>/dev/null || break
  sleep 0.1
done
! kill -0 "$held" 2>/dev/null || fail "SIGINT did not end the check"
wait "$held" || true
win sessions
expect_rc 0 "sessions after SIGINT"
expect_out "$out" "acme-slow" "the interrupted session is intact"
win sessions delete acme-slow --yes
expect_rc 0 "sessions delete after SIGINT (the lock was released)"
expect_out "$out" "Removed 1 keyring entries (Windows Credential Manager)." "sessions delete"
wine reg query "$reg_key" /s >"$out" 2>&1 || true
! grep -qF "acme-slow" "$out" || fail "the Credential Manager entry of acme-slow is left"
ok "SIGINT ends a check; the session stays whole, its lock is free, delete removes the entry"

phase "the library's unit tests, built for Windows, under Wine"
# Wine hands a URL to the host's xdg-open: a stand-in records it, so the portal test can see
# the whole address arrive.
mkdir -p "$work/bin"
cat >"$work/bin/xdg-open" <<'EOF'
#!/bin/sh
printf '%s\n' "$1" >>"$BROWSER_LOG_UNIX"
EOF
chmod +x "$work/bin/xdg-open"
: >"$work/browser.log"
# Skipped: adding a trusted root fails under Wine 8 (its crypt32 answers E_INVALIDARG to the
# certificate chain engine the Windows verifier builds for extra roots); the hosted Windows
# runner (.github/workflows/release.yml) runs it.
set +e
PATH="$work/bin:$PATH" BROWSER_LOG_UNIX="$work/browser.log" \
  PSA_ONBOARD_TEST_BROWSER_LOG="$(winpath "$work/browser.log")" \
  wine "$unit_tests" --skip https_endpoints_need_a_trusted_certificate >"$out" 2>&1
rc=$?
set -e
grep -E '^test result|FAILED|panicked' "$out" || true
[ "$rc" -eq 0 ] || fail "the Windows unit tests failed under Wine"
grep -q "the_portal_address_reaches_the_browser_whole ... ok" "$out" || fail "the portal test did not run"
[ -s "$work/browser.log" ] || fail "the portal test opened nothing"
ok "unit tests under Wine (a session lock, the Credential Manager, the portal URL, …)"

phase "done"
echo "wine-check: all Windows checks passed in $((SECONDS - started)) s"
