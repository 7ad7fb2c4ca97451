// Randomness that is the same on every platform and compiler: PCG32 (O'Neill's
// XSH-RR 64/32, pcg32_srandom_r seeding) with our own float conversion, and a
// shuffle that needs no memory.
#pragma once

#include <cstdint>

namespace tinyae {

class Pcg32 {
 public:
  constexpr Pcg32(std::uint64_t seed, std::uint64_t stream) : inc_((stream << 1u) | 1u) {
    next_u32();
    state_ += seed;
    next_u32();
  }

  constexpr std::uint32_t next_u32() {
    const std::uint64_t old = state_;
    state_ = old * 6364136223846793005ull + inc_;
    const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    const auto rot = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
  }

  // Uniform in [0, 1): the top 24 bits, exact in float.
  constexpr float next_float() {
    return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f);
  }

 private:
  std::uint64_t state_ = 0;
  std::uint64_t inc_;
};

// Independent streams of one seed, so that e.g. adding noise does not change shuffles.
enum RandomStream : std::uint64_t {
  kStreamInit = 1,
  kStreamShuffle = 2,
  kStreamNoise = 3,
};

// A pseudo-random permutation of [0, n) computed index by index: a 4-round Feistel
// network over the smallest even number of bits covering n, with cycle walking to
// stay below n. Shuffles an epoch without storing an index array.
class Permutation {
 public:
  constexpr Permutation() = default;
  constexpr Permutation(std::uint32_t n, Pcg32& rng) : n_(n) {
    std::uint32_t bits = 2;
    while (bits < 32 && (std::uint64_t{1} << bits) < n) ++bits;
    if (bits % 2 != 0) ++bits;
    half_bits_ = bits / 2;
    mask_ = (1u << half_bits_) - 1u;  // half_bits_ <= 16
    for (auto& k : keys_) k = rng.next_u32();
  }

  constexpr std::uint32_t operator()(std::uint32_t index) const {
    std::uint32_t x = index;
    do {
      std::uint32_t left = x >> half_bits_;
      std::uint32_t right = x & mask_;
      for (std::uint32_t key : keys_) {
        const std::uint32_t next = left ^ (mix(right ^ key) & mask_);
        left = right;
        right = next;
      }
      x = (left << half_bits_) | right;
    } while (x >= n_);
    return x;
  }

 private:
  // A strong 32-bit integer hash (Wellons' lowbias32).
  static constexpr std::uint32_t mix(std::uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
  }

  std::uint32_t n_ = 1;
  std::uint32_t half_bits_ = 1;
  std::uint32_t mask_ = 1;
  std::uint32_t keys_[4] = {};
};

}  // namespace tinyae
