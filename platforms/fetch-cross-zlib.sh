#!/usr/bin/env bash
# Puts Debian's zlib (headers + static libz.a) for the ARM Linux targets under
# build/cross-deps/<triplet>/, where the toolchain files find it. tinyae::tinyae (lib/io)
# needs zlib; Debian 12 cannot install zlib1g-dev:arm64 beside the host's packages
# (libc6-dev:arm64 wants a linux-libc-dev:arm64 matching the host's), so we fetch only
# the -dev package with `apt-get download`, unpack it, and link libz statically.
# The foreign architectures are registered only for the download and removed again.
#   platforms/fetch-cross-zlib.sh [arm64] [armhf]      (default: both; needs root or sudo)
# TINYAE_CROSS_DEPS_DIR overrides the destination (the toolchain files' cache variable
# of the same name must then point there too).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
deps="${TINYAE_CROSS_DEPS_DIR:-$root/build/cross-deps}"
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(arm64 armhf)

triplet() { case "$1" in arm64) echo aarch64-linux-gnu ;; armhf) echo arm-linux-gnueabihf ;;
            *) echo "fetch-cross-zlib.sh: unknown architecture $1" >&2; exit 2 ;; esac; }

need=()
for a in "${archs[@]}"; do
  [ -f "$deps/$(triplet "$a")/usr/lib/$(triplet "$a")/libz.a" ] || need+=("$a")
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
# A foreign index that fails to download (mirror sync) must not stop us: the package
# comes from the main archive.
$sudo apt-get update -qq || echo "fetch-cross-zlib.sh: apt-get update reported errors; trying anyway" >&2
for a in "${need[@]}"; do
  t="$(triplet "$a")"
  if ! (cd "$tmp" && apt-get download -q "zlib1g-dev:$a"); then
    echo "fetch-cross-zlib.sh: could not download zlib1g-dev:$a" >&2
    exit 1
  fi
  deb="$(ls "$tmp"/zlib1g-dev_*_"$a".deb)"
  rm -rf "${deps:?}/$t"
  mkdir -p "$deps/$t"
  dpkg-deb -x "$deb" "$deps/$t"
  # Only the static library: the .so symlink points into the runtime package we lack.
  rm -f "$deps/$t/usr/lib/$t/libz.so"
  echo "zlib for $t in $deps/$t"
done
