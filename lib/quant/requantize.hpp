// The fixed-point requantization of the int8 path: ONE rounding rule, the one gemmlowp
// and TFLite's reference MultiplyByQuantizedMultiplier use ("double rounding"):
//
//   requantize(acc, m, shift) =
//     rounding_divide_by_pot(rounding_doubling_high_mul(acc << max(shift, 0), m),
//                            max(-shift, 0))
//
// with m in [2^30, 2^31) (a Q0.31 multiplier in [0.5, 1)) and shift in [-31, 30], so
// the real factor is m * 2^(shift - 31). The quantizer guarantees acc << shift fits in
// int32, so the left shift never overflows.
//
// rounding_doubling_high_mul(a, b): gemmlowp's SaturatingRoundingDoublingHighMul,
//   (a * b + nudge) / 2^31 with nudge = 2^30 for a*b >= 0 and 1 - 2^30 otherwise and
//   the division truncating; saturates to INT32_MAX for a = b = INT32_MIN. For every
//   other input that equals floor((a * b + 2^30) / 2^31): ties round up (+0.5 -> 1,
//   -0.5 -> 0), which is what the shift below computes and what NEON's vqrdmulh does.
// rounding_divide_by_pot(x, e): x / 2^e rounded to nearest, ties away from zero
//   (gemmlowp's RoundingDivideByPOT), e in [0, 31].
//
// Every kernel (scalar, AVX2, AVX-512 VNNI, AVX-VNNI, NEON, the exported C header)
// computes exactly this; tests/quant/test_requantize.cpp checks it against an int64
// transcription of gemmlowp and keeps golden vectors.
#pragma once

#include <cstdint>

namespace tinyae::quant {

constexpr std::int32_t rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const std::int64_t ab = std::int64_t{a} * b;
  // |ab| < 2^62: the sum cannot overflow; >> on a negative value is arithmetic (C++20
  // defines it, every C++17 compiler we build with does it).
  return static_cast<std::int32_t>((ab + (std::int64_t{1} << 30)) >> 31);
}

constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, std::int32_t exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::uint32_t{1} << exponent) - 1u);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

constexpr std::int32_t requantize(std::int32_t acc, std::int32_t multiplier, std::int32_t shift) {
  const std::int32_t left = shift > 0 ? shift : 0;
  const std::int32_t right = shift > 0 ? 0 : -shift;
  // Multiplying, not shifting: a left shift of a negative value is undefined before C++20.
  return rounding_divide_by_pot(rounding_doubling_high_mul(acc * (std::int32_t{1} << left), multiplier),
                                right);
}

// Largest left shift and right shift requantize() accepts.
inline constexpr std::int32_t kMaxLeftShift = 30;
inline constexpr std::int32_t kMaxRightShift = 31;

// real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31), rounded to nearest.
// Factors below 2^-32 give multiplier 0, shift 0 (requantize() is then 0 for every
// int32: the product is below 2^31 * 2^-32 = 0.5 in magnitude). Returns false when real
// is negative, not finite, or 2^30 or more.
inline bool quantize_multiplier(double real, std::int32_t* multiplier, std::int32_t* shift) {
  if (!(real >= 0.0) || !(real < 1073741824.0)) return false;
  *multiplier = 0;
  *shift = 0;
  if (real < 1.0 / 4294967296.0) return true;
  // Normalize to [0.5, 1) by exact powers of two (no frexp: core needs only basic libm).
  std::int32_t exponent = 0;
  while (real >= 1.0) {
    real *= 0.5;
    ++exponent;
  }
  while (real < 0.5) {
    real *= 2.0;
    --exponent;
  }
  std::int64_t m = static_cast<std::int64_t>(real * 2147483648.0 + 0.5);
  if (m == (std::int64_t{1} << 31)) {  // rounded up to 1.0
    m /= 2;
    ++exponent;
  }
  if (exponent < -kMaxRightShift) return true;  // below 2^-32 after rounding: 0
  *multiplier = static_cast<std::int32_t>(m);
  *shift = exponent;
  return true;
}

}  // namespace tinyae::quant
