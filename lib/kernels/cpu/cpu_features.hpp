// What the CPU can run, from our own CPUID + XGETBV check (xsimd 8.1's detection reads
// wrong bits and does not ask the OS whether it saves the wide registers).
#pragma once

namespace tinyae::kernels {

struct CpuFeatures {
  bool baseline = true;   // what every CPU of the build's target runs (scalar; NEON on ARM)
  bool avx2_fma = false;  // AVX2 and FMA, and the OS saves YMM state
  bool avx512f = false;   // AVX-512F and DQ (with AVX2/FMA), and the OS saves ZMM and opmask state
  bool avx512vnni = false;  // avx512f plus AVX512_VNNI (vpdpbusd on zmm)
  bool avxvnni = false;     // avx2_fma plus AVX-VNNI (the VEX vpdpbusd on ymm)
  bool arm_dotprod = false;  // aarch64 with the dot-product extension (sdot/udot)
};

// Runs CPUID each call (cheap; callers ask once); on aarch64 Linux asks the kernel's
// hardware capabilities; all-false elsewhere.
CpuFeatures cpu_features();

}  // namespace tinyae::kernels
