#!/usr/bin/env bash
# The layering check on its own: no import circle among src/'s top-level modules nor inside
# src/sandbox and src/session, no domain module importing the command layer (commands, cli), and
# no source file over 800 lines (src/tui/app.rs: 600).
# It is a library unit test (src/layering.rs), so `cargo test` and CI run it too; here it also
# prints the module graphs it checked.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --lib "$@" layering -- --nocapture --test-threads=1
