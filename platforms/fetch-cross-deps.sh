#!/usr/bin/env bash
# Puts Debian's zlib, libpng and libjpeg-turbo (headers + static libraries) for the ARM
# Linux targets under build/cross-deps/<triplet>/, where the toolchain files find them.
# tinyae::tinyae (lib/io) needs all three; Debian 12 cannot install zlib1g-dev:arm64 and
# the like beside the host's packages (libc6-dev:arm64 wants a linux-libc-dev:arm64
# matching the host's), so we fetch only the -dev packages with `apt-get download`,
# unpack them, and link the libraries statically. The foreign architectures are
# registered only for the download and removed again.
#   platforms/fetch-cross-deps.sh [arm64] [armhf]      (default: both; needs root or sudo)
# TINYAE_CROSS_DEPS_DIR overrides the destination (the toolchain files' cache variable
# of the same name must then point there too).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
deps="${TINYAE_CROSS_DEPS_DIR:-$root/build/cross-deps}"
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(arm64 armhf)
# Each package with the static library that shows it is unpacked.
packages=(zlib1g-dev libpng-dev libjpeg62-turbo-dev)
libraries=(libz.a libpng16.a libjpeg.a)

triplet() { case "$1" in arm64) echo aarch64-linux-gnu ;; armhf) echo arm-linux-gnueabihf ;;
            *) echo "fetch-cross-deps.sh: unknown architecture $1" >&2; exit 2 ;; esac; }

need=()
for a in "${archs[@]}"; do
  t="$(triplet "$a")"
  for l in "${libraries[@]}"; do
    if [ ! -f "$deps/$t/usr/lib/$t/$l" ]; then need+=("$a"); break; fi
  done
done
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
tmp="$(mktemp -d)"
chmod 755 "$tmp"   # apt's _apt user writes the download here
added=()
cleanup() {
  for a in "${added[@]}"; do $sudo dpkg --remove-architecture "$a" || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
for a in "${need[@]}"; do
  if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
    $sudo dpkg --add-architecture "$a"
    added+=("$a")
  fi
done
# A foreign index that fails to download (mirror sync) must not stop us: the packages
# come from the main archive.
$sudo apt-get update -qq || echo "fetch-cross-deps.sh: apt-get update reported errors; trying anyway" >&2
for a in "${need[@]}"; do
  t="$(triplet "$a")"
  for p in "${packages[@]}"; do
    if ! (cd "$tmp" && apt-get download -q "$p:$a"); then
      echo "fetch-cross-deps.sh: could not download $p:$a" >&2
      exit 1
    fi
  done
  rm -rf "${deps:?}/$t"
  mkdir -p "$deps/$t"
  for deb in "$tmp"/*_"$a".deb; do dpkg-deb -x "$deb" "$deps/$t"; done
  # Only the static libraries: the .so symlinks point into runtime packages we lack.
  find "$deps/$t/usr/lib/$t" -name '*.so' -delete
  # jconfig.h sits in the multiarch include folder, which the cross compilers do not
  # search under another root: put it beside jpeglib.h.
  cp "$deps/$t/usr/include/$t/"*.h "$deps/$t/usr/include/"
  echo "zlib, libpng and libjpeg-turbo for $t in $deps/$t"
done
