// What the 256-bit int8 kernels share (included only by i8_avx2.cpp and i8_avxvnni.cpp,
// each compiled with its own flags; everything here has internal linkage so the linker
// cannot mix them): the requantization on ymm and Ymm<Dot>, the part of an i8_tiles.hpp
// policy that does not depend on how the products are formed (and kBlocks = 1, which a
// Dot may override); also the vectorized input quantization. A Dot adds
//   kAccs, kRows, kSingleRowSets, Weights, load(w64), broadcast(p, bytes), step(...)
//   reduce(acc, out[2])   the block's 16 channel sums as two vectors of 8
#pragma once

#include <immintrin.h>

#include <cstring>

#include "../i8_tiles.hpp"

namespace tinyae::kernels {
namespace {

// 4 input bytes (fewer for the last, partial group: the missing ones are zero, as are
// their weights) as one int32.
std::int32_t load_x4(const std::uint8_t* p, std::int32_t bytes) {
  std::int32_t v = 0;
  std::memcpy(&v, p, static_cast<std::size_t>(bytes));
  return v;
}

// floor((a * m + 2^30) / 2^31) per lane: requantize.hpp's rounding_doubling_high_mul.
__m256i rounding_doubling_high_mul(__m256i a, __m256i m) {
  const __m256i nudge = _mm256_set1_epi64x(std::int64_t{1} << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(a, m), nudge);
  const __m256i odd = _mm256_add_epi64(
      _mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32)), nudge);
  // Bits 31..62 of each 64-bit sum: to the low half (even lanes), the high half (odd).
  return _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
}

// x / 2^e rounded to nearest, ties away from zero (rounding_divide_by_pot).
__m256i rounding_divide_by_pot(__m256i x, __m256i e) {
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, e), one);
  const __m256i remainder = _mm256_and_si256(x, mask);
  // cmpgt gives -1 where true: subtracting it adds 1.
  const __m256i threshold = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1),
                                             _mm256_cmpgt_epi32(_mm256_setzero_si256(), x));
  return _mm256_sub_epi32(_mm256_srav_epi32(x, e), _mm256_cmpgt_epi32(remainder, threshold));
}

// Requantization constants of 8 channels.
struct Channels {
  __m256i bias, multiplier, left, right;
};

struct OutputRange {
  __m256i zero_point, lo, hi;
};

// Channels j0 .. j0+15 (zero past n), as two groups of 8.
struct Block {
  Channels half[2];
};

Block load_block(const I8DenseParams& p, std::int32_t j0, std::int32_t n) {
  const BlockConstants k = block_constants(p, j0, n);
  Block out;
  for (int h = 0; h < 2; ++h) {
    const __m256i s = _mm256_load_si256(reinterpret_cast<const __m256i*>(k.shift + 8 * h));
    out.half[h].bias = _mm256_load_si256(reinterpret_cast<const __m256i*>(k.bias + 8 * h));
    out.half[h].multiplier = _mm256_load_si256(reinterpret_cast<const __m256i*>(k.multiplier + 8 * h));
    out.half[h].left = _mm256_max_epi32(s, _mm256_setzero_si256());
    out.half[h].right = _mm256_max_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), s), _mm256_setzero_si256());
  }
  return out;
}

// Requantizes 8 sums and stores the first `count` of them as bytes.
void store8(__m256i acc, const Channels& c, const OutputRange& o, std::uint8_t* y, std::int32_t count) {
  acc = _mm256_sllv_epi32(_mm256_add_epi32(acc, c.bias), c.left);
  __m256i v = rounding_divide_by_pot(rounding_doubling_high_mul(acc, c.multiplier), c.right);
  v = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(v, o.zero_point), o.lo), o.hi);
  // The low byte of each lane: bytes 0, 4, 8, 12 of each 128-bit half, then both halves.
  const __m256i low_bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                             0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, low_bytes),
                                                     _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
  if (count >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y), _mm256_castsi256_si128(packed));
  } else {
    alignas(16) std::uint8_t bytes[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(bytes), _mm256_castsi256_si128(packed));
    std::memcpy(y, bytes, static_cast<std::size_t>(count));
  }
}

template <class Dot>
struct Ymm {
  static constexpr int kBlocks = 1;
  static constexpr int kMidRows = 0;      // no second row tile
  static constexpr int kTailRowSets = 1;  // one accumulator set for the last rows
  using Acc = __m256i;
  using Channels = Block;
  using Output = OutputRange;
  static __m256i zero() { return _mm256_setzero_si256(); }
  static __m256i add(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
  static Block channels(const I8DenseParams& p, std::int32_t j0, std::int32_t n) {
    return load_block(p, j0, n);
  }
  static OutputRange output(const I8DenseParams& p) {
    return {_mm256_set1_epi32(p.output_zero_point), _mm256_set1_epi32(p.clamp_min),
            _mm256_set1_epi32(p.clamp_max)};
  }
  static void store(const __m256i* acc, const Block& c, const OutputRange& o, std::uint8_t* y,
                    std::int32_t count) {
    __m256i sums[2];
    Dot::reduce(acc, sums);
    store8(sums[0], c.half[0], o, y, count);
    if (count > 8) store8(sums[1], c.half[1], o, y + 8, count - 8);
  }
};

// I8QuantizeFn's rule on 8 floats, as int32 lanes in [0, 255]. vmaxps and vminps are
// (a > b ? a : b) and (a < b ? a : b), exactly the rule's comparisons (NaN -> 0).
__m256i quantize8(__m256 x, __m256 scale, __m256 zero_point) {
  __m256 v = _mm256_add_ps(_mm256_div_ps(x, scale), zero_point);
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(255.0f));
  return _mm256_cvttps_epi32(_mm256_add_ps(v, _mm256_set1_ps(0.5f)));
}

// 32 floats to 32 bytes.
void quantize32(const float* x, __m256 scale, __m256 zero_point, std::uint8_t* q) {
  const __m256i a = quantize8(_mm256_loadu_ps(x), scale, zero_point);
  const __m256i b = quantize8(_mm256_loadu_ps(x + 8), scale, zero_point);
  const __m256i c = quantize8(_mm256_loadu_ps(x + 16), scale, zero_point);
  const __m256i d = quantize8(_mm256_loadu_ps(x + 24), scale, zero_point);
  // The packs work per 128-bit half: dwords come out as a0 b0 c0 d0 | a1 b1 c1 d1 (each
  // 4 bytes of one input's half); the permute puts them back in order.
  const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q),
                      _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

void quantize_256(const float* x, std::int64_t n, float scale, float zero_point, std::uint8_t* q) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256 z = _mm256_set1_ps(zero_point);
  std::int64_t i = 0;
  for (; i + 32 <= n; i += 32) quantize32(x + i, s, z, q + i);
  if (i < n) {  // the tail through a zero-padded copy
    const auto left = static_cast<std::size_t>(n - i);
    float in[32] = {};
    alignas(32) std::uint8_t out[32];
    std::memcpy(in, x + i, left * sizeof(float));
    quantize32(in, s, z, out);
    std::memcpy(q + i, out, left);
  }
}

}  // namespace
}  // namespace tinyae::kernels
