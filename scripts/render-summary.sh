#!/usr/bin/env sh
# Render the example setup summary (HTML export) to docs/summary.png with headless Chromium.
# Works from a clean checkout: the example session is built into the binary
# (`psa-onboard export --example`). Needs Debian's `chromium` (or set CHROMIUM=/path/to/it).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cargo run --quiet --bin psa-onboard -- export --example --format html -o "$tmp/summary.html"
cp "$tmp/summary.html" "$root/docs/summary-example.html"

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
  done
fi
if [ -z "$browser" ]; then
  echo "render-summary: no Chromium found; install it (apt-get install -y chromium) or set CHROMIUM" >&2
  exit 1
fi

"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$tmp/profile" --screenshot="$root/docs/summary.png" \
  --window-size=1200,1600 "file://$tmp/summary.html" 2>"$tmp/chromium.log" || {
  cat "$tmp/chromium.log" >&2
  exit 1
}
echo "wrote docs/summary.png and docs/summary-example.html"
