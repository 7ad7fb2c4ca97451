# Toolchain file: 32-bit ARMv7-A Linux, hard-float ABI, NEON, with Debian's
# g++-arm-linux-gnueabihf; executables run under qemu-arm (see aarch64-linux-gnu.cmake).
#   cmake --preset armv7      (or -DCMAKE_TOOLCHAIN_FILE=platforms/arm-linux-gnueabihf.cmake)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(tinyae_triplet arm-linux-gnueabihf)
set(CMAKE_C_COMPILER   ${tinyae_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${tinyae_triplet}-g++)
# The compiler defaults to -mfpu=vfpv3-d16 (no NEON): then __ARM_NEON is not defined and
# xsimd has no architecture. neon-vfpv4 (Cortex-A7 and later) also gives a fused
# multiply-add, so xsimd::fma is one vfma instead of a multiply and an add.
set(CMAKE_C_FLAGS_INIT   "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /usr/${tinyae_triplet})

include(${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake)
