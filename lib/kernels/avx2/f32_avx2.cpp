// AVX2 + FMA float kernels (compiled with -mavx2 -mfma): 6x16 micro-kernel, 12 ymm
// accumulators, B blocks of 256 x 16 floats (16 KB).
#include "../simd/f32_simd.hpp"

namespace tinyae::kernels {

extern const F32Kernels kF32Avx2;
using f32_6x16__avx2_fma = SimdF32<xsimd::fma3<xsimd::avx2>, 6, 2, 256>;
const F32Kernels kF32Avx2 = f32_6x16__avx2_fma::table("avx2");

}  // namespace tinyae::kernels
