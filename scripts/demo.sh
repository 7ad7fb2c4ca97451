#!/usr/bin/env bash
# The main demo: installs what is missing, builds, and trains the reference systems.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target identity_838 digits_deep
out=out/demo
mkdir -p "$out"
echo
build/release/examples/identity_838 "$out/identity_838_sse.csv"
echo
build/release/examples/digits_deep "$(scripts/fetch-digits.sh build/data)"
