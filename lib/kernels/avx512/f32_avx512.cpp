// AVX-512 float kernels (compiled with -mavx512f -mavx512dq -mfma;
// xsimd 8.1's avx512f code uses DQ instructions): 12x32 micro-kernel, 24 zmm
// accumulators, B blocks of 256 x 32 floats (32 KB, within L1).
#include "../simd/f32_simd.hpp"

namespace tinyae::kernels {

extern const F32Kernels kF32Avx512;
using f32_12x32__avx512f = SimdF32<xsimd::avx512f, 12, 2, 256>;
const F32Kernels kF32Avx512 = f32_12x32__avx512f::table("avx512");

}  // namespace tinyae::kernels
