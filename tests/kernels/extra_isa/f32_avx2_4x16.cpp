// A test-only ISA (CMake option TINYAE_TEST_EXTRA_ISA): the AVX2 + FMA float kernels
// with a 4x16 micro-kernel and B blocks of 128 x 16, added exactly as
// lib/kernels/README.md says (this source and isa_line.inc's line), so the list-driven
// kernel tests check those steps and a tile no shipped ISA uses.
#include "../../../lib/kernels/simd/f32_simd.hpp"

namespace tinyae::kernels {

extern const F32Kernels kF32Avx2_4x16;
using f32_4x16__avx2_fma = SimdF32<xsimd::fma3<xsimd::avx2>, 4, 2, 128>;
const F32Kernels kF32Avx2_4x16 = f32_4x16__avx2_fma::table("avx2_4x16");

}  // namespace tinyae::kernels
