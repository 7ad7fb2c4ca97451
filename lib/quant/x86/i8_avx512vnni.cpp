// AVX-512 VNNI int8 dense kernel (compiled with -mavx512f -mavx512vnni): vpdpbusd
// multiplies 4 uint8 inputs with 4 int8 weights per 32-bit lane and adds them to the
// lane, exactly (no int16 saturation). The tiling is i8_tiles.hpp's (ZmmDot below);
// weights: the n16k4 layout (pack.hpp).
#include <immintrin.h>

#include <cstring>

#include "../i8_tiles.hpp"

namespace tinyae::kernels {
namespace {

// 4 input bytes (fewer in the last, partial group of depths: the missing ones are zero,
// as are their weights) in every lane.
__m512i broadcast_x4(const std::uint8_t* p, std::int32_t bytes) {
  std::int32_t v = 0;
  std::memcpy(&v, p, static_cast<std::size_t>(bytes));
  return _mm512_set1_epi32(v);
}

// floor((a * m + 2^30) / 2^31) per lane: requantize.hpp's rounding_doubling_high_mul
// (m is never INT32_MIN, so it never saturates).
__m512i rounding_doubling_high_mul(__m512i a, __m512i m) {
  const __m512i nudge = _mm512_set1_epi64(std::int64_t{1} << 30);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(a, m), nudge);
  const __m512i odd = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(a, 32), _mm512_srli_epi64(m, 32)), nudge);
  // Bits 31..62 of each 64-bit sum: to the low half (even lanes), the high half (odd).
  return _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
}

// x / 2^e rounded to nearest, ties away from zero (rounding_divide_by_pot); mask =
// 2^e - 1 and half = mask / 2, per channel (Block).
__m512i rounding_divide_by_pot(__m512i x, __m512i e, __m512i mask, __m512i half) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i remainder = _mm512_and_si512(x, mask);
  const __m512i threshold = _mm512_mask_add_epi32(half, _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512()),
                                                  half, one);
  const __m512i q = _mm512_srav_epi32(x, e);
  return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(remainder, threshold), q, one);
}

// Per-channel requantization constants of one block of 16 channels.
struct Block {
  __m512i bias, multiplier, left, right, mask, half;
  __mmask16 store;  // the block's channels that exist
};

struct Output {
  __m512i zero_point, lo, hi;
};

Block load_block(const I8DenseParams& p, std::int32_t j0, std::int32_t n) {
  const std::int32_t count = n - j0 < 16 ? n - j0 : 16;
  const auto mask = static_cast<__mmask16>((1u << count) - 1u);
  Block b;
  b.bias = _mm512_maskz_loadu_epi32(mask, p.bias + j0);
  b.multiplier = _mm512_maskz_loadu_epi32(mask, p.multiplier + j0);
  const __m512i shift = _mm512_maskz_loadu_epi32(mask, p.shift + j0);
  b.left = _mm512_max_epi32(shift, _mm512_setzero_si512());
  b.right = _mm512_max_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), shift), _mm512_setzero_si512());
  const __m512i one = _mm512_set1_epi32(1);
  b.mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, b.right), one);
  b.half = _mm512_srli_epi32(b.mask, 1);
  b.store = mask;
  return b;
}

void store(__m512i acc, const Block& b, const Output& o, std::uint8_t* y) {
  acc = _mm512_sllv_epi32(_mm512_add_epi32(acc, b.bias), b.left);
  __m512i v = rounding_divide_by_pot(rounding_doubling_high_mul(acc, b.multiplier), b.right, b.mask, b.half);
  v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, o.zero_point), o.lo), o.hi);
  _mm512_mask_cvtepi32_storeu_epi8(y, b.store, v);  // low byte of each lane
}

// The i8_tiles.hpp policy: vpdpbusd on zmm, one accumulator per row and block of 16
// channels. Tiles of 12 rows x 32 channels (24 accumulators), then of 4 rows; a single
// row uses 4 accumulator sets over the depth (batch 1) or 2 (the last rows) so the
// additions do not wait on each other.
struct ZmmDot {
  static constexpr int kBlocks = 2;
  static constexpr int kAccs = 1;
  static constexpr int kRows = 12;
  static constexpr int kMidRows = 4;
  static constexpr int kSingleRowSets = 4;
  static constexpr int kTailRowSets = 2;
  using Acc = __m512i;
  using Weights = __m512i;
  using Channels = Block;
  using Output = ::tinyae::kernels::Output;
  static __m512i zero() { return _mm512_setzero_si512(); }
  static __m512i add(__m512i a, __m512i b) { return _mm512_add_epi32(a, b); }
  static __m512i load(const std::int8_t* w64) { return _mm512_load_si512(w64); }
  static __m512i broadcast(const std::uint8_t* p, std::int32_t bytes) { return broadcast_x4(p, bytes); }
  static void step(__m512i* acc, __m512i w, __m512i x) { acc[0] = _mm512_dpbusd_epi32(acc[0], x, w); }
  static Block channels(const I8DenseParams& p, std::int32_t j0, std::int32_t n) {
    return load_block(p, j0, n);
  }
  static Output output(const I8DenseParams& p) {
    return {_mm512_set1_epi32(p.output_zero_point), _mm512_set1_epi32(p.clamp_min),
            _mm512_set1_epi32(p.clamp_max)};
  }
  // The block's store mask already holds which channels exist.
  static void store(const __m512i* acc, const Block& b, const Output& o, std::uint8_t* y,
                    std::int32_t /*count*/) {
    ::tinyae::kernels::store(acc[0], b, o, y);
  }
};

void pack(std::int32_t n, std::int32_t k, const std::int8_t* w, const std::int32_t* bias,
          void* packed, std::int32_t* packed_bias) {
  pack_n16k4(n, k, w, bias, 0, packed, packed_bias);
}

// I8QuantizeFn's rule on 16 floats, as int32 lanes in [0, 255]. vmaxps and vminps are
// (a > b ? a : b) and (a < b ? a : b), exactly the rule's comparisons (NaN -> 0).
__m512i quantize16(__m512 x, __m512 scale, __m512 zero_point) {
  __m512 v = _mm512_add_ps(_mm512_div_ps(x, scale), zero_point);
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));
  return _mm512_cvttps_epi32(_mm512_add_ps(v, _mm512_set1_ps(0.5f)));
}

void quantize(const float* x, std::int64_t n, float scale, float zero_point, std::uint8_t* q) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512 z = _mm512_set1_ps(zero_point);
  std::int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    #pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) {
      const __m512i v = quantize16(_mm512_loadu_ps(x + i + 16 * u), s, z);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i + 16 * u), _mm512_cvtepi32_epi8(v));
    }
  }
  for (; i < n; i += 16) {
    const std::int64_t left = n - i;
    const auto mask = static_cast<__mmask16>(left >= 16 ? 0xFFFFu : (1u << left) - 1u);
    const __m512i v = quantize16(_mm512_maskz_loadu_ps(mask, x + i), s, z);
    _mm512_mask_cvtepi32_storeu_epi8(q + i, mask, v);
  }
}

}  // namespace

extern const I8Kernels kI8Avx512Vnni;
const I8Kernels kI8Avx512Vnni = {"avx512vnni", pack, dense_tiles<ZmmDot>, window_tiles<ZmmDot>, quantize};

}  // namespace tinyae::kernels
