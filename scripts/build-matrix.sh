#!/usr/bin/env bash
# Builds, with warnings as errors, the configurations a user can have beside the one
# scripts/test.sh builds (CI installs everything, so test.sh there has Google Benchmark,
# oneDNN and OpenBLAS):
#   bench-no-peers   Google Benchmark without oneDNN and OpenBLAS (a fresh machine of ours)
#   bench-dnnl       Google Benchmark with oneDNN only
#   bench-openblas   Google Benchmark with OpenBLAS only
#   no-benchmark     Google Benchmark absent: the bench folder is skipped
#   no-openmp        TINYAE_OPENMP=OFF (and TINYAE_TEST_EXTRA_ISA=ON): everything built, the whole test suite run
# A peer is hidden with the bench's own options (TINYAE_BENCH_DNNL/OPENBLAS=OFF), Google
# Benchmark with CMAKE_DISABLE_FIND_PACKAGE_benchmark, so the packages stay installed.
#   scripts/build-matrix.sh [config ...]        (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(bench-no-peers bench-dnnl bench-openblas no-benchmark no-openmp)
scripts/install-deps.sh --bench

common=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DTINYAE_WARNINGS_AS_ERRORS=ON)
# The bench configurations share one build folder: only the bench targets' flags differ,
# so the core is compiled once.
bench_only=(-DTINYAE_BUILD_TESTS=OFF -DTINYAE_BUILD_EXAMPLES=OFF -DTINYAE_BUILD_APPS=OFF
            -DTINYAE_INSTALL=OFF -DTINYAE_BUILD_BENCH=ON)
for c in "${configs[@]}"; do
  echo "== $c ($(date +%T))"
  case "$c" in
    bench-no-peers) flags=(-DTINYAE_BENCH_DNNL=OFF -DTINYAE_BENCH_OPENBLAS=OFF) ;;
    bench-dnnl) flags=(-DTINYAE_BENCH_DNNL=ON -DTINYAE_BENCH_OPENBLAS=OFF) ;;
    bench-openblas) flags=(-DTINYAE_BENCH_DNNL=OFF -DTINYAE_BENCH_OPENBLAS=ON) ;;
    no-benchmark) flags=(-DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON) ;;
    no-openmp) ;;
    *) echo "build-matrix.sh: unknown configuration $c" >&2; exit 2 ;;
  esac
  case "$c" in
    bench-* | no-benchmark)
      log=$(mktemp)
      cmake -S . -B build/matrix-bench "${common[@]}" "${bench_only[@]}" \
        -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=OFF "${flags[@]}" | tee "$log" | grep 'tinyae bench' || true
      # The configuration must be what its name says, not what happens to be installed.
      case "$c" in
        bench-no-peers) ! grep -qE 'oneDNN found|OpenBLAS found' "$log" ;;
        bench-dnnl) grep -q 'oneDNN found' "$log" && ! grep -q 'OpenBLAS found' "$log" ;;
        bench-openblas) grep -q 'OpenBLAS found' "$log" && ! grep -q 'oneDNN found' "$log" ;;
        no-benchmark) grep -q 'Google Benchmark not found' "$log" ;;
      esac || { echo "build-matrix.sh: $c is not configured as named" >&2; rm -f "$log"; exit 1; }
      rm -f "$log"
      cmake --build build/matrix-bench
      ;;
    no-openmp)
      # Also adds the test-only ISA of lib/kernels/README.md, so its steps stay true.
      cmake -S . -B build/no-openmp "${common[@]}" -DTINYAE_OPENMP=OFF -DTINYAE_TEST_EXTRA_ISA=ON >/dev/null
      cmake --build build/no-openmp
      ! nm -A build/no-openmp/lib/libtinyae_core.a | grep -qE 'U (GOMP|omp)_' ||
        { echo "build-matrix.sh: no-openmp's core still calls the OpenMP runtime" >&2; exit 1; }
      ctest --test-dir build/no-openmp --output-on-failure -j 2 --timeout 600
      ;;
  esac
done
