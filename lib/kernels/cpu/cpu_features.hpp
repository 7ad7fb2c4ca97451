// What the CPU can run, from our own CPUID + XGETBV check (xsimd 8.1's detection reads
// wrong bits and does not ask the OS whether it saves the wide registers).
#pragma once

namespace tinyae::kernels {

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 and FMA, and the OS saves YMM state
  bool avx512f = false;   // AVX-512F and DQ (with AVX2/FMA), and the OS saves ZMM and opmask state
};

// Runs CPUID each call (cheap; callers ask once); all-false off x86.
CpuFeatures cpu_features();

}  // namespace tinyae::kernels
