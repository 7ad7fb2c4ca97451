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

// Files on the host that runs QEMU. SYS_OPEN mode 1 is "rb"; returns a handle, or -1.
inline int open_read(const char* path) {
  std::uint32_t length = 0;
  while (path[length] != '\0') ++length;
  const std::uint32_t block[3] = {reinterpret_cast<std::uint32_t>(path), 1u, length};
  return static_cast<int>(call(0x01, block));
}
// SYS_READ: true when all `bytes` arrived (the call returns how many did not).
inline bool read(int handle, void* buffer, std::uint32_t bytes) {
  const std::uint32_t block[3] = {static_cast<std::uint32_t>(handle), reinterpret_cast<std::uint32_t>(buffer), bytes};
  return call(0x06, block) == 0;
}
// SYS_SEEK to an absolute position: true on success.
inline bool seek(int handle, std::uint32_t position) {
  const std::uint32_t block[2] = {static_cast<std::uint32_t>(handle), position};
  return call(0x0A, block) == 0;
}
inline void close(int handle) {
  const std::uint32_t block[1] = {static_cast<std::uint32_t>(handle)};
  call(0x02, block);
}
[[noreturn]] inline void exit(int code) {
  // SYS_EXIT_EXTENDED {ADP_Stopped_ApplicationExit, code}: QEMU exits with `code`.
  const std::uint32_t block[2] = {0x20026u, static_cast<std::uint32_t>(code)};
  call(0x20, block);
  for (;;) {}
}
}  // namespace semihosting
