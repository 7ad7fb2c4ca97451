// What the NEON int8 kernels share (included only by i8_neon.cpp and i8_neondot.cpp,
// each compiled with its own flags; everything here has internal linkage so the linker
// cannot mix them): the requantization on NEON and Neon<Dot>, the part of an
// i8_tiles.hpp policy that does not depend on how the products are formed. NEON
// multiplies signed bytes, so inputs are fed as x - 128 and pack_neon() adds
// 128 * sum(w) to the bias. A Dot adds
//   kAccs, kRows, kSingleRowSets
//   step(acc, w, x)    acc += products of the block's 16 x 4 weights (4 q registers,
//                      pack.hpp's n16k4 layout) with 4 inputs x (repeated), exactly
//   reduce(acc, out)   the block's 16 channel sums as four vectors of 4
#pragma once

#include <arm_neon.h>

#include <cstring>

#include "../i8_tiles.hpp"

namespace tinyae::kernels {
namespace {

// 4 input bytes minus 128, repeated: signed bytes for vmull_s8 / sdot.
int8x16_t broadcast_x4(const std::uint8_t* p, std::int32_t bytes) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, static_cast<std::size_t>(bytes));
  // Missing bytes of a partial group become -128; their weights are zero.
  return vreinterpretq_s8_u8(veorq_u8(vreinterpretq_u8_u32(vdupq_n_u32(v)), vdupq_n_u8(0x80)));
}

// Requantization constants of 4 channels.
struct Channels {
  int32x4_t bias, multiplier, left, right_negated;
};

struct OutputRange {
  int32x4_t zero_point, lo, hi;
};

struct Block {
  Channels quarter[4];
};

Block load_block(const I8DenseParams& p, std::int32_t j0, std::int32_t n) {
  const BlockConstants k = block_constants(p, j0, n);
  const int32x4_t zero = vdupq_n_s32(0);
  Block out;
  for (int q = 0; q < 4; ++q) {
    const int32x4_t s = vld1q_s32(k.shift + 4 * q);
    out.quarter[q].bias = vld1q_s32(k.bias + 4 * q);
    out.quarter[q].multiplier = vld1q_s32(k.multiplier + 4 * q);
    out.quarter[q].left = vmaxq_s32(s, zero);
    out.quarter[q].right_negated = vminq_s32(s, zero);  // vshl by a negative count shifts right
  }
  return out;
}

// requantize.hpp's rule: vqrdmulh is (2ab + 2^31) >> 32 = floor((ab + 2^30) / 2^31),
// saturating only for INT32_MIN * INT32_MIN (the multiplier is never INT32_MIN); then
// x / 2^e rounded to nearest, ties away from zero.
int32x4_t requantize(int32x4_t acc, const Channels& c, const OutputRange& o) {
  const int32x4_t one = vdupq_n_s32(1);
  acc = vshlq_s32(vaddq_s32(acc, c.bias), c.left);
  const int32x4_t x = vqrdmulhq_s32(acc, c.multiplier);
  const int32x4_t e = vnegq_s32(c.right_negated);
  const int32x4_t mask = vsubq_s32(vshlq_s32(one, e), one);
  const int32x4_t remainder = vandq_s32(x, mask);
  // Comparisons give all ones (-1) where true: subtracting them adds 1.
  const int32x4_t threshold =
      vsubq_s32(vshrq_n_s32(mask, 1), vreinterpretq_s32_u32(vcltq_s32(x, vdupq_n_s32(0))));
  int32x4_t v = vsubq_s32(vshlq_s32(x, c.right_negated),
                          vreinterpretq_s32_u32(vcgtq_s32(remainder, threshold)));
  v = vaddq_s32(v, o.zero_point);
  return vminq_s32(vmaxq_s32(v, o.lo), o.hi);
}

// Requantizes 16 sums and stores the first `count` as bytes (the low byte of each).
void store16(const int32x4_t* sums, const Block& c, const OutputRange& o, std::uint8_t* y,
             std::int32_t count) {
  int32x4_t v[4];
  for (int q = 0; q < 4; ++q) v[q] = requantize(sums[q], c.quarter[q], o);
  const int16x8_t lo = vcombine_s16(vmovn_s32(v[0]), vmovn_s32(v[1]));
  const int16x8_t hi = vcombine_s16(vmovn_s32(v[2]), vmovn_s32(v[3]));
  const uint8x16_t bytes = vreinterpretq_u8_s8(vcombine_s8(vmovn_s16(lo), vmovn_s16(hi)));
  if (count >= 16) {
    vst1q_u8(y, bytes);
  } else {
    std::uint8_t tmp[16];
    vst1q_u8(tmp, bytes);
    std::memcpy(y, tmp, static_cast<std::size_t>(count));
  }
}

