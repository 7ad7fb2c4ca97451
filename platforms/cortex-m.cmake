# Toolchain file: bare-metal Cortex-M with Debian's gcc-arm-none-eabi + newlib.
# Programs run on a QEMU MPS2/MPS3 board; output and exit code go through semihosting,
# so CTest sees pass/fail. Board glue and the firmware example: platforms/cortex-m/.
#   cmake --preset cortex-m4  (or -DCMAKE_TOOLCHAIN_FILE=platforms/cortex-m.cmake -DCORTEX_M=m4)
set(CORTEX_M m4 CACHE STRING "Cortex-M core: m4, m7 or m55")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CORTEX_M)

# Board RAM at 0x20000000 (code at 0x0): MPS2 boards have 4 MiB of SSRAM there, the
# MPS3 AN547 has a 512 KiB DTCM.
if(CORTEX_M STREQUAL "m4")      # Armv7E-M, DSP, single-precision FPU
  set(_cpu "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
  set(TINYAE_QEMU_BOARD mps2-an386)
  set(TINYAE_BOARD_RAM_KIB 4096)
elseif(CORTEX_M STREQUAL "m7")  # Armv7E-M, DSP, double-precision FPU
  set(_cpu "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
  set(TINYAE_QEMU_BOARD mps2-an500)
  set(TINYAE_BOARD_RAM_KIB 4096)
elseif(CORTEX_M STREQUAL "m55") # Armv8.1-M, DSP, FPU, Helium (MVE)
  set(_cpu "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard")
  set(TINYAE_QEMU_BOARD mps3-an547)
  set(TINYAE_BOARD_RAM_KIB 512)
else()
  message(FATAL_ERROR "CORTEX_M must be m4, m7 or m55, not '${CORTEX_M}'")
endif()

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER   arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # try_compile has no startup code

set(CMAKE_C_FLAGS_INIT   "${_cpu} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${_cpu} -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -fno-threadsafe-statics")
# nosys: newlib's system calls are stubs; nothing here may reach them (see the no-heap test).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

# CTest appends the program path, so -kernel must come last.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-system-arm -M ${TINYAE_QEMU_BOARD} -nographic
    -semihosting-config enable=on,target=native -kernel)

set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
