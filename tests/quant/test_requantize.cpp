// The requantization arithmetic against the test's int64 transcription of gemmlowp,
// over random multipliers, shifts and values with the saturation edges, plus golden
// vectors worked out by hand that pin the rounding rule (double rounding, TFLite's
// reference MultiplyByQuantizedMultiplier).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "quant/requantize.hpp"
#include "reference_requantize.hpp"

using namespace tinyae;
using tinyae::test::Rng;

namespace {

const std::int32_t kEdges[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30) - 1, -(1 << 30), -65536, -129,
                               -128, -3, -2, -1, 0, 1, 2, 3, 127, 128, 255, 65535, 1 << 30,
                               (1 << 30) + 1, INT32_MAX - 1, INT32_MAX};

}  // namespace

TEST_CASE("golden vectors pin the double rounding rule", "[quant][requantize]") {
  // rounding_doubling_high_mul(a, 2^30) is a / 2 with ties rounded up.
  CHECK(quant::rounding_doubling_high_mul(1, 1 << 30) == 1);     // 0.5 -> 1
  CHECK(quant::rounding_doubling_high_mul(-1, 1 << 30) == 0);    // -0.5 -> 0
  CHECK(quant::rounding_doubling_high_mul(3, 1 << 30) == 2);     // 1.5 -> 2
  CHECK(quant::rounding_doubling_high_mul(-3, 1 << 30) == -1);   // -1.5 -> -1
  CHECK(quant::rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);  // saturates
  // (2^31 - 1)^2 / 2^31 = 2^31 - 2 + 2^-31
  CHECK(quant::rounding_doubling_high_mul(INT32_MAX, INT32_MAX) == INT32_MAX - 1);
  CHECK(quant::rounding_doubling_high_mul(INT32_MIN, INT32_MAX) == INT32_MIN + 1);  // -(2^31 - 1)
  // rounding_divide_by_pot: ties away from zero.
  CHECK(quant::rounding_divide_by_pot(5, 1) == 3);     // 2.5
  CHECK(quant::rounding_divide_by_pot(-5, 1) == -3);   // -2.5
  CHECK(quant::rounding_divide_by_pot(7, 2) == 2);     // 1.75
  CHECK(quant::rounding_divide_by_pot(-6, 2) == -2);   // -1.5
  CHECK(quant::rounding_divide_by_pot(-5, 2) == -1);   // -1.25
  CHECK(quant::rounding_divide_by_pot(INT32_MAX, 31) == 1);
  CHECK(quant::rounding_divide_by_pot(INT32_MIN, 31) == -1);
  CHECK(quant::rounding_divide_by_pot(-7, 0) == -7);
  // 101 * 0.25 = 25.25: one rounding gives 25, double rounding 50.5 -> 51 -> 25.5 -> 26.
  CHECK(quant::requantize(101, 1 << 30, -1) == 26);
  // -101 * 0.25: -50.5 -> -50 (ties up) -> -25.
  CHECK(quant::requantize(-101, 1 << 30, -1) == -25);
  CHECK(quant::requantize(3, 1 << 30, 2) == 6);  // 3 * 4 * 0.5
  CHECK(quant::requantize(1000, 0, 0) == 0);
}

TEST_CASE("rounding doubling high multiply equals the gemmlowp int64 reference", "[quant][requantize]") {
  Rng rng{1};
  for (std::int32_t a : kEdges) {
    for (std::int32_t b : kEdges) {
      INFO("a=" << a << " b=" << b);
      REQUIRE(quant::rounding_doubling_high_mul(a, b) == test::ref_rounding_doubling_high_mul(a, b));
    }
  }
  for (int i = 0; i < 200000; ++i) {
    const auto a = static_cast<std::int32_t>(rng.next());
    const auto b = static_cast<std::int32_t>(rng.next());
    INFO("a=" << a << " b=" << b);
    REQUIRE(quant::rounding_doubling_high_mul(a, b) == test::ref_rounding_doubling_high_mul(a, b));
  }
}

