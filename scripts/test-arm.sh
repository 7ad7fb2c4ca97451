#!/usr/bin/env bash
# ARM in CI: installs what is missing, then
#   aarch64   builds the `aarch64` preset, runs the whole test suite under qemu-aarch64
#             (but digits-deep's 200 per-sample epochs: 200 s of qemu; its kernels are
#             in the NEON kernel tests, bit for bit) and shows which kernels ran (NEON);
#   armv7     builds the `armv7` preset's kernel tests, the C-header test (its SMLAD
#             path) and platform checks, runs them under qemu-arm;
#   cortex-m  builds the Cortex-M4F firmware (`cortex-m4` preset) and runs it under
#             qemu-system-arm: host-checked encoder codes, on-device training, no heap;
#             then the on-device sparse training and the int8 firmware (encoder,
#             whole autoencoder, denoiser) on the Cortex-M7 and M55 presets.
# Usage: scripts/test-arm.sh [aarch64] [armv7] [cortex-m]     (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64 armv7 cortex-m)
jobs="${TINYAE_JOBS:-2}"

scripts/install-deps.sh --cross
need_deps=()
for t in "${targets[@]}"; do
  case "$t" in
    aarch64) need_deps+=(arm64) ;;
    armv7) need_deps+=(armhf) ;;
    cortex-m) ;;
    *) echo "test-arm.sh: unknown target $t (aarch64, armv7, cortex-m)" >&2; exit 2 ;;
  esac
done
[ ${#need_deps[@]} -eq 0 ] || platforms/fetch-cross-deps.sh "${need_deps[@]}"

stage() { echo; echo "=== $* ($(date +%T))"; }
start=$SECONDS
for t in "${targets[@]}"; do
  t0=$SECONDS
  case "$t" in
    aarch64)
      stage "aarch64: build"
      cmake --preset aarch64 >/dev/null
      cmake --build --preset aarch64 -j "$jobs"
      stage "aarch64: whole test suite under qemu-aarch64"
      ctest --preset aarch64
      stage "aarch64: kernels and codes"
      ctest --preset aarch64 -R '^platform\.' -V | grep -E 'active ISA|codes compared|Passed|Failed'
      ;;
    armv7)
      stage "armv7: build the kernel tests and platform checks"
      cmake --preset armv7 >/dev/null
      cmake --build --preset armv7 -j "$jobs" --target tinyae_kernel_tests tinyae_quant_tests \
        tinyae_quant_header_tests tinyae_isa_report tinyae_encode_codes tinyae_encode_int8 tinyae_host_reference
      stage "armv7: kernel tests under qemu-arm"
      # Test programs not built here register as <target>_NOT_BUILT: skip them.
      ctest --preset armv7 -E '_NOT_BUILT'
      ctest --preset armv7 -R '^platform\.' -V | grep -E 'active ISA|codes compared|Passed|Failed'
      ;;
    cortex-m)
      stage "cortex-m4: firmware"
      cmake --preset cortex-m4 >/dev/null
      cmake --build --preset cortex-m4 -j "$jobs"
      stage "cortex-m4: firmware under qemu-system-arm (mps2-an386)"
      ctest --preset cortex-m4 -V | grep -vE '^(UpdateCTest|Parse|Test project|Constructing|Checking|Updating|Done|Added)|^[0-9]+: (code|params|recon|denoise) '
      for core in m7 m55; do
        stage "cortex-$core: the sparse training and the int8 firmware, checked against the host"
        cmake --preset "cortex-$core" >/dev/null
        cmake --build --preset "cortex-$core" -j "$jobs" --target tinyae_fw_train_sparse tinyae_fw_encode_int8 \
          tinyae_fw_score_int8 tinyae_fw_denoise_int8 tinyae_host_reference
        ctest --preset "cortex-$core" -R 'train_sparse|int8_matches' -V |
          grep -E 'on the device|largest|stack|compared|Passed|Failed'
      done
      ;;
  esac
  echo "--- $t: $((SECONDS - t0)) s"
done
echo; echo "test-arm.sh: all passed in $((SECONDS - start)) s"