template <class Dot>
struct Neon {
  static constexpr int kBlocks = 1;
  static constexpr int kMidRows = 0;      // no second row tile
  static constexpr int kTailRowSets = 1;  // one accumulator set for the last rows
  using Acc = int32x4_t;
  using Weights = int8x16x4_t;
  using Channels = Block;
  using Output = OutputRange;
  static int32x4_t zero() { return vdupq_n_s32(0); }
  static int32x4_t add(int32x4_t a, int32x4_t b) { return vaddq_s32(a, b); }
  static int8x16x4_t load(const std::int8_t* w64) {
    return {{vld1q_s8(w64), vld1q_s8(w64 + 16), vld1q_s8(w64 + 32), vld1q_s8(w64 + 48)}};
  }
  static int8x16_t broadcast(const std::uint8_t* p, std::int32_t bytes) { return broadcast_x4(p, bytes); }
  static Block channels(const I8DenseParams& p, std::int32_t j0, std::int32_t n) {
    return load_block(p, j0, n);
  }
  static OutputRange output(const I8DenseParams& p) {
    return {vdupq_n_s32(p.output_zero_point), vdupq_n_s32(p.clamp_min), vdupq_n_s32(p.clamp_max)};
  }
  static void store(const int32x4_t* acc, const Block& c, const OutputRange& o, std::uint8_t* y,
                    std::int32_t count) {
    int32x4_t sums[4];
    Dot::reduce(acc, sums);
    store16(sums, c, o, y, count);
  }
};

void pack_neon(std::int32_t n, std::int32_t k, const std::int8_t* w, const std::int32_t* bias,
               void* packed, std::int32_t* packed_bias) {
  pack_n16k4(n, k, w, bias, 128, packed, packed_bias);
}

#if defined(__aarch64__)
// I8QuantizeFn's rule on 4 floats, as uint32 lanes in [0, 255]. Selects, not vmaxq /
// vminq: those return NaN for a NaN lane, where the rule's comparisons give 0.
uint32x4_t quantize4(float32x4_t x, float32x4_t scale, float32x4_t zero_point) {
  const float32x4_t zero = vdupq_n_f32(0.0f);
  const float32x4_t top = vdupq_n_f32(255.0f);
  float32x4_t v = vaddq_f32(vdivq_f32(x, scale), zero_point);
  v = vbslq_f32(vcgtq_f32(v, zero), v, zero);
  v = vbslq_f32(vcltq_f32(v, top), v, top);
  return vcvtq_u32_f32(vaddq_f32(v, vdupq_n_f32(0.5f)));
}

// 16 floats to 16 bytes.
uint8x16_t quantize16(const float* x, float32x4_t scale, float32x4_t zero_point) {
  const uint16x8_t lo = vcombine_u16(vmovn_u32(quantize4(vld1q_f32(x), scale, zero_point)),
                                     vmovn_u32(quantize4(vld1q_f32(x + 4), scale, zero_point)));
  const uint16x8_t hi = vcombine_u16(vmovn_u32(quantize4(vld1q_f32(x + 8), scale, zero_point)),
                                     vmovn_u32(quantize4(vld1q_f32(x + 12), scale, zero_point)));
  return vcombine_u8(vmovn_u16(lo), vmovn_u16(hi));
}

void quantize_neon(const float* x, std::int64_t n, float scale, float zero_point, std::uint8_t* q) {
  const float32x4_t s = vdupq_n_f32(scale);
  const float32x4_t z = vdupq_n_f32(zero_point);
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) vst1q_u8(q + i, quantize16(x + i, s, z));
  if (i < n) {  // the tail through a zero-padded copy
    const auto left = static_cast<std::size_t>(n - i);
    float in[16] = {};
    std::uint8_t out[16];
    std::memcpy(in, x + i, left * sizeof(float));
    vst1q_u8(out, quantize16(in, s, z));
    std::memcpy(q + i, out, left);
  }
}
#else
// ARMv7 NEON has no division and flushes subnormals to zero: the scalar loop (VFP).
constexpr I8QuantizeFn quantize_neon = quantize_input_scalar;
#endif

}  // namespace
}  // namespace tinyae::kernels
