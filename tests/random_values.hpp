// Reproducible test inputs from the library's own generator (PCG32), so a test's data
// is the same on every platform. For tests that see lib/ (core/random.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "core/random.hpp"

namespace tinyae::test {

// n values uniform in [lo, hi) from PCG32(seed, stream).
inline std::vector<float> random_values(std::size_t n, float lo, float hi, std::uint64_t seed,
                                        std::uint64_t stream = 17) {
  Pcg32 rng(seed, stream);
  std::vector<float> v(n);
  for (float& x : v) x = lo + (hi - lo) * rng.next_float();
  return v;
}

}  // namespace tinyae::test
