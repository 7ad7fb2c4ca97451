// Every int8 kernel this CPU runs against the scalar table, byte for byte, and the
// scalar table against the test's own int64 computation: sizes 1..70 with primes and
// non-multiples of 4 and 16, batch 1 and larger, the real mnist-dense shapes, leading
// dimensions wider than the rows, misaligned inputs, canaries around and between output
// rows, every output mode (uint8, int8, ReLU clamp, table), positive and negative shifts.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "../test_skip.hpp"
#include "../test_support.hpp"
#include "quant/i8_conv.hpp"
#include "quant/i8_kernels.hpp"
#include "tinyae/quantize.hpp"
#include "reference_requantize.hpp"

namespace tk = tinyae::kernels;
using tinyae::test::Rng;

namespace {

constexpr std::uint8_t kCanary = 0xA5;

enum class Mode { uint8, int8, relu, table };

// One layer's data: row-major weights, the requantization parameters, inputs.
struct Case {
  std::int32_t m, n, k, ldx, ldy;
  std::vector<std::int8_t> w;
  std::vector<std::int32_t> bias, multiplier, shift;
  std::vector<std::uint8_t> x;  // 1 byte of misalignment, then m rows of ldx
  std::vector<std::uint8_t> table;
  tk::I8DenseParams params{};

  Case(std::int32_t rows, std::int32_t cols, std::int32_t depth, Mode mode, std::uint64_t seed)
      : m(rows), n(cols), k(depth), ldx(depth + static_cast<std::int32_t>(seed % 3)),
        ldy(cols + static_cast<std::int32_t>(seed % 4)) {
    Rng rng{seed};
    // Weights and inputs: uniform, with a share of the extremes.
    w.resize(static_cast<std::size_t>(n) * k);
    for (std::int8_t& v : w) {
      const std::int32_t r = rng.range(0, 9);
      v = static_cast<std::int8_t>(r == 0 ? -127 : r == 1 ? 127 : rng.range(-127, 127));
    }
    x.assign(1 + static_cast<std::size_t>(m) * ldx, 0);
    for (std::uint8_t& v : x) {
      const std::int32_t r = rng.range(0, 9);
      v = static_cast<std::uint8_t>(r == 0 ? 0 : r == 1 ? 255 : rng.range(0, 255));
    }
    for (std::int32_t j = 0; j < n; ++j) {
      std::int64_t abs_sum = 0;
      for (std::int32_t p = 0; p < k; ++p) {
        const std::int8_t v = w[static_cast<std::size_t>(j) * k + p];
        abs_sum += v < 0 ? -v : v;
      }
      const std::int32_t b = rng.range(-(1 << 20), 1 << 20);
      bias.push_back(b);
      multiplier.push_back(rng.range(0, 15) == 0 ? 0 : rng.range(1 << 30, INT32_MAX));
      // Right shifts that keep outputs varied, and left shifts where the sum allows.
      const std::int64_t bound = (b < 0 ? -b : b) + 255 * abs_sum;
      std::int32_t s = rng.range(-16, 3);
      while (s > 0 && (bound << s) > INT32_MAX) --s;
      if (rng.range(0, 20) == 0) s = -31;
      shift.push_back(s);
    }
    params.bias = bias.data();
    params.multiplier = multiplier.data();
    params.shift = shift.data();
    params.output_zero_point = rng.range(-128, 255);
    switch (mode) {
      case Mode::uint8: params.clamp_min = 0; params.clamp_max = 255; break;
      case Mode::int8: params.clamp_min = -128; params.clamp_max = 127; break;
      case Mode::relu:
        params.clamp_min = rng.range(-128, 0);
        params.clamp_max = 127;
        break;
      case Mode::table:
        params.clamp_min = 0;
        params.clamp_max = 255;
        for (int i = 0; i < 256; ++i) table.push_back(static_cast<std::uint8_t>(rng.range(0, 255)));
        params.table = table.data();
        break;
    }
  }

