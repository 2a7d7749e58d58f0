#!/usr/bin/env bash
# Runs the whole test suite. Where a Secret Service can be started (gnome-keyring + dbus), the
# tests run inside a private D-Bus session with a fresh, unlocked keyring so the real-keyring tests
# exercise the OS keyring; elsewhere those tests skip with a message and everything else runs.
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
  exec dbus-run-session -- bash -c '
    echo ci-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec cargo test "$@"' bash "$@"
fi
exec cargo test "$@"
