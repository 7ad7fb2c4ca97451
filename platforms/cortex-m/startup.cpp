// Minimal Cortex-M startup for QEMU's MPS2/MPS3 boards: vector table, FPU enable,
// .data/.bss init, static constructors, main, semihosting exit with main's return
// value (QEMU's exit status). No heap, no exceptions, no newlib crt0.
#include <cstdint>
#include "semihosting.hpp"

extern "C" {
extern std::uint32_t __data_start[], __data_end[], __data_load[];
extern std::uint32_t __bss_start[], __bss_end[], __stack_top[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
// main under another C++ name: ISO C++ forbids calling ::main, the linker does not.
int app_main() __asm__("main");

[[noreturn]] void Reset_Handler() {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  // CPACR: full access to CP10/CP11 (FPU, and MVE on Cortex-M55).
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED88) |= (0xFu << 20);
  __asm volatile("dsb\n isb" ::: "memory");
#endif
  for (std::uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
  for (std::uint32_t* d = __bss_start; d < __bss_end;) *d++ = 0;
  for (auto f = __init_array_start; f < __init_array_end; ++f) (*f)();
  semihosting::exit(app_main());
}

[[noreturn]] void Default_Handler() {
  semihosting::write0("unexpected exception/fault\n");
  semihosting::exit(99);
}

// Cortex-M vector table: initial SP, reset, then NMI..SysTick (all -> Default_Handler).
__attribute__((section(".vectors"), used)) void (*const vector_table[16])() = {
  reinterpret_cast<void (*)()>(__stack_top), Reset_Handler,
  Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
  nullptr, nullptr, nullptr, nullptr,
  Default_Handler, Default_Handler, nullptr, Default_Handler, Default_Handler,
};
}