  const std::uint8_t* input() const { return x.data() + 1; }
};

// Output rows of ldy bytes, one byte past an aligned start, canaries everywhere else.
struct Output {
  std::vector<std::uint8_t> mem;
  std::int32_t m, n, ldy;
  Output(std::int32_t rows, std::int32_t cols, std::int32_t ld)
      : mem(1 + static_cast<std::size_t>(rows) * ld + 32, kCanary), m(rows), n(cols), ldy(ld) {}
  std::uint8_t* data() { return mem.data() + 1; }
  std::uint8_t at(std::int32_t i, std::int32_t j) const {
    return mem[1 + static_cast<std::size_t>(i) * ldy + j];
  }
  bool canaries_intact() const {
    for (std::size_t idx = 0; idx < mem.size(); ++idx) {
      const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(idx) - 1;
      const bool inside = off >= 0 && off / ldy < m && off % ldy < n;
      if (!inside && mem[idx] != kCanary) return false;
    }
    return true;
  }
};

Output run(const tk::I8Kernels& kt, const Case& c) {
  tinyae::test::OwnedArena memory(static_cast<std::size_t>(tk::packed_weight_bytes(c.n, c.k)) +
                                  4 * static_cast<std::size_t>(c.n) + 256);
  void* packed = nullptr;
  std::int32_t* bias = nullptr;
  REQUIRE(memory.arena.allocate(static_cast<std::size_t>(tk::packed_weight_bytes(c.n, c.k)), &packed).ok());
  REQUIRE(memory.arena.allocate_array(c.n, &bias).ok());
  kt.pack(c.n, c.k, c.w.data(), c.bias.data(), packed, bias);
  tk::I8DenseParams p = c.params;
  p.bias = bias;
  Output y(c.m, c.n, c.ldy);
  kt.dense(c.m, c.n, c.k, c.input(), c.ldx, packed, p, y.data(), c.ldy);
  return y;
}

// The byte stored for channel j's sum acc (bias included): the gemmlowp
// transcription, clamp, table.
std::uint8_t output_byte(const Case& c, std::int64_t acc, std::int32_t j) {
  REQUIRE(acc >= INT32_MIN);
  REQUIRE(acc <= INT32_MAX);
  std::int32_t v = tinyae::test::ref_requantize(static_cast<std::int32_t>(acc),
                                                c.multiplier[static_cast<std::size_t>(j)],
                                                c.shift[static_cast<std::size_t>(j)]) +
                   c.params.output_zero_point;
  v = v < c.params.clamp_min ? c.params.clamp_min : v > c.params.clamp_max ? c.params.clamp_max : v;
  return c.params.table != nullptr ? c.params.table[v] : static_cast<std::uint8_t>(v & 0xFF);
}

// The test's own computation: int64 sums, then output_byte.
std::uint8_t expected(const Case& c, std::int32_t i, std::int32_t j) {
  std::int64_t acc = c.bias[static_cast<std::size_t>(j)];
  for (std::int32_t p = 0; p < c.k; ++p) {
    acc += static_cast<std::int64_t>(c.w[static_cast<std::size_t>(j) * c.k + p]) *
           c.input()[static_cast<std::size_t>(i) * c.ldx + p];
  }
  return output_byte(c, acc, j);
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::uint8: return "uint8";
    case Mode::int8: return "int8";
    case Mode::relu: return "relu";
    case Mode::table: return "table";
  }
  return "?";
}

