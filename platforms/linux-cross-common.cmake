# Shared tail of the ARM Linux toolchain files; expects tinyae_triplet.

# Target headers and libraries come from the cross sysroot only ...
set(CMAKE_FIND_ROOT_PATH /usr/${tinyae_triplet})
# ... plus Debian's zlib, libpng and libjpeg-turbo for the target, unpacked by
# platforms/fetch-cross-deps.sh (headers in usr/include, static libraries in
# usr/lib/<triplet>).
set(TINYAE_CROSS_DEPS_DIR ${CMAKE_CURRENT_LIST_DIR}/../build/cross-deps CACHE PATH
    "Where platforms/fetch-cross-deps.sh unpacked the target's zlib, libpng and libjpeg")
if(EXISTS ${TINYAE_CROSS_DEPS_DIR}/${tinyae_triplet}/usr/lib/${tinyae_triplet}/libz.a)
  list(APPEND CMAKE_FIND_ROOT_PATH ${TINYAE_CROSS_DEPS_DIR}/${tinyae_triplet})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Header-only xsimd, Catch2 v2 and CLI11: Debian installs their CMake configs for the build
# machine (xsimd under the host's multiarch dir, which a cross build never searches).
# Their include dir, /usr/include, is the cross compiler's last built-in search dir, so
# CMake adds no -I for it and the target's libc headers still win. Never add
# -I/usr/include. Link Catch2::Catch2 only: Catch2WithMain is a prebuilt x86-64 library.
set(xsimd_DIR  /usr/lib/${CMAKE_HOST_SYSTEM_PROCESSOR}-linux-gnu/cmake/xsimd CACHE PATH "")
set(Catch2_DIR /usr/lib/cmake/Catch2 CACHE PATH "")
set(CLI11_DIR  /usr/share/cmake/CLI11 CACHE PATH "")
