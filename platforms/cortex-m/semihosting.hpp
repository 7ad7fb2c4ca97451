// Arm semihosting calls (bkpt 0xAB on M-profile). QEMU needs
// -semihosting-config enable=on,target=native
#pragma once
#include <cstdint>

namespace semihosting {
inline std::uint32_t call(std::uint32_t op, const void* arg) {
  register std::uint32_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
inline void write0(const char* s) { call(0x04, s); }  // SYS_WRITE0
[[noreturn]] inline void exit(int code) {
  // SYS_EXIT_EXTENDED {ADP_Stopped_ApplicationExit, code}: QEMU exits with `code`.
  const std::uint32_t block[2] = {0x20026u, static_cast<std::uint32_t>(code)};
  call(0x20, block);
  for (;;) {}
}
}  // namespace semihosting
