// Measured stack use: paint() fills the unused stack below the caller's frame with a
// pattern; high_water() later finds the lowest word that changed, so the bytes between
// it and the stack's top are the deepest the program went (plus the painting frame).
#pragma once

#include <cstdint>

extern "C" std::uint32_t __stack_bottom[], __stack_top[];

namespace fw {

inline constexpr std::uint32_t kStackPaint = 0x5A7C4E11u;

// Not inlined, so its frame is below main's and everything above it stays intact.
[[gnu::noinline]] inline void paint_stack() {
  std::uintptr_t sp = 0;
  __asm volatile("mov %0, sp" : "=r"(sp));
  const std::uintptr_t end = sp - 64;  // leave this frame alone
  for (std::uint32_t* p = __stack_bottom; reinterpret_cast<std::uintptr_t>(p) < end; ++p) *p = kStackPaint;
  __asm volatile("" ::: "memory");
}

inline std::uint32_t stack_high_water() {
  const std::uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == kStackPaint) ++p;
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(__stack_top) -
                                    reinterpret_cast<std::uintptr_t>(p));
}

}  // namespace fw
