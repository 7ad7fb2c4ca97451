// AVX2 intrinsics behind the generic float kernels (vmath.hpp, gemm.hpp) where xsimd
// 8.1 has no single instruction for the job: masked row-tail loads and stores and an
// 8 x 8 transpose for packing B. Compiled only where __AVX2__ is defined (f32_avx2.cpp's
// and f32_avx512.cpp's flags).
#pragma once

#if defined(__AVX2__)
#include <immintrin.h>

#include <cstddef>

namespace tinyae::kernels {
namespace {

// All-ones in the lanes below count.
TINYAE_KERNEL_INLINE __m256i lane_mask_avx2(std::ptrdiff_t count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// count (0..8) floats from p, the other lanes fill; never reads past the count.
TINYAE_KERNEL_INLINE __m256 load_partial_avx2(const float* p, std::ptrdiff_t count, float fill) {
  const __m256i mask = lane_mask_avx2(count);
  return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, mask),
                          _mm256_castsi256_ps(mask));
}

// The first count (0..8) lanes of v to p.
TINYAE_KERNEL_INLINE void store_partial_avx2(__m256 v, float* p, std::ptrdiff_t count) {
  _mm256_maskstore_ps(p, lane_mask_avx2(count), v);
}

// r[i][j] <- r[j][i] for 8 vectors of 8 floats (V: an 8-float xsimd batch).
template <class V>
inline void transpose_8x8_avx2(V* r) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = V(_mm256_permute2f128_ps(u[c], u[4 + c], 0x20));
    r[4 + c] = V(_mm256_permute2f128_ps(u[c], u[4 + c], 0x31));
  }
}

}  // namespace
}  // namespace tinyae::kernels
#endif
