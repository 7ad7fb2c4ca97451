// NEON float kernels, chosen at compile time on ARM. aarch64 (32 q registers): 6x16
// micro-kernel with 24 accumulators; armv7 (16 q registers): 4x8 with 8.
#include "../simd/f32_simd.hpp"

namespace tinyae::kernels {

extern const F32Kernels kF32Neon;
#if defined(__aarch64__)
using f32_6x16__neon64 = SimdF32<xsimd::neon64, 6, 4, 256>;
const F32Kernels kF32Neon = f32_6x16__neon64::table("neon");
#else
using f32_4x8__neon = SimdF32<xsimd::neon, 4, 2, 256>;
const F32Kernels kF32Neon = f32_4x8__neon::table("neon");
#endif

}  // namespace tinyae::kernels
