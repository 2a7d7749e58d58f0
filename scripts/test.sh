#!/usr/bin/env bash
# Runs the whole test suite. Where a Secret Service can be started (gnome-keyring + dbus), the
# tests run inside a private D-Bus session with a fresh, unlocked keyring so the real-keyring tests
# exercise the OS keyring; elsewhere those tests skip with a message and everything else runs.
#
# Run without test filters (`scripts/test.sh`, or with only --locked as CI does), it then checks
# the Windows build under Wine (scripts/wine-check.sh), which skips with a message where wine,
# mingw-w64 or the Windows Rust target is missing. PSA_ONBOARD_SKIP_WINE=1 leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PSA_ONBOARD_IN_TEST_SESSION:-}" ] \
  && command -v dbus-run-session >/dev/null 2>&1 \
  && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  keyring_home="$(mktemp -d)"
  trap 'rm -rf "$keyring_home"' EXIT
  # A fresh XDG_DATA_HOME avoids a locked "login" collection from the user's real keyring.
  export XDG_DATA_HOME="$keyring_home"
  export PSA_ONBOARD_IN_TEST_SESSION=1
  # Not exec: the trap removes the keyring directory afterwards.
  dbus-run-session -- bash -c '
    echo ci-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec scripts/test.sh "$@"' bash "$@"
  exit $?
fi

# The Windows checks belong to a whole run, not to a filtered one.
whole_run=1
for arg in "$@"; do
  [ "$arg" = "--locked" ] || whole_run=0
done

status=0
cargo test "$@" || status=$?
if [ "$whole_run" = 1 ] && [ -z "${PSA_ONBOARD_SKIP_WINE:-}" ]; then
  echo "== Windows build under Wine (scripts/wine-check.sh)"
  scripts/wine-check.sh || status=1
fi
exit "$status"
