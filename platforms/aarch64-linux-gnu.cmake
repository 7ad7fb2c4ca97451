# Toolchain file: 64-bit ARM Linux (NEON) with Debian's g++-aarch64-linux-gnu.
# Executables run under qemu-user: CTest, add_test() and catch_discover_tests() all go
# through CMAKE_CROSSCOMPILING_EMULATOR, so `ctest` works unchanged.
#   cmake --preset aarch64    (or -DCMAKE_TOOLCHAIN_FILE=platforms/aarch64-linux-gnu.cmake)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(tinyae_triplet aarch64-linux-gnu)
set(CMAKE_C_COMPILER   ${tinyae_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${tinyae_triplet}-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/${tinyae_triplet})

include(${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake)
