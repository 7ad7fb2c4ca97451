#!/usr/bin/env bash
# Builds the loader fuzzers with clang (libFuzzer + AddressSanitizer + UBSan) and runs
# each from the saved seed corpus in tests/fuzz/corpus/<loader>/.
#   scripts/fuzz.sh [RUNS] [LOADER ...]          RUNS inputs per loader (default 30000;
#                                                a fixed seed: each CI run is the same)
#   scripts/fuzz.sh --seconds N [LOADER ...]     the long mode: N seconds per loader
# LOADER: csv idx npy model image (default: all). The inputs a run finds interesting go
# to build/fuzz/corpus/<loader>/ (kept between runs, never into the tree); a crash, leak
# or sanitizer report is saved as build/fuzz/findings/<loader>-* and fails the script.
# The last line per loader: inputs executed, coverage (libFuzzer's edge count), corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-runs=30000)
if [ "${1:-}" = "--seconds" ]; then
  limit=(-max_total_time="$2")
  shift 2
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  limit=(-runs="$1")
  shift
fi
loaders=("$@")
[ ${#loaders[@]} -gt 0 ] || loaders=(csv idx npy model image)
scripts/install-deps.sh --fuzz
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g -O1"
cmake -S . -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DTINYAE_BUILD_FUZZERS=ON -DTINYAE_BUILD_TESTS=OFF -DTINYAE_BUILD_EXAMPLES=OFF \
  -DTINYAE_BUILD_APPS=OFF -DTINYAE_BUILD_BENCH=OFF -DTINYAE_INSTALL=OFF >/dev/null
cmake --build build/fuzz
mkdir -p build/fuzz/findings
status=0
for loader in "${loaders[@]}"; do
  seeds="tests/fuzz/corpus/$loader"
  [ -d "$seeds" ] || { echo "fuzz.sh: no seed corpus $seeds" >&2; exit 2; }
  corpus="build/fuzz/corpus/$loader"
  mkdir -p "$corpus"
  log="build/fuzz/fuzz_$loader.log"
  echo "== fuzz_$loader (${limit[*]})"
  if build/fuzz/tests/fuzz/fuzz_$loader "$corpus" "$seeds" -seed=1 "${limit[@]}" -max_len=65536 \
       -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="build/fuzz/findings/$loader-" >"$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
    echo "fuzz_$loader: $runs inputs, $cov, no findings"
  else
    tail -40 "$log"
    status=1
  fi
done
exit $status