TEST_CASE("rounding divide by power of two equals the int64 reference", "[quant][requantize]") {
  Rng rng{2};
  for (int e = 0; e <= quant::kMaxRightShift; ++e) {
    for (std::int32_t x : kEdges) {
      INFO("x=" << x << " e=" << e);
      REQUIRE(quant::rounding_divide_by_pot(x, e) == test::ref_rounding_divide_by_pot(x, e));
    }
    for (int i = 0; i < 5000; ++i) {
      // Values near multiples of 2^e hit the ties.
      const auto x = static_cast<std::int32_t>(rng.next() >> rng.range(1, 31)) *
                     (rng.next() % 2 == 0 ? 1 : -1);
      const std::int32_t tie = e > 0 ? static_cast<std::int32_t>((x >> e) * (1LL << e) + (1LL << (e - 1))) : x;
      for (std::int32_t v : {x, tie}) {
        INFO("x=" << v << " e=" << e);
        REQUIRE(quant::rounding_divide_by_pot(v, e) == test::ref_rounding_divide_by_pot(v, e));
      }
    }
  }
}

TEST_CASE("requantize equals the int64 reference over random multipliers and shifts", "[quant][requantize]") {
  Rng rng{3};
  for (int i = 0; i < 300000; ++i) {
    const std::int32_t multiplier = rng.range(1 << 30, INT32_MAX);
    const std::int32_t shift = rng.range(-quant::kMaxRightShift, 8);
    // Left shifts only on values that fit afterwards (the quantizer guarantees it).
    std::int32_t acc = i % 7 == 0 ? kEdges[rng.next() % (sizeof kEdges / sizeof kEdges[0])]
                                  : static_cast<std::int32_t>(rng.next());
    if (shift > 0) acc /= (1 << shift);
    INFO("acc=" << acc << " multiplier=" << multiplier << " shift=" << shift);
    const std::int32_t got = quant::requantize(acc, multiplier, shift);
    REQUIRE(got == test::ref_requantize(acc, multiplier, shift));
    // And it is the real product to within the two roundings.
    const double real = static_cast<double>(acc) * multiplier * std::ldexp(1.0, shift - 31);
    REQUIRE(std::fabs(got - real) <= 1.0);
  }
}

TEST_CASE("quantize_multiplier represents factors with 31 bits", "[quant][requantize]") {
  std::int32_t m = 0;
  std::int32_t s = 0;
  REQUIRE(quant::quantize_multiplier(0.5, &m, &s));
  CHECK((m == (1 << 30) && s == 0));
  REQUIRE(quant::quantize_multiplier(0.25, &m, &s));
  CHECK((m == (1 << 30) && s == -1));
  REQUIRE(quant::quantize_multiplier(1.0, &m, &s));
  CHECK((m == (1 << 30) && s == 1));
  REQUIRE(quant::quantize_multiplier(1.0 / 3.0, &m, &s));
  CHECK((m == 1431655765 && s == -1));  // 2/3 * 2^31 = 1431655765.33
  REQUIRE(quant::quantize_multiplier(1.0 - 1e-12, &m, &s));  // rounds up to 1.0
  CHECK((m == (1 << 30) && s == 1));
  REQUIRE(quant::quantize_multiplier(1e-12, &m, &s));  // below 2^-32: zero
  CHECK((m == 0 && s == 0));
  CHECK_FALSE(quant::quantize_multiplier(-0.5, &m, &s));
  CHECK_FALSE(quant::quantize_multiplier(1073741824.0, &m, &s));
  CHECK_FALSE(quant::quantize_multiplier(std::nan(""), &m, &s));

  Rng rng{4};
  for (int i = 0; i < 20000; ++i) {
    const double real = std::ldexp(0.5 + 0.5 * rng.uniform(), rng.range(-31, 29));
    REQUIRE(quant::quantize_multiplier(real, &m, &s));
    INFO("real=" << real << " m=" << m << " s=" << s);
    REQUIRE(m >= (1 << 30));
    REQUIRE(s >= -quant::kMaxRightShift);
    REQUIRE(s <= quant::kMaxLeftShift);
    REQUIRE(std::fabs(m * std::ldexp(1.0, s - 31) / real - 1.0) <= std::ldexp(1.0, -31));
  }
}
