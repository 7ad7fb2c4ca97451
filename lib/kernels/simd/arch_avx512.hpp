// AVX-512 intrinsics behind the generic float kernels (vmath.hpp, gemm.hpp) where
// xsimd 8.1 has no single instruction for the job: masked row-tail loads and stores,
// |x| clamping in one vrangeps, and a 16 x 16 transpose for packing B. Compiled only
// where __AVX512F__ is defined (f32_avx512.cpp's flags).
#pragma once

#if defined(__AVX512F__)
#include <immintrin.h>

#include <cstddef>

namespace tinyae::kernels {
namespace {

#if defined(__AVX512DQ__)
// x with |x| clamped to c.
TINYAE_KERNEL_INLINE __m512 clamp_abs_avx512(__m512 x, float c) {
  return _mm512_range_ps(x, _mm512_set1_ps(c), 0x02);
}
#endif

// count (0..16) floats from p, the other lanes fill; never reads past the count.
TINYAE_KERNEL_INLINE __m512 load_partial_avx512(const float* p, std::ptrdiff_t count, float fill) {
  const auto mask = static_cast<__mmask16>((1u << count) - 1u);
  return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask, p);
}

// The first count (0..16) lanes of v to p.
TINYAE_KERNEL_INLINE void store_partial_avx512(__m512 v, float* p, std::ptrdiff_t count) {
  _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1u), v);
}

// r[i][j] <- r[j][i] for 16 vectors of 16 floats (V: a 16-float xsimd batch).
template <class V>
inline void transpose_16x16_avx512(V* r) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4i + c], in its 128-bit lane L: column 4L + c of rows 4i .. 4i + 3.
  for (int i = 0; i < 4; ++i) {
    u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 even_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
    const __m512 even_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 odd_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 odd_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = V(_mm512_shuffle_f32x4(even_lo, even_hi, 0x88));
    r[8 + c] = V(_mm512_shuffle_f32x4(even_lo, even_hi, 0xDD));
    r[4 + c] = V(_mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88));
    r[12 + c] = V(_mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD));
  }
}

}  // namespace
}  // namespace tinyae::kernels
#endif
