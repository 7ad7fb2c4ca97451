#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/random.hpp"

using tinyae::Pcg32;
using tinyae::Permutation;

TEST_CASE("PCG32 reproduces the output of the reference generator", "[random]") {
  // pcg32-demo from the PCG reference implementation: pcg32_srandom_r(&rng, 42u, 54u).
  Pcg32 rng(42u, 54u);
  const std::uint32_t expected[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                    0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  for (std::uint32_t e : expected) CHECK(rng.next_u32() == e);
}

TEST_CASE("next_float is in the unit interval and uses the top 24 bits", "[random]") {
  Pcg32 a(7, 1);
  Pcg32 b(7, 1);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const float f = a.next_float();
    REQUIRE(f >= 0.0f);
    REQUIRE(f < 1.0f);
    CHECK(f == static_cast<float>(b.next_u32() >> 8) / 16777216.0f);
    sum += f;
  }
  CHECK(sum / 100000 == Approx(0.5).margin(0.01));
}

TEST_CASE("streams of one seed differ", "[random]") {
  Pcg32 a(1, tinyae::kStreamInit);
  Pcg32 b(1, tinyae::kStreamShuffle);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.next_u32() == b.next_u32();
  CHECK(same < 3);
}

TEST_CASE("Permutation is a bijection of 0 to n-1", "[random]") {
  Pcg32 rng(3, 2);
  for (std::uint32_t n : {1u, 2u, 3u, 7u, 8u, 9u, 100u, 1023u, 1024u, 1025u, 1797u, 60000u}) {
    Permutation p(n, rng);
    std::vector<std::uint32_t> seen(n, 0);
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t j = p(i);
      REQUIRE(j < n);
      ++seen[j];
    }
    CHECK(std::all_of(seen.begin(), seen.end(), [](std::uint32_t c) { return c == 1; }));
  }
}

TEST_CASE("Permutation shuffles: new keys give new orders, positions spread evenly", "[random]") {
  Pcg32 rng(11, 2);
  const std::uint32_t n = 1000;
  Permutation p1(n, rng);
  Permutation p2(n, rng);
  int fixed = 0;
  int same = 0;
  double displacement = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    fixed += p1(i) == i;
    same += p1(i) == p2(i);
    displacement += std::abs(static_cast<double>(p1(i)) - i);
  }
  CHECK(fixed < 10);  // a random permutation has ~1 fixed point
  CHECK(same < 10);
  // Mean |p(i) - i| of a uniform random permutation is (n^2 - 1) / (3n) ~ 333.
  CHECK(displacement / n == Approx(333).margin(40));
}
