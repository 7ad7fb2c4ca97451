#include "cpu_features.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#if defined(__aarch64__) && defined(__linux__)
// Weak, like getenv in dispatch.cpp: core keeps needing only libm and mem*, and a
// program without it (firmware) just sees no dot product.
extern "C" unsigned long getauxval(unsigned long type) __attribute__((weak));
#endif

namespace tinyae::kernels {
namespace {

#if defined(__x86_64__) || defined(__i386__)
bool bit(unsigned reg, int n) { return ((reg >> n) & 1u) != 0; }

// XCR0: which register states the OS saves on a context switch.
unsigned long long xcr0() {
  unsigned eax = 0;
  unsigned edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(1, 0, eax, ebx, ecx, edx);
  const bool osxsave = bit(ecx, 27);
  const bool avx = bit(ecx, 28);
  const bool fma = bit(ecx, 12);
  if (!osxsave || !avx) return f;
  const unsigned long long xcr = xcr0();
  const bool ymm_state = (xcr & 0x6) == 0x6;           // SSE + AVX
  const bool zmm_state = (xcr & 0xE6) == 0xE6;         // + opmask, ZMM_Hi256, Hi16_ZMM
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = bit(ebx, 5);
  const bool avx512f = bit(ebx, 16);
  const bool avx512dq = bit(ebx, 17);  // xsimd 8.1's avx512f code uses DQ instructions
  const bool avx512_vnni = bit(ecx, 11);
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  const bool avx_vnni = bit(eax, 4);
  f.avx2_fma = avx2 && fma && ymm_state;
  f.avx512f = f.avx2_fma && avx512f && avx512dq && zmm_state;
  f.avx512vnni = f.avx512f && avx512_vnni;
  f.avxvnni = f.avx2_fma && avx_vnni;
  return f;
}
#elif defined(__aarch64__) && defined(__linux__)
CpuFeatures detect() {
  constexpr unsigned long kAtHwcap = 16;           // AT_HWCAP
  constexpr unsigned long kHwcapAsimdDp = 1ul << 20;  // HWCAP_ASIMDDP
  CpuFeatures f;
  f.arm_dotprod = getauxval != nullptr && (getauxval(kAtHwcap) & kHwcapAsimdDp) != 0;
  return f;
}
#else
CpuFeatures detect() { return CpuFeatures{}; }
#endif

}  // namespace

// Asked only when the kernel table is chosen, so no caching (and no static guard,
// which firmware could not link).
CpuFeatures cpu_features() { return detect(); }

}  // namespace tinyae::kernels
