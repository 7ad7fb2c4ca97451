// NEON float kernels, chosen at compile time on ARM. aarch64 (32 q registers): 6x16
// micro-kernel with 24 accumulators; armv7 (16 q registers): 4x8 with 8.
#include "../simd/f32_simd.hpp"

namespace tinyae::kernels {

extern const F32Kernels kF32Neon;
#if defined(__aarch64__)
const F32Kernels kF32Neon = SimdF32<xsimd::neon64, 6, 4, 256>::table("neon");
#else
// xsimd 8.1's float log1p/exp path crashes on armv7 NEON (SIGSEGV under qemu-arm), so
// there the loss values use the scalar reference; kF32Scalar is constant-initialized,
// so reading it here is safe.
const F32Kernels kF32Neon = [] {
  F32Kernels table = SimdF32<xsimd::neon, 4, 2, 256>::table("neon");
  table.bce_sum = kF32Scalar.bce_sum;
  table.dense_forward_loss = kF32Scalar.dense_forward_loss;
  return table;
}();
#endif

}  // namespace tinyae::kernels
