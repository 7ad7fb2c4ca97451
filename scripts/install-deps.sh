#!/usr/bin/env bash
# Installs the Debian 12 packages tinyae needs that are not there yet.
#   scripts/install-deps.sh            build + tests + demo (compiler, CMake, Ninja, xsimd, Catch2,
#                                      OpenMP, zlib, libpng, libjpeg-turbo, CLI11, Fashion-MNIST)
#   scripts/install-deps.sh --cross    also the ARM cross compilers, qemu and newlib
#   scripts/install-deps.sh --bench    also Google Benchmark, oneDNN and OpenBLAS
#   scripts/install-deps.sh --fuzz     also clang with libFuzzer
set -euo pipefail

packages=(g++ cmake ninja-build pkgconf libxsimd-dev catch2 libomp-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev libcli11-dev
          dataset-fashion-mnist)
for arg in "$@"; do
  case "$arg" in
    --cross) packages+=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user qemu-system-arm
                        gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib) ;;
    --bench) packages+=(libbenchmark-dev libdnnl-dev libopenblas-dev) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
