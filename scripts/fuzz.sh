#!/usr/bin/env bash
# Builds the loader fuzzers with clang (libFuzzer + AddressSanitizer + UBSan) and runs
# each for a few seconds on seeds from the shared data and files the tests write.
#   scripts/fuzz.sh [runs per target, default 30000]
# A fixed seed and a fixed number of runs make each CI run the same.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30000}"
scripts/install-deps.sh --fuzz
# nonnull-attribute is off: Debian's stb_image calls memcpy(NULL, p, 0) on an empty
# PNG IDAT chunk (harmless, and not our code); every other UBSan check stays on.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=nonnull-attribute -fno-sanitize-recover=all -g -O1"
cmake -S . -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DTINYAE_BUILD_FUZZERS=ON -DTINYAE_BUILD_TESTS=OFF -DTINYAE_BUILD_EXAMPLES=OFF \
  -DTINYAE_BUILD_APPS=OFF -DTINYAE_BUILD_BENCH=OFF -DTINYAE_INSTALL=OFF >/dev/null
cmake --build build/fuzz
data=../shared/data
seeds=build/fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{csv,idx,npy,model,image}
printf '1,2,3\n4,5,6\n' > "$seeds/csv/small.csv"
if [ -d "$data" ]; then
  gzip -dc "$data/sklearn-digits/digits.csv.gz" | head -n 40 > "$seeds/csv/digits.csv" || true
  cp "$data/fashion-mnist/t10k-labels-idx1-ubyte.gz" "$seeds/idx/"
  head -c 2000 "$data/patches/rgb16x16-10000-idx4-ubyte" > "$seeds/idx/patches-truncated"
  head -c 1152 "$data/patches/ufldl8x8_whitened_10000x64_f32.npy" > "$seeds/npy/patches-truncated.npy"
  cp "$data/photos/chelsea.png" "$seeds/image/"
  head -c 3000 "$data/natural512/00-camera.pgm" > "$seeds/image/camera-truncated.pgm"
fi
cp /tmp/tinyae_test_model.tae "$seeds/model/" 2>/dev/null || printf 'TINYAEMF' > "$seeds/model/magic"
status=0
for target in csv idx npy model image; do
  echo "== fuzz_$target, $runs runs"
  log="build/fuzz/fuzz_$target.log"
  if build/fuzz/tests/fuzz/fuzz_$target "$seeds/$target" -seed=1 -runs="$runs" -max_len=65536 \
       -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    grep -E "stat::number_of_executed_units" "$log" || true
  else
    tail -40 "$log"
    status=1
  fi
done
exit $status
