#!/usr/bin/env bash
# Prints the path of the 8x8 digits CSV that Debian's python3-sklearn ships. When the
# package is not installed, takes just that file out of the package (no dependencies).
#   scripts/fetch-digits.sh [cache-dir]
set -euo pipefail
installed=/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
if [ -f "$installed" ]; then echo "$installed"; exit 0; fi
cache=$(realpath -m "${1:-build/data}")
file="$cache/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
if [ ! -f "$file" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -q python3-sklearn >/dev/null 2>&1) || {
    echo "fetch-digits.sh: apt-get download python3-sklearn failed (run apt-get update?)" >&2; exit 1; }
  dpkg-deb -x "$tmp"/python3-sklearn_*.deb "$tmp/x"
  mkdir -p "$(dirname "$file")"
  cp "$tmp/x/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz" "$file"
  rm -rf "$tmp"
fi
echo "$file"
