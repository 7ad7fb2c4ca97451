// Input quantization (float -> uint8) on every int8 ISA this CPU runs: byte for byte the
// scalar loop's output, and the scalar loop against the test's own evaluation of the
// rule. Values: ties after scaling (k + 0.5) and the floats next to them, the clamp
// edges (0 and 255, -0, subnormals, infinities, NaN, FLT_MAX, quotients that overflow),
// random values around the grid and random bit patterns; odd lengths, misaligned
// pointers, canaries around the output.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "quant/i8_kernels.hpp"
#include "reference_requantize.hpp"

namespace tk = tinyae::kernels;
using tinyae::test::Rng;

namespace {

constexpr std::uint8_t kCanary = 0xA5;

// The rule (i8_kernels.hpp, I8QuantizeFn) evaluated differently: each float operation in
// double, rounded to float once (a double quotient or sum of two floats rounded to float
// is the float operation: 53 >= 2 * 24 + 2 bits), explicit clamps, floor.
std::uint8_t reference_q(float x, float scale, float zero_point) {
  const auto quotient = static_cast<float>(static_cast<double>(x) / static_cast<double>(scale));
  const auto v = static_cast<float>(static_cast<double>(quotient) + static_cast<double>(zero_point));
  if (std::isnan(v) || v <= 0.0f) return 0;
  if (v >= 255.0f) return 255;
  const auto shifted = static_cast<float>(static_cast<double>(v) + 0.5);
  return static_cast<std::uint8_t>(std::floor(shifted));
}

float next_up(float v, int steps) {
  for (int s = 0; s < steps; ++s) v = std::nextafter(v, std::numeric_limits<float>::infinity());
  for (int s = 0; s > steps; --s) v = std::nextafter(v, -std::numeric_limits<float>::infinity());
  return v;
}

// The inputs for one grid.
std::vector<float> inputs(float scale, float zero_point, std::uint64_t seed) {
  std::vector<float> x;
  // Ties and near ties: x whose scaled value is k + 0.5, then the floats around it.
  for (int k = -3; k <= 258; ++k) {
    const float tie = (static_cast<float>(k) + 0.5f - zero_point) * scale;
    for (int s = -3; s <= 3; ++s) x.push_back(next_up(tie, s));
    const float whole = (static_cast<float>(k) - zero_point) * scale;
    for (int s = -1; s <= 1; ++s) x.push_back(next_up(whole, s));
  }
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                            -std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::min(), -std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(), 1e30f, -1e30f};
  for (float v : specials) x.push_back(v);
  Rng rng{seed};
  for (int i = 0; i < 4000; ++i) {
    const float u = rng.uniform() * 300.0f - 20.0f;  // around [0, 255] after scaling
    x.push_back((u - zero_point) * scale);
  }
  for (int i = 0; i < 1000; ++i) {  // any float, NaN payloads included
    const std::uint32_t bits = rng.next();
    float v;
    std::memcpy(&v, &bits, sizeof v);
    x.push_back(v);
  }
  return x;
}

// q (with canaries around it) from table.quantize on x[first .. first + n).
std::vector<std::uint8_t> run(const tk::I8Kernels& table, const std::vector<float>& x,
                              std::size_t first, std::size_t n, std::size_t q_offset, float scale,
                              float zero_point) {
  std::vector<std::uint8_t> q(q_offset + n + 64, kCanary);
  table.quantize(x.data() + first, static_cast<std::int64_t>(n), scale, zero_point, q.data() + q_offset);
  return q;
}

}  // namespace

TEST_CASE("input quantization equals the scalar rule bit for bit on every int8 ISA", "[quant][kernels]") {
  struct Grid {
    float scale, zero_point;
  };
  const Grid grids[] = {{1.0f / 255.0f, 0.0f}, {0.5f, 10.0f},   {0.0123f, 37.0f},
                        {0.25f, 128.0f},       {3.7e-3f, 255.0f}, {1.0f, 0.0f},
                        {1e-30f, 5.0f},        {7.5e37f, 200.0f}, {1e-40f, 1.0f}};
  std::uint64_t seed = 1;
  for (const Grid& g : grids) {
    const std::vector<float> x = inputs(g.scale, g.zero_point, seed++);
    std::vector<std::uint8_t> want(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) want[i] = reference_q(x[i], g.scale, g.zero_point);
    for (const char* const* name = tk::kI8IsaNames; *name != nullptr; ++name) {
      const tk::I8Kernels* table = tk::i8_for(*name);
      if (table == nullptr) continue;
      INFO("isa " << table->isa << " scale " << g.scale << " zero point " << g.zero_point);
      // All of it at once, then pieces of every length 0..99 from shifting offsets.
      struct Piece {
        std::size_t first, n, q_offset;
      };
      std::vector<Piece> pieces{{0, x.size(), 0}};
      for (std::size_t n = 0, first = 0; n < 100; ++n) {
        pieces.push_back({first, n, n % 4});
        first = (first + n + 1) % (x.size() - 100);
      }
      for (const Piece& p : pieces) {
        INFO("n " << p.n << " from " << p.first << ", output offset " << p.q_offset);
        const std::vector<std::uint8_t> got = run(*table, x, p.first, p.n, p.q_offset, g.scale, g.zero_point);
        const std::vector<std::uint8_t> scalar =
            run(tk::kI8Scalar, x, p.first, p.n, p.q_offset, g.scale, g.zero_point);
        for (std::size_t i = 0; i < got.size(); ++i) {
          const bool inside = i >= p.q_offset && i < p.q_offset + p.n;
          if (!inside) {
            REQUIRE(int{got[i]} == int{kCanary});
            continue;
          }
          const std::size_t at = p.first + i - p.q_offset;
          if (got[i] != scalar[i] || scalar[i] != want[at]) {
            INFO("x = " << x[at] << " (" << std::hexfloat << x[at] << std::defaultfloat << "): got "
                        << int{got[i]} << ", scalar " << int{scalar[i]} << ", rule " << int{want[at]});
            REQUIRE(false);
          }
        }
      }
    }
  }
}