// Checks the scalar table on c against expected(), then table `isa` against it.
void check_case(const Case& c, Mode mode, const char* isa) {
  INFO("m=" << c.m << " n=" << c.n << " k=" << c.k << " ldx=" << c.ldx << " ldy=" << c.ldy
            << " mode=" << mode_name(mode));
  const Output ref = run(tk::kI8Scalar, c);
  REQUIRE(ref.canaries_intact());
  for (std::int32_t i = 0; i < c.m; ++i) {
    for (std::int32_t j = 0; j < c.n; ++j) {
      if (ref.at(i, j) != expected(c, i, j)) {
        INFO("scalar y[" << i << "][" << j << "] = " << int{ref.at(i, j)} << ", expected "
                         << int{expected(c, i, j)});
        REQUIRE(false);
      }
    }
  }
  {
    const tk::I8Kernels* kt = tk::i8_for(isa);
    if (kt == nullptr || kt == &tk::kI8Scalar) return;
    INFO("isa " << kt->isa);
    const Output got = run(*kt, c);
    REQUIRE(got.canaries_intact());
    for (std::int32_t i = 0; i < c.m; ++i) {
      for (std::int32_t j = 0; j < c.n; ++j) {
        if (got.at(i, j) != ref.at(i, j)) {
          INFO("y[" << i << "][" << j << "] = " << int{got.at(i, j)} << ", scalar " << int{ref.at(i, j)});
          REQUIRE(false);
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("int8 ISAs available here", "[quant][kernels]") {
  std::string names;
  for (const char* const* name = tk::kI8IsaNames; *name != nullptr; ++name) {
    if (tk::i8_for(*name) != nullptr) names += std::string(" ") + *name;
  }
  WARN("int8 kernels tested on this CPU:" << names << " (best: " << tk::i8_best().isa << ")");
  CHECK(tk::i8_for("scalar") == &tk::kI8Scalar);
  CHECK(tk::i8_for("sse9") == nullptr);
}

namespace {

// True (after marking the test case skipped) when this build or CPU lacks int8 ISA isa.
bool lacks(const char* isa) {
  const tk::I8Kernels* table = nullptr;
  const tinyae::Status s = tk::i8_select(isa, &table);
  if (s.ok()) return false;
  tinyae::test::skip(s.message());
  return true;
}

void check_many_shapes(const char* isa) {
  const std::int32_t rows[] = {1, 2, 3, 5, 7, 12, 13, 17, 31, 70};
  const std::int32_t cols[] = {1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 32, 33, 47, 70};
  const std::int32_t depths[] = {1, 2, 3, 4, 5, 7, 8, 11, 16, 17, 31, 61, 67, 70};
  std::uint64_t seed = 1;
  for (std::int32_t m : rows) {
    for (std::int32_t n : cols) {
      for (std::int32_t k : depths) {
        const auto mode = static_cast<Mode>(seed % 4);
        check_case(Case(m, n, k, mode, seed), mode, isa);
        ++seed;
      }
    }
  }
}

void check_layer_shapes(const char* isa) {
  struct Shape {
    std::int32_t m, n, k;
  };
  // mnist-dense 784 -> 32 at batch 256 and 1, digits-deep's layers, wide and deep ones.
  const Shape shapes[] = {{256, 32, 784}, {1, 32, 784}, {3, 32, 784}, {25, 50, 64}, {1, 50, 64},
                          {9, 40, 50}, {1, 36, 40}, {2, 130, 257}, {1, 7, 1031}, {14, 64, 256}};
  std::uint64_t seed = 1000;
  for (const Shape& s : shapes) {
    for (Mode mode : {Mode::uint8, Mode::int8, Mode::relu, Mode::table}) {
      check_case(Case(s.m, s.n, s.k, mode, seed), mode, isa);
      ++seed;
    }
  }
}

}  // namespace

// Per int8 ISA of isa_list.inc; CTest shows those this CPU or build lacks as skipped.
#define TINYAE_F32_ISA(...)
#define TINYAE_I8_ISA(name, ...)                                                              \
  TEST_CASE("int8 kernels on " #name " equal the scalar reference bit for bit on many shapes", \
            "[quant][kernels]") {                                                             \
    if (!lacks(#name)) check_many_shapes(#name);                                              \
  }                                                                                           \
  TEST_CASE("int8 kernels on " #name " equal the scalar reference on encoder layer shapes",    \
            "[quant][kernels]") {                                                             \
    if (!lacks(#name)) check_layer_shapes(#name);                                             \
  }
#include <tinyae_isa_list.inc>
#undef TINYAE_F32_ISA
#undef TINYAE_I8_ISA

namespace {

// One convolution: an image batch (channels-last), the filters and their
// requantization from a Case of n = filters, k = kernel * kernel * C.
struct ConvCase {
  tinyae::conv::Conv2dGeometry g;
  std::int32_t batch;
  std::uint8_t pad;
  Case c;
  std::vector<std::uint8_t> x;

  ConvCase(tinyae::Shape in, std::int32_t filters, std::int32_t kernel, std::int32_t stride,
           tinyae::Padding padding, std::int32_t samples, Mode mode, std::uint64_t seed)
      : g(tinyae::conv::conv2d_geometry(in, filters, kernel, stride, padding)), batch(samples),
        pad(static_cast<std::uint8_t>(seed * 37 % 256)),
        c(1, filters, kernel * kernel * in.channels, mode, seed) {
    Rng rng{seed + 99};
    x.resize(static_cast<std::size_t>(batch * in.size()));
    for (std::uint8_t& v : x) v = static_cast<std::uint8_t>(rng.range(0, 255));
  }
};

// The padding before the first row or column, written out as TensorFlow documents it.
std::int32_t pad_before(std::int32_t in, std::int32_t kernel, std::int32_t stride, tinyae::Padding padding,
                        std::int32_t* out) {
  *out = padding == tinyae::Padding::same ? (in + stride - 1) / stride : (in - kernel) / stride + 1;
  if (padding == tinyae::Padding::valid) return 0;
  const std::int32_t total = (*out - 1) * stride + kernel - in;
  return total > 0 ? total / 2 : 0;
}

// A plain direct convolution: for every sample, output pixel and filter, the int64 sum
// over the window (taps outside the image read pad), then output_byte.
std::vector<std::uint8_t> reference_conv(const ConvCase& cc, tinyae::Padding padding) {
  const tinyae::Shape in = cc.g.input;
  const std::int32_t kk = cc.g.kernel;
  const std::int32_t f = cc.g.output.channels;
  std::int32_t oh = 0, ow = 0;
  const std::int32_t top = pad_before(in.height, kk, cc.g.stride, padding, &oh);
  const std::int32_t left = pad_before(in.width, kk, cc.g.stride, padding, &ow);
  REQUIRE(oh == cc.g.output.height);
  REQUIRE(ow == cc.g.output.width);
  std::vector<std::uint8_t> y;
  for (std::int32_t s = 0; s < cc.batch; ++s) {
    for (std::int32_t oy = 0; oy < oh; ++oy) {
      for (std::int32_t ox = 0; ox < ow; ++ox) {
        for (std::int32_t j = 0; j < f; ++j) {
          std::int64_t acc = cc.c.bias[static_cast<std::size_t>(j)];
          for (std::int32_t ky = 0; ky < kk; ++ky) {
            for (std::int32_t kx = 0; kx < kk; ++kx) {
              for (std::int32_t ch = 0; ch < in.channels; ++ch) {
                const std::int32_t iy = oy * cc.g.stride - top + ky;
                const std::int32_t ix = ox * cc.g.stride - left + kx;
                const bool inside = iy >= 0 && iy < in.height && ix >= 0 && ix < in.width;
                const std::int32_t v =
                    inside ? cc.x[static_cast<std::size_t>(((s * in.height + iy) * in.width + ix) * in.channels + ch)]
                           : cc.pad;
                const std::int8_t w =
                    cc.c.w[static_cast<std::size_t>(j) * static_cast<std::size_t>(cc.c.k) +
                           static_cast<std::size_t>((ky * kk + kx) * in.channels + ch)];
                acc += std::int64_t{w} * v;
              }
            }
          }
          y.push_back(output_byte(cc.c, acc, j));
        }
      }
    }
  }
  return y;
}

// kt's convolution of cc, with a canary past the output and past the patch scratch.
std::vector<std::uint8_t> run_conv(const tk::I8Kernels& kt, const ConvCase& cc) {
  const auto bytes = static_cast<std::size_t>(tk::packed_weight_bytes(cc.c.n, cc.c.k));
  const std::size_t scratch = tinyae::detail::i8_conv_scratch_bytes(cc.g, cc.batch);
  tinyae::test::OwnedArena memory(bytes + 4 * static_cast<std::size_t>(cc.c.n) + scratch + 256);
  void* packed = nullptr;
  std::int32_t* bias = nullptr;
  std::uint8_t* patches = nullptr;
  REQUIRE(memory.arena.allocate(bytes, &packed).ok());
  REQUIRE(memory.arena.allocate_array(cc.c.n, &bias).ok());
  REQUIRE(memory.arena.allocate_array(static_cast<std::int64_t>(scratch) + 1, &patches).ok());
  patches[scratch] = kCanary;
  tk::i8_pack_conv(kt, cc.g, cc.c.w.data(), cc.c.bias.data(), packed, bias, patches);
  CHECK(patches[scratch] == kCanary);
  tk::I8DenseParams p = cc.c.params;
  p.bias = bias;
  std::vector<std::uint8_t> y(static_cast<std::size_t>(cc.batch * cc.g.output.size()) + 1, kCanary);
  tk::i8_conv2d(kt, cc.g, cc.batch, cc.x.data(), cc.pad, packed, p, y.data(), patches);
  CHECK(y.back() == kCanary);
  CHECK(patches[scratch] == kCanary);
  y.pop_back();
  return y;
}

}  // namespace

TEST_CASE("int8 convolutions equal a direct convolution on every ISA", "[quant][kernels][conv]") {
  using tinyae::Padding;
  // Thin ones (window rows of at most 4 bytes: i8_thin_conv) among them: 3x3, 4x4 and
  // 2x2 on one channel... 2x2 on two.
  const tinyae::Shape images[] = {{1, 9, 7}, {2, 6, 5}, {3, 6, 11}, {8, 5, 5}, {16, 7, 6}};
  std::uint64_t seed = 5000;
  std::int32_t cases = 0;
  std::int32_t thin = 0;
  for (const tinyae::Shape& in : images) {
    for (std::int32_t kernel : {1, 2, 3, 4, 5}) {
      for (std::int32_t stride : {1, 2}) {
        for (Padding padding : {Padding::same, Padding::valid}) {
          if (padding == Padding::valid && (kernel > in.height || kernel > in.width)) continue;
          for (std::int32_t filters : {1, 5, 8, 16}) {
            const auto mode = static_cast<Mode>(seed % 4);
            const std::int32_t batch = 1 + static_cast<std::int32_t>(seed % 3);
            const ConvCase cc(in, filters, kernel, stride, padding, batch, mode, seed++);
            INFO("input " << in.channels << "x" << in.height << "x" << in.width << " kernel " << kernel
                          << " stride " << stride << (padding == Padding::same ? " same" : " valid")
                          << " filters " << filters << " batch " << batch << " mode " << mode_name(mode));
            const std::vector<std::uint8_t> want = reference_conv(cc, padding);
            for (const char* const* name = tk::kI8IsaNames; *name != nullptr; ++name) {
              const tk::I8Kernels* kt = tk::i8_for(*name);
              if (kt == nullptr) continue;
              INFO("isa " << kt->isa);
              REQUIRE(run_conv(*kt, cc) == want);
            }
            ++cases;
            thin += tinyae::detail::i8_thin_conv(cc.g) ? 1 : 0;
          }
        }
      }
    }
  }
  CHECK(cases > 250);
  CHECK(thin >= 40);
}

TEST_CASE("int8 convolutions of several samples use chunks of the patch matrix", "[quant][kernels][conv]") {
  // 14x14x16 -> 3x3 convolution (mnist-conv's second): 196 x 144 bytes of patches per
  // sample, so a batch of 5 runs in chunks of 2 (and the last is partial).
  const ConvCase cc({16, 14, 14}, 8, 3, 1, tinyae::Padding::same, 5, Mode::relu, 77);
  REQUIRE(tinyae::detail::i8_conv_chunk_samples(cc.g, 5) < 5);
  REQUIRE(5 % tinyae::detail::i8_conv_chunk_samples(cc.g, 5) != 0);
  const std::vector<std::uint8_t> want = reference_conv(cc, tinyae::Padding::same);
  for (const char* const* name = tk::kI8IsaNames; *name != nullptr; ++name) {
    const tk::I8Kernels* kt = tk::i8_for(*name);
    if (kt == nullptr) continue;
    INFO("isa " << kt->isa);
    REQUIRE(run_conv(*kt, cc) == want);
  }
}

TEST_CASE("int8 max pooling takes the largest byte of each window as uint8 or int8", "[quant][kernels][conv]") {
  Rng rng{31};
  for (const tinyae::Shape in : {tinyae::Shape{1, 4, 4}, tinyae::Shape{3, 5, 7}, tinyae::Shape{16, 7, 7},
                                 tinyae::Shape{8, 1, 1}, tinyae::Shape{5, 2, 3}}) {
    const std::int32_t batch = 2;
    std::vector<std::uint8_t> x(static_cast<std::size_t>(batch * in.size()));
    for (std::uint8_t& v : x) v = static_cast<std::uint8_t>(rng.range(0, 255));
    const std::int32_t oh = (in.height + 1) / 2;
    const std::int32_t ow = (in.width + 1) / 2;
    for (const bool is_signed : {false, true}) {
      INFO(in.channels << "x" << in.height << "x" << in.width << (is_signed ? " int8" : " uint8"));
      std::vector<std::uint8_t> y(static_cast<std::size_t>(batch * oh * ow * in.channels) + 1, kCanary);
      tk::i8_max_pool2d(in, batch, x.data(), is_signed, y.data());
      CHECK(y.back() == kCanary);
      for (std::int32_t s = 0; s < batch; ++s) {
        for (std::int32_t oy = 0; oy < oh; ++oy) {
          for (std::int32_t ox = 0; ox < ow; ++ox) {
            for (std::int32_t ch = 0; ch < in.channels; ++ch) {
              std::int32_t best = -1000;
              for (std::int32_t iy = 2 * oy; iy < 2 * oy + 2 && iy < in.height; ++iy) {
                for (std::int32_t ix = 2 * ox; ix < 2 * ox + 2 && ix < in.width; ++ix) {
                  const std::int32_t b = x[static_cast<std::size_t>(((s * in.height + iy) * in.width + ix) * in.channels + ch)];
                  const std::int32_t v = is_signed && b > 127 ? b - 256 : b;
                  best = v > best ? v : best;
                }
              }
              const std::size_t at = static_cast<std::size_t>(((s * oh + oy) * ow + ox) * in.channels + ch);
              REQUIRE(y[at] == static_cast<std::uint8_t>(best & 0xFF));
            }
          }
        }
      }
    }
  }
}
