// The test's own int64 transcription of gemmlowp's fixed-point functions (the rule
// lib/quant/requantize.hpp documents), written as gemmlowp writes them: truncating
// division with a sign-dependent nudge, and a remainder threshold. The library computes
// them differently (a shift of a nudged product; vqrdmulh and vector masks in the
// kernels), so agreement means something.
#pragma once

#include <cstdint>

namespace tinyae::test {

inline std::int32_t ref_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  const bool overflow = a == b && a == INT32_MIN;
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  const auto high = static_cast<std::int32_t>((ab + nudge) / (1LL << 31));
  return overflow ? INT32_MAX : high;
}

// x / 2^e, nearest, ties away from zero: on the magnitude in int64, then the sign.
inline std::int32_t ref_rounding_divide_by_pot(std::int32_t x, int e) {
  if (e == 0) return x;
  const std::int64_t magnitude = x < 0 ? -static_cast<std::int64_t>(x) : x;
  const std::int64_t q = (magnitude + (1LL << (e - 1))) >> e;
  return static_cast<std::int32_t>(x < 0 ? -q : q);
}

inline std::int32_t ref_requantize(std::int32_t acc, std::int32_t multiplier, int shift) {
  const std::int64_t shifted = static_cast<std::int64_t>(acc) * (1LL << (shift > 0 ? shift : 0));
  return ref_rounding_divide_by_pot(
      ref_rounding_doubling_high_mul(static_cast<std::int32_t>(shifted), multiplier),
      shift > 0 ? 0 : -shift);
}

// A small deterministic generator for test data.
struct Rng {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 32);
  }
  // Uniform in [lo, hi].
  std::int32_t range(std::int32_t lo, std::int32_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo) + 1;
    return static_cast<std::int32_t>(lo + static_cast<std::int64_t>(next() % span));
  }
  float uniform() { return static_cast<float>(next() >> 8) / 16777216.0f; }  // [0, 1)
};

}  // namespace tinyae::test
