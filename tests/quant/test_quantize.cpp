// Quantization and the quantized encoder: the quantized tensors against the float
// network (computed here from the float weights), the encoder against the test's own
// integer computation from those tensors, every ISA against the scalar one, exact arena
// sizes, and clear errors on bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "quant/i8_kernels.hpp"
#include "reference_requantize.hpp"
#include "tinyae/quantize.hpp"
#include "../reference_math.hpp"

using namespace tinyae;
using tinyae::test::OwnedArena;
using tinyae::test::Rng;

namespace {

using tinyae::test::activate_double;

// An encoder with two hidden layers of the two table activations, a ReLU layer and a
// linear code layer: every output mode of the int8 path.
constexpr NetworkSpec kDeep = NetworkSpec(Shape::vector(20))
                                  .dense(17, Activation::tanh)
                                  .dense(33, Activation::sigmoid)
                                  .dense(12, Activation::relu)
                                  .dense(5, Activation::identity)
                                  .code()
                                  .dense(20, Activation::sigmoid);

bool contains(const Status& s, const char* text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

// A trainable network with its seeded Glorot weights and random biases.
struct Fixture {
  explicit Fixture(const NetworkSpec& spec, std::uint64_t seed = 7)
      : memory(arena_bytes(spec, config(seed))) {
    REQUIRE(net.setup(spec, config(seed), memory.arena).ok());
    Rng rng{seed};
    for (std::int32_t l = 0; l < spec.num_layers; ++l) {
      for (std::int64_t j = 0; j < spec.bias_count(l); ++j) net.biases(l)[j] = 0.4f * (rng.uniform() - 0.5f);
    }
  }
  static TrainConfig config(std::uint64_t seed) {
    TrainConfig c;
    c.batch_size = 8;
    c.seed = seed;
    return c;
  }
  OwnedArena memory;
  Network net;
};

std::vector<float> calibration_rows(std::int32_t rows, std::int32_t cols, std::uint64_t seed) {
  Rng rng{seed};
  std::vector<float> x(static_cast<std::size_t>(rows) * cols);
  for (float& v : x) v = rng.uniform();
  return x;
}

struct Quantized {
  explicit Quantized(const NetworkSpec& spec)
      : memory(quantized_model_bytes(spec) + quantize_work_bytes(spec)) {}
  OwnedArena memory;
  QuantizedModel model;
};

// Channel j's stored value (as a number: negative for int8) from its sum: the gemmlowp
// transcription, the clamp and the table.
std::int32_t reference_output(const QuantizedLayer& layer, std::int64_t acc, std::int32_t j) {
  REQUIRE(acc == static_cast<std::int32_t>(acc));
  std::int32_t v = test::ref_requantize(static_cast<std::int32_t>(acc), layer.multiplier[j],
                                        layer.shift[j]) + layer.requantized_zero_point;
  v = v < layer.clamp_min ? layer.clamp_min : v > layer.clamp_max ? layer.clamp_max : v;
  if (layer.table != nullptr) {
    v = layer.table[v];
    if (layer.signed_output && v > 127) v -= 256;
  }
  return v;
}

// A convolution written out directly (channels-last): every output pixel and filter
// sums its window, taps outside the image reading the input zero point.
std::vector<std::int32_t> reference_conv(const QuantizedLayer& layer, const std::vector<std::int32_t>& x) {
  const Shape in = layer.input_shape;
  const Shape out = layer.output_shape;
  std::vector<std::int32_t> y;
  for (std::int32_t oy = 0; oy < out.height; ++oy) {
    for (std::int32_t ox = 0; ox < out.width; ++ox) {
      for (std::int32_t j = 0; j < out.channels; ++j) {
        std::int64_t acc = layer.bias[j];
        for (std::int32_t ky = 0; ky < layer.kernel; ++ky) {
          for (std::int32_t kx = 0; kx < layer.kernel; ++kx) {
            const std::int32_t iy = oy * layer.stride - layer.pad_top + ky;
            const std::int32_t ix = ox * layer.stride - layer.pad_left + kx;
            const bool inside = iy >= 0 && iy < in.height && ix >= 0 && ix < in.width;
            for (std::int32_t ch = 0; ch < in.channels; ++ch) {
              const std::int32_t v = inside ? x[static_cast<std::size_t>((iy * in.width + ix) * in.channels + ch)]
                                            : layer.input_zero_point;
              acc += std::int64_t{layer.weights[std::int64_t{j} * layer.inputs +
                                                (ky * layer.kernel + kx) * in.channels + ch]} * v;
            }
          }
        }
        y.push_back(reference_output(layer, acc, j));
      }
    }
  }
  return y;
}

std::vector<std::int32_t> reference_pool(const QuantizedLayer& layer, const std::vector<std::int32_t>& x) {
  const Shape in = layer.input_shape;
  std::vector<std::int32_t> y;
  for (std::int32_t oy = 0; oy < (in.height + 1) / 2; ++oy) {
    for (std::int32_t ox = 0; ox < (in.width + 1) / 2; ++ox) {
      for (std::int32_t ch = 0; ch < in.channels; ++ch) {
        std::int32_t best = INT32_MIN;
        for (std::int32_t iy = 2 * oy; iy < 2 * oy + 2 && iy < in.height; ++iy) {
          for (std::int32_t ix = 2 * ox; ix < 2 * ox + 2 && ix < in.width; ++ix) {
            const std::int32_t v = x[static_cast<std::size_t>((iy * in.width + ix) * in.channels + ch)];
            best = v > best ? v : best;
          }
        }
        y.push_back(best);
      }
    }
  }
  return y;
}

std::vector<std::int32_t> reference_resize(const QuantizedLayer& layer, const std::vector<std::int32_t>& x) {
  const Shape in = layer.input_shape;
  const Shape out = layer.output_shape;
  std::vector<std::int32_t> y;
  for (std::int32_t oy = 0; oy < out.height; ++oy) {
    for (std::int32_t ox = 0; ox < out.width; ++ox) {
      const std::int32_t iy = oy * in.height / out.height;  // PyTorch's 'nearest'
      const std::int32_t ix = ox * in.width / out.width;
      for (std::int32_t ch = 0; ch < in.channels; ++ch) {
        y.push_back(x[static_cast<std::size_t>((iy * in.width + ix) * in.channels + ch)]);
      }
    }
  }
  return y;
}

// Layers 0 .. last of one row from the model's integer tensors alone: int64 sums, the
// gemmlowp transcription, the clamp and the table, layer by layer; the decoder reads the
// int8 code as its value + 128.
std::vector<std::int32_t> reference_row(const QuantizedModel& m, std::vector<std::int32_t> x,
                                        std::int32_t last) {
  for (std::int32_t l = 0; l <= last; ++l) {
    const QuantizedLayer& layer = m.layers[l];
    REQUIRE(static_cast<std::int64_t>(x.size()) == layer.input_shape.size());
    if (l == m.code_layer + 1) {
      for (std::int32_t& v : x) v += 128;
    }
    if (layer.kind == LayerKind::conv2d) {
      x = reference_conv(layer, x);
      continue;
    }
    if (layer.kind == LayerKind::max_pool2d) {
      x = reference_pool(layer, x);
      continue;
    }
    if (layer.kind == LayerKind::resize) {
      x = reference_resize(layer, x);
      continue;
    }
    std::vector<std::int32_t> y(static_cast<std::size_t>(layer.outputs));
    for (std::int32_t j = 0; j < layer.outputs; ++j) {
      std::int64_t acc = layer.bias[j];
      for (std::int32_t i = 0; i < layer.inputs; ++i) {
        acc += std::int64_t{layer.weights[std::int64_t{j} * layer.inputs + i]} * x[static_cast<std::size_t>(i)];
      }
      y[static_cast<std::size_t>(j)] = reference_output(layer, acc, j);
    }
    x = y;
  }
  return x;
}

template <class Byte>
std::vector<Byte> reference_layers(const QuantizedModel& m, const std::vector<std::uint8_t>& in,
                                   std::int32_t rows, std::int32_t last) {
  std::vector<Byte> out;
  for (std::int32_t r = 0; r < rows; ++r) {
    const std::vector<std::int32_t> x(in.begin() + static_cast<std::ptrdiff_t>(r) * m.input_size,
                                      in.begin() + static_cast<std::ptrdiff_t>(r + 1) * m.input_size);
    for (std::int32_t v : reference_row(m, x, last)) {
      REQUIRE(v == static_cast<Byte>(v));  // the stored type holds it
      out.push_back(static_cast<Byte>(v));
    }
  }
  return out;
}

// The codes (int8) from the model's integer tensors alone.
std::vector<std::int8_t> reference_codes(const QuantizedModel& m, const std::vector<std::uint8_t>& in,
                                         std::int32_t rows) {
  return reference_layers<std::int8_t>(m, in, rows, m.code_layer);
}

}  // namespace

TEST_CASE("quantized tensors represent the float weights biases and activations", "[quant]") {
  Fixture f(kDeep);
  const std::vector<float> calib = calibration_rows(100, 20, 1);
  Quantized q(kDeep);
  REQUIRE(quantize(f.net, calib.data(), 100, 20, {}, q.memory.arena, &q.model).ok());
  // Exactly the documented bytes are kept; the work memory is given back.
  CHECK(q.memory.arena.used() == quantized_model_bytes(kDeep));
  const QuantizedModel& m = q.model;
  REQUIRE(m.num_layers == 4);
  CHECK(m.input_size == 20);
  CHECK(m.code_size == 5);
  CHECK(m.code_scale == m.layers[3].output_scale);
  for (std::int32_t l = 0; l < m.num_layers; ++l) {
    const QuantizedLayer& layer = m.layers[l];
    INFO("layer " << l);
    CHECK(layer.signed_output == (l == 3));
    CHECK((layer.table != nullptr) == (l < 2));
    if (l > 0) {
      CHECK(layer.input_scale == m.layers[l - 1].output_scale);
      CHECK(layer.input_zero_point == m.layers[l - 1].output_zero_point);
    }
    const float* w = f.net.weights(l);
    const float* b = f.net.biases(l);
    for (std::int32_t j = 0; j < layer.outputs; ++j) {
      double max_abs = 0;
      for (std::int32_t i = 0; i < layer.inputs; ++i) {
        const double a = std::fabs(w[j * layer.inputs + i]);
        if (a > max_abs) max_abs = a;
      }
      const double ws = max_abs / 127;
      std::int64_t sum = 0;
      for (std::int32_t i = 0; i < layer.inputs; ++i) {
        const std::int8_t qw = layer.weights[j * layer.inputs + i];
        REQUIRE(std::fabs(w[j * layer.inputs + i] - ws * qw) <= ws * 0.5 + 1e-9);
        sum += qw;
      }
      // The bias with the input zero point taken back out, at the sums' scale.
      const double acc_scale = static_cast<double>(layer.input_scale) * ws;
      const auto folded = static_cast<double>(layer.bias[j] + sum * layer.input_zero_point);
      REQUIRE(std::fabs(folded * acc_scale - b[j]) <=
              acc_scale * 0.5 + 1e-6 * std::fabs(b[j]));
      const double factor = layer.multiplier[j] * std::ldexp(1.0, layer.shift[j] - 31);
      REQUIRE(factor == Approx(acc_scale / layer.requantized_scale).epsilon(1e-6));
    }
    if (layer.table != nullptr) {
      for (int i = 0; i < 256; ++i) {
        const double a = activate_double(layer.activation,
                                      double{layer.requantized_scale} * (i - layer.requantized_zero_point));
        const double stored = double{layer.output_scale} * (layer.table[i] - layer.output_zero_point);
        REQUIRE(std::fabs(stored - a) <= layer.output_scale * 0.5 + 1e-6);
      }
    }
  }
}

TEST_CASE("the quantized encoder computes what the integer tensors say on every ISA", "[quant]") {
  Fixture f(kDeep);
  const std::vector<float> calib = calibration_rows(300, 20, 2);
  Quantized q(kDeep);
  QuantizeOptions options;
  options.calibration = Calibration::percentile;
  options.percentile = 99.9;
  REQUIRE(quantize(f.net, calib.data(), 300, 20, options, q.memory.arena, &q.model).ok());
  // Inputs partly outside the calibrated range, so the clamps take part.
  std::vector<float> x = calibration_rows(300, 20, 3);
  for (std::size_t i = 0; i < x.size(); i += 7) x[i] = 1.6f * x[i] - 0.3f;
  std::vector<std::uint8_t> in(x.size());
  q.model.quantize_input(x.data(), static_cast<std::int64_t>(x.size()), in.data());
  const std::vector<std::int8_t> want = reference_codes(q.model, in, 300);

  for (const char* const* name = kernels::kI8IsaNames; *name != nullptr; ++name) {
    if (kernels::i8_for(*name) == nullptr) continue;
    for (std::int32_t max_batch : {1, 7, 256}) {
      INFO("isa " << *name << " max batch " << max_batch);
      OwnedArena memory(quantized_network_bytes(kDeep, max_batch));
      QuantizedNetwork encoder;
      REQUIRE(encoder.setup(q.model, max_batch, memory.arena, *name).ok());
      CHECK(std::string(encoder.isa()) == *name);
      CHECK(memory.arena.available() == 0);  // the exact size
      std::vector<std::int8_t> codes(want.size(), 99);
      REQUIRE(encoder.encode(in.data(), 300, codes.data()).ok());
      REQUIRE(codes == want);
      std::int8_t one[5];
      REQUIRE(encoder.encode_one(in.data() + 20 * 123, one).ok());
      REQUIRE(std::vector<std::int8_t>(one, one + 5) ==
              std::vector<std::int8_t>(want.begin() + 5 * 123, want.begin() + 5 * 124));
    }
  }
}

TEST_CASE("int8 codes track the float codes of trained identity-838", "[quant]") {
  constexpr NetworkSpec spec = reference::kIdentity838;
  constexpr TrainConfig config = reference::identity838_config();
  OwnedArena memory(arena_bytes(spec, config));
  Network net;
  REQUIRE(net.setup(spec, config, memory.arena).ok());
  std::vector<float> x(64, 0.0f);
  for (int i = 0; i < 8; ++i) x[static_cast<std::size_t>(i * 9)] = 1.0f;
  REQUIRE(net.fit(x.data(), 8, 8).ok());
  std::vector<float> codes(24);
  REQUIRE(net.encode(x.data(), 8, 8, codes.data()).ok());

  Quantized q(spec);
  QuantizeOptions options;
  options.fixed_input_range = true;  // [0, 1]: the one-hot bytes are 0 and 255
  REQUIRE(quantize(net, x.data(), 8, 8, options, q.memory.arena, &q.model).ok());
  CHECK(q.model.input_scale == Approx(1.0 / 255));
  CHECK(q.model.input_zero_point == 0);
  OwnedArena enc_memory(quantized_network_bytes(spec, 8));
  QuantizedNetwork encoder;
  REQUIRE(encoder.setup(q.model, 8, enc_memory.arena).ok());
  std::vector<std::uint8_t> in(64);
  q.model.quantize_input(x.data(), 64, in.data());
  for (int i = 0; i < 64; ++i) CHECK(int{in[static_cast<std::size_t>(i)]} == (i % 9 == 0 ? 255 : 0));
  std::vector<std::int8_t> q_codes(24);
  REQUIRE(encoder.encode(in.data(), 8, q_codes.data()).ok());
  std::vector<float> deq(24);
  q.model.dequantize_code(q_codes.data(), 24, deq.data());
  // Sigmoid codes in (0, 1) on a 1/255 grid: the pre-activation grid and the weights
  // add a few steps at most.
  for (int i = 0; i < 24; ++i) {
    INFO("code " << i << ": float " << codes[static_cast<std::size_t>(i)] << ", int8 " << deq[static_cast<std::size_t>(i)]);
    CHECK(std::fabs(deq[static_cast<std::size_t>(i)] - codes[static_cast<std::size_t>(i)]) <= 4.0 / 255);
  }
}

TEST_CASE("percentile calibration ignores rare outliers that min-max keeps", "[quant]") {
  constexpr NetworkSpec spec = NetworkSpec(Shape::vector(6)).dense(4, Activation::identity).code().dense(6, Activation::sigmoid);
  Fixture f(spec);
  std::vector<float> calib = calibration_rows(2000, 6, 4);
  calib[6 * 1000] = 50.0f;  // one outlier among 12000 input values
  Quantized a(spec);
  Quantized b(spec);
  REQUIRE(quantize(f.net, calib.data(), 2000, 6, {}, a.memory.arena, &a.model).ok());
  QuantizeOptions options;
  options.calibration = Calibration::percentile;
  options.percentile = 99.9;
  REQUIRE(quantize(f.net, calib.data(), 2000, 6, options, b.memory.arena, &b.model).ok());
  CHECK(a.model.input_scale == Approx(50.0 / 255));
  CHECK(b.model.input_scale < 1.1 / 255);  // the inputs are in [0, 1)
  CHECK(b.model.input_scale > 0.9 / 255);
  CHECK(b.model.code_scale < a.model.code_scale);
}

TEST_CASE("input quantization rounds to nearest and saturates", "[quant]") {
  QuantizedModel m;
  m.input_scale = 0.5f;
  m.input_zero_point = 10;
  const float x[] = {0.0f, 0.2f, 0.25f, -0.26f, -5.0f, -6.0f, 122.0f, 123.0f, std::nanf(""), 1e30f};
  std::uint8_t q[10];
  m.quantize_input(x, 10, q);
  const int want[] = {10, 10, 11, 9, 0, 0, 254, 255, 0, 255};
  for (int i = 0; i < 10; ++i) CHECK(int{q[i]} == want[i]);
  m.code_scale = 0.25f;
  m.code_zero_point = -3;
  const std::int8_t c[] = {-128, -3, 0, 127};
  float out[4];
  m.dequantize_code(c, 4, out);
  CHECK(out[0] == -31.25f);
  CHECK(out[1] == 0.0f);
  CHECK(out[2] == 0.75f);
  CHECK(out[3] == 32.5f);
}

TEST_CASE("quantize rejects untrained networks and networks that are not encoders", "[quant][bad-input]") {
  const std::vector<float> calib = calibration_rows(10, 20, 5);
  Quantized q(kDeep);
  Network never_set_up;
  Status s = quantize(never_set_up, calib.data(), 10, 20, {}, q.memory.arena, &q.model);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "not set up"));

  // Inference-only, weights never loaded: all zero.
  OwnedArena memory(arena_bytes(kDeep, 4));
  Network blank;
  REQUIRE(blank.setup(kDeep, 4, memory.arena).ok());
  s = quantize(blank, calib.data(), 10, 20, {}, q.memory.arena, &q.model);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "layer 0 has only zero weights: the network is untrained"));
  CHECK(q.memory.arena.used() == 0);

  Fixture f(kDeep);
  f.net.weights(2)[5] = std::nanf("");
  s = quantize(f.net, calib.data(), 10, 20, {}, q.memory.arena, &q.model);
  CHECK(s.code() == StatusCode::non_finite);
  CHECK(contains(s, "layer 2 has a non-finite weight"));

  // A layer kind without integer kernels (any kind but dense, conv2d, max_pool2d), and
  // no code layer.
  NetworkSpec other = kDeep;
  other.layers[1].kind = static_cast<LayerKind>(7);
  s = quantizable(other);
  CHECK(s.code() == StatusCode::unsupported);
  CHECK(contains(s, "layer 1 is of kind unknown: the int8 encoder handles"));
  NetworkSpec no_code = kDeep;
  no_code.code_layer = -1;
  s = quantizable(no_code);
  CHECK(contains(s, "no code layer"));
  CHECK(quantizable(kDeep).ok());
  CHECK(quantized_model_bytes(no_code) == 0);
}

TEST_CASE("quantize rejects bad calibration data and options", "[quant][bad-input]") {
  Fixture f(kDeep);
  std::vector<float> calib = calibration_rows(10, 20, 6);
  Quantized q(kDeep);
  Status s = quantize(f.net, calib.data(), 0, 20, {}, q.memory.arena, &q.model);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "calibration set is empty"));
  s = quantize(f.net, calib.data(), 10, 19, {}, q.memory.arena, &q.model);
  CHECK(contains(s, "calibration data has 19 columns but the network's input has 20"));
  s = quantize(f.net, nullptr, 10, 20, {}, q.memory.arena, &q.model);
  CHECK(contains(s, "calibration data is null"));
  calib[47] = std::numeric_limits<float>::infinity();
  s = quantize(f.net, calib.data(), 10, 20, {}, q.memory.arena, &q.model);
  CHECK(s.code() == StatusCode::non_finite);
  CHECK(contains(s, "row 2, column 7"));
  calib[47] = 0.5f;

  QuantizeOptions bad;
  bad.calibration = Calibration::percentile;
  bad.percentile = 40;
  CHECK(contains(quantize(f.net, calib.data(), 10, 20, bad, q.memory.arena, &q.model),
                 "percentile must be in (50, 100]"));
  QuantizeOptions range;
  range.fixed_input_range = true;
  range.input_min = 1;
  range.input_max = 1;
  CHECK(contains(quantize(f.net, calib.data(), 10, 20, range, q.memory.arena, &q.model),
                 "must be finite with min < max"));
  CHECK(q.memory.arena.used() == 0);
}

TEST_CASE("quantize and the encoder need exactly their documented bytes", "[quant][bad-input]") {
  Fixture f(kDeep);
  const std::vector<float> calib = calibration_rows(10, 20, 8);
  const std::size_t need = quantized_model_bytes(kDeep) + quantize_work_bytes(kDeep);
  OwnedArena small(need - 1);
  QuantizedModel model;
  Status s = quantize(f.net, calib.data(), 10, 20, {}, small.arena, &model);
  CHECK(s.code() == StatusCode::arena_too_small);
  CHECK(contains(s, "missing 1"));
  OwnedArena exact(need);
  REQUIRE(quantize(f.net, calib.data(), 10, 20, {}, exact.arena, &model).ok());

  OwnedArena enc_small(quantized_network_bytes(kDeep, 16) - 1);
  QuantizedNetwork encoder;
  s = encoder.setup(model, 16, enc_small.arena);
  CHECK(s.code() == StatusCode::arena_too_small);
  CHECK(contains(s, "missing 1"));
}

TEST_CASE("the quantized encoder rejects bad setup and input", "[quant][bad-input]") {
  QuantizedNetwork encoder;
  std::uint8_t in[20] = {};
  std::int8_t code[5];
  Status s = encoder.encode(in, 1, code);
  CHECK(contains(s, "not set up"));
  CHECK(contains(encoder.encode_one(in, code), "not set up"));
  OwnedArena memory(1 << 16);
  s = encoder.setup(QuantizedModel(), 4, memory.arena);
  CHECK(contains(s, "quantize() a network first"));

  Fixture f(kDeep);
  const std::vector<float> calib = calibration_rows(10, 20, 9);
  Quantized q(kDeep);
  REQUIRE(quantize(f.net, calib.data(), 10, 20, {}, q.memory.arena, &q.model).ok());
  s = encoder.setup(q.model, 0, memory.arena);
  CHECK(contains(s, "max batch must be at least 1"));
  s = encoder.setup(q.model, 4, memory.arena, "sse9");
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "unknown int8 ISA 'sse9'"));
#if defined(__x86_64__)
  s = encoder.setup(q.model, 4, memory.arena, "neon");
  CHECK(s.code() == StatusCode::unsupported);
  CHECK(contains(s, "not built into this library"));
#endif
  REQUIRE(encoder.setup(q.model, 4, memory.arena).ok());
  CHECK(contains(encoder.encode(in, 0, code), "need at least 1"));
  CHECK(contains(encoder.encode(nullptr, 1, code), "null"));
  CHECK(contains(encoder.encode_one(in, nullptr), "null"));
}

namespace {

// Conv encoders: a table activation, a 5x5 stride-2 and a 1x1 convolution, and a
// pooled code (the pooling before it and the 1x1 convolution store int8), ...
constexpr NetworkSpec kConvPooledCode = NetworkSpec(Shape{3, 11, 9})
                                            .conv2d(5, 3, 1, Padding::same, Activation::tanh)
                                            .max_pool2d()
                                            .conv2d(8, 5, 2, Padding::same, Activation::relu)
                                            .conv2d(4, 1, 1, Padding::valid, Activation::sigmoid)
                                            .max_pool2d()
                                            .code()
                                            .resize(11, 9)
                                            .conv2d(3, 3, 1, Padding::same, Activation::sigmoid);
// ... and a 'valid' stride-2 convolution read flattened by a linear dense code layer.
constexpr NetworkSpec kConvDenseCode = NetworkSpec(Shape{2, 8, 8})
                                           .conv2d(6, 3, 2, Padding::valid, Activation::relu)
                                           .max_pool2d()
                                           .dense(7, Activation::identity)
                                           .code()
                                           .dense(128, Activation::sigmoid);

// Thin convolutions (window rows of at most 4 bytes): 4x4 stride 2 and 3x3 on one
// channel, 2x2 on two (the output layer among them).
constexpr NetworkSpec kConvThin = NetworkSpec(Shape{1, 9, 7})
                                      .conv2d(2, 4, 2, Padding::same, Activation::relu)
                                      .conv2d(3, 2, 1, Padding::same, Activation::tanh)
                                      .max_pool2d()
                                      .code()
                                      .resize(9, 7)
                                      .conv2d(1, 3, 1, Padding::same, Activation::identity)
                                      .conv2d(2, 3, 1, Padding::valid, Activation::relu)
                                      .resize(9, 7)
                                      .conv2d(1, 2, 1, Padding::same, Activation::sigmoid);

}  // namespace

TEST_CASE("quantized conv encoders keep the float geometry and store the code as int8", "[quant][conv]") {
  for (const NetworkSpec& spec : {kConvPooledCode, kConvDenseCode}) {
    Fixture f(spec);
    const auto cols = static_cast<std::int32_t>(spec.input.size());
    const std::vector<float> calib = calibration_rows(40, cols, 11);
    // Exactly the documented bytes, work memory included.
    const std::size_t need = quantized_model_bytes(spec) + quantize_work_bytes(spec);
    OwnedArena small(need - 1);
    QuantizedModel model;
    CHECK(contains(quantize(f.net, calib.data(), 40, cols, {}, small.arena, &model), "missing 1"));
    OwnedArena exact(need);
    REQUIRE(quantize(f.net, calib.data(), 40, cols, {}, exact.arena, &model).ok());
    CHECK(exact.arena.used() == quantized_model_bytes(spec));
    CHECK(model.code_size == spec.code_shape().size());
    for (std::int32_t l = 0; l < model.num_layers; ++l) {
      INFO("layer " << l);
      const QuantizedLayer& layer = model.layers[l];
      CHECK(layer.kind == spec.layers[l].kind);
      CHECK(layer.input_shape == spec.layer_input(l));
      CHECK(layer.output_shape == spec.layers[l].output);
      if (l > 0) {
        CHECK(layer.input_scale == model.layers[l - 1].output_scale);
        CHECK(layer.input_zero_point == model.layers[l - 1].output_zero_point);
      }
      if (layer.kind == LayerKind::max_pool2d) {  // the input's bytes, no tensors
        CHECK(layer.output_scale == layer.input_scale);
        CHECK(layer.output_zero_point == layer.input_zero_point);
        CHECK(layer.weights == nullptr);
        continue;
      }
      CHECK(static_cast<std::int64_t>(layer.inputs) * layer.outputs == spec.weight_count(l));
      CHECK(layer.outputs == spec.bias_count(l));
      if (layer.kind == LayerKind::conv2d) {
        const conv::Conv2dGeometry g = conv::conv2d_geometry(spec, l);
        CHECK(layer.kernel == g.kernel);
        CHECK(layer.stride == g.stride);
        CHECK(layer.pad_top == g.pad_top);
        CHECK(layer.pad_left == g.pad_left);
        CHECK(layer.inputs == g.patch());
      }
    }
    if (spec.code_layer == 4) {  // pooled code: the 1x1 convolution and the pooling store int8
      for (std::int32_t l = 0; l < model.num_layers; ++l) CHECK(model.layers[l].signed_output == (l >= 3));
      // Sigmoid: its table holds int8 values of [0, 1] on the code's grid.
      CHECK(model.layers[3].output_zero_point == -128);
    } else {
      for (std::int32_t l = 0; l < model.num_layers; ++l) CHECK(model.layers[l].signed_output == (l == 2));
    }
    CHECK(model.code_scale == model.layers[spec.code_layer].output_scale);
    CHECK(model.code_zero_point == model.layers[spec.code_layer].output_zero_point);
  }
}

TEST_CASE("quantized conv encoders compute what the integer tensors say on every ISA", "[quant][conv]") {
  for (const NetworkSpec& spec : {kConvPooledCode, kConvDenseCode}) {
    Fixture f(spec, 21);
    const auto cols = static_cast<std::int32_t>(spec.input.size());
    const std::int32_t code = static_cast<std::int32_t>(spec.code_shape().size());
    const std::vector<float> calib = calibration_rows(150, cols, 12);
    Quantized q(spec);
    REQUIRE(quantize(f.net, calib.data(), 150, cols, {}, q.memory.arena, &q.model).ok());
    const std::int32_t rows = 70;
    std::vector<float> x = calibration_rows(rows, cols, 13);
    for (std::size_t i = 0; i < x.size(); i += 7) x[i] = 1.6f * x[i] - 0.3f;  // clamps take part
    std::vector<std::uint8_t> in(x.size());
    q.model.quantize_input(x.data(), static_cast<std::int64_t>(x.size()), in.data());
    const std::vector<std::int8_t> want = reference_codes(q.model, in, rows);
    // The codes are not all one value (every layer passes something on).
    CHECK(std::vector<std::int8_t>(want.size(), want[0]) != want);
    for (const char* const* name = kernels::kI8IsaNames; *name != nullptr; ++name) {
      if (kernels::i8_for(*name) == nullptr) continue;
      for (std::int32_t max_batch : {1, 3, 64}) {
        INFO("spec with code layer " << spec.code_layer << " isa " << *name << " max batch " << max_batch);
        OwnedArena memory(quantized_network_bytes(spec, max_batch));
        QuantizedNetwork encoder;
        REQUIRE(encoder.setup(q.model, max_batch, memory.arena, *name).ok());
        CHECK(memory.arena.available() == 0);  // the exact size
        std::vector<std::int8_t> codes(want.size(), 99);
        REQUIRE(encoder.encode(in.data(), rows, codes.data()).ok());
        REQUIRE(codes == want);
        std::vector<std::int8_t> one(static_cast<std::size_t>(code));
        REQUIRE(encoder.encode_one(in.data() + std::int64_t{cols} * 41, one.data()).ok());
        REQUIRE(one == std::vector<std::int8_t>(want.begin() + code * 41, want.begin() + code * 42));
      }
    }
  }
}

TEST_CASE("quantize rejects conv encoders it cannot run and calibration of the wrong width", "[quant][conv][bad-input]") {
  // A resize before the code layer: the code is not reachable by int8 layers.
  constexpr NetworkSpec resized = NetworkSpec(Shape{1, 8, 8})
                                      .conv2d(4, 3, 1, Padding::same, Activation::relu)
                                      .resize(4, 4)
                                      .conv2d(2, 3, 1, Padding::same, Activation::relu)
                                      .code()
                                      .resize(8, 8)
                                      .conv2d(1, 3, 1, Padding::same, Activation::sigmoid);
  Status s = quantizable(resized);
  CHECK(s.code() == StatusCode::unsupported);
  CHECK(contains(s, "layer 1 is of kind resize: the int8 encoder handles"));
  Fixture f(resized);
  const std::vector<float> calib = calibration_rows(10, 64, 14);
  OwnedArena memory(1 << 20);
  QuantizedModel model;
  CHECK(contains(quantize(f.net, calib.data(), 10, 64, {}, memory.arena, &model), "kind resize"));
  CHECK(memory.arena.used() == 0);

  // No code layer; a code reached by pooling alone (nothing to quantize).
  NetworkSpec no_code = kConvPooledCode;
  no_code.code_layer = -1;
  CHECK(contains(quantizable(no_code), "no code layer"));
  constexpr NetworkSpec pools_only =
      NetworkSpec(Shape{2, 4, 4}).max_pool2d().code().resize(4, 4);
  CHECK(contains(quantizable(pools_only), "no dense or conv2d layer"));

  // Calibration rows one pixel short of the 3x11x9 image.
  Fixture conv(kConvPooledCode);
  const std::vector<float> rows = calibration_rows(10, 297, 15);
  Quantized q(kConvPooledCode);
  s = quantize(conv.net, rows.data(), 10, 296, {}, q.memory.arena, &q.model);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "calibration data has 296 columns but the network's input has 297"));
  CHECK(q.memory.arena.used() == 0);
}

// ------------------------------------------------------------ the whole network in int8

namespace {

QuantizeOptions whole_network() {
  QuantizeOptions o;
  o.scope = QuantizeScope::whole_network;
  return o;
}

struct QuantizedWhole {
  explicit QuantizedWhole(const NetworkSpec& spec)
      : memory(quantized_model_bytes(spec, QuantizeScope::whole_network) +
               quantize_work_bytes(spec, QuantizeScope::whole_network)) {}
  OwnedArena memory;
  QuantizedModel model;
};

// Deep dense (tables, ReLU, linear code, sigmoid out), conv with a pooled code, a resize
// and a sigmoid conv out, conv with a dense code and a dense decoder, and thin convs.
const NetworkSpec kWholeSpecs[] = {kDeep, kConvPooledCode, kConvDenseCode, kConvThin};

}  // namespace

TEST_CASE("whole-network quantization: the decoder's tensors, the output on the input's grid", "[quant][decoder]") {
  for (const NetworkSpec& spec : kWholeSpecs) {
    INFO("spec with code layer " << spec.code_layer);
    Fixture f(spec, 31);
    const auto cols = static_cast<std::int32_t>(spec.input.size());
    const std::vector<float> calib = calibration_rows(60, cols, 32);
    const std::size_t need = quantized_model_bytes(spec, QuantizeScope::whole_network) +
                             quantize_work_bytes(spec, QuantizeScope::whole_network);
    CHECK(quantized_model_bytes(spec, QuantizeScope::whole_network) > quantized_model_bytes(spec));
    OwnedArena small(need - 1);
    QuantizedModel model;
    CHECK(contains(quantize(f.net, calib.data(), 60, cols, whole_network(), small.arena, &model), "missing 1"));
    OwnedArena exact(need);
    QuantizeOptions o = whole_network();
    o.fixed_input_range = true;  // pixels: scale 1/255, zero point 0
    REQUIRE(quantize(f.net, calib.data(), 60, cols, o, exact.arena, &model).ok());
    CHECK(exact.arena.used() == quantized_model_bytes(spec, QuantizeScope::whole_network));
    REQUIRE(model.num_layers == spec.num_layers);
    CHECK(model.code_layer == spec.code_layer);
    CHECK(model.has_decoder());
    CHECK(model.output_size == spec.output().size());
    CHECK(model.input_scale == 1.0f / 255);
    CHECK(model.input_zero_point == 0);
    const QuantizedLayer& out = model.layers[spec.num_layers - 1];
    CHECK(out.output_scale == model.input_scale);
    CHECK(out.output_zero_point == model.input_zero_point);
    CHECK_FALSE(out.signed_output);
    // The decoder reads the int8 code as uint8: the same grid, zero point + 128.
    const QuantizedLayer& first = model.layers[spec.code_layer + 1];
    CHECK(first.input_scale == model.code_scale);
    CHECK(first.input_zero_point == model.code_zero_point + 128);
    for (std::int32_t l = spec.code_layer + 1; l < spec.num_layers; ++l) {
      const QuantizedLayer& layer = model.layers[l];
      CHECK(layer.kind == spec.layers[l].kind);
      CHECK_FALSE(layer.signed_output);
      if (l > spec.code_layer + 1) {
        CHECK(layer.input_scale == model.layers[l - 1].output_scale);
        CHECK(layer.input_zero_point == model.layers[l - 1].output_zero_point);
      }
      if (layer.kind == LayerKind::resize) {  // a copy: its input's grid, no tensors
        CHECK(layer.output_scale == layer.input_scale);
        CHECK(layer.weights == nullptr);
        continue;
      }
      CHECK(static_cast<std::int64_t>(layer.inputs) * layer.outputs == spec.weight_count(l));
      CHECK((layer.table != nullptr) == (spec.layers[l].activation == Activation::sigmoid ||
                                         spec.layers[l].activation == Activation::tanh));
    }
    // The encoder's layers are the encoder-only model's.
    Quantized encoder_only(spec);
    REQUIRE(quantize(f.net, calib.data(), 60, cols, [] {
      QuantizeOptions e;
      e.fixed_input_range = true;
      return e;
    }(), encoder_only.memory.arena, &encoder_only.model).ok());
    CHECK_FALSE(encoder_only.model.has_decoder());
    CHECK(encoder_only.model.output_size == 0);
    for (std::int32_t l = 0; l <= spec.code_layer; ++l) {
      const QuantizedLayer& a = model.layers[l];
      const QuantizedLayer& b = encoder_only.model.layers[l];
      CHECK(a.output_scale == b.output_scale);
      CHECK(a.output_zero_point == b.output_zero_point);
      for (std::int64_t i = 0; i < std::int64_t{a.inputs} * a.outputs; ++i) REQUIRE(a.weights[i] == b.weights[i]);
    }
  }
}

TEST_CASE("the whole int8 network reconstructs, decodes and scores what the integer tensors say on every ISA", "[quant][decoder]") {
  for (const NetworkSpec& spec : kWholeSpecs) {
    Fixture f(spec, 41);
    const auto cols = static_cast<std::int32_t>(spec.input.size());
    const auto code = static_cast<std::int32_t>(spec.code_shape().size());
    const std::vector<float> calib = calibration_rows(150, cols, 42);
    QuantizedWhole q(spec);
    REQUIRE(quantize(f.net, calib.data(), 150, cols, whole_network(), q.memory.arena, &q.model).ok());
    const std::int32_t rows = 70;
    std::vector<float> x = calibration_rows(rows, cols, 43);
    for (std::size_t i = 0; i < x.size(); i += 7) x[i] = 1.6f * x[i] - 0.3f;  // clamps take part
    std::vector<std::uint8_t> in(x.size());
    q.model.quantize_input(x.data(), static_cast<std::int64_t>(x.size()), in.data());
    const std::vector<std::int8_t> want_codes = reference_codes(q.model, in, rows);
    const std::vector<std::uint8_t> want = reference_layers<std::uint8_t>(q.model, in, rows, spec.num_layers - 1);
    CHECK(std::vector<std::uint8_t>(want.size(), want[0]) != want);  // not one value throughout
    std::vector<std::int64_t> want_scores;
    for (std::int32_t r = 0; r < rows; ++r) {
      std::int64_t sum = 0;
      for (std::int32_t i = 0; i < cols; ++i) {
        const std::int64_t d = std::int64_t{in[static_cast<std::size_t>(r * cols + i)]} - want[static_cast<std::size_t>(r * cols + i)];
        sum += d * d;
      }
      want_scores.push_back(sum);
    }
    for (const char* const* name = kernels::kI8IsaNames; *name != nullptr; ++name) {
      if (kernels::i8_for(*name) == nullptr) continue;
      for (std::int32_t max_batch : {1, 3, 64}) {
        INFO("spec with code layer " << spec.code_layer << " isa " << *name << " max batch " << max_batch);
        OwnedArena memory(quantized_network_bytes(spec, max_batch, QuantizeScope::whole_network));
        QuantizedNetwork net;
        REQUIRE(net.setup(q.model, max_batch, memory.arena, *name).ok());
        CHECK(memory.arena.available() == 0);  // the exact size
        std::vector<std::int8_t> codes(want_codes.size(), 99);
        REQUIRE(net.encode(in.data(), rows, codes.data()).ok());
        REQUIRE(codes == want_codes);
        std::vector<std::uint8_t> out(want.size(), 7);
        REQUIRE(net.reconstruct(in.data(), rows, out.data()).ok());
        REQUIRE(out == want);
        std::fill(out.begin(), out.end(), 7);
        REQUIRE(net.decode(codes.data(), rows, out.data()).ok());
        REQUIRE(out == want);
        std::vector<std::int64_t> scores(static_cast<std::size_t>(rows), -1);
        REQUIRE(net.score(in.data(), rows, scores.data()).ok());
        REQUIRE(scores == want_scores);
        std::fill(out.begin(), out.end(), 7);
        REQUIRE(net.layer_output(in.data(), rows, spec.num_layers - 1, out.data()).ok());
        REQUIRE(out == want);
        // Every layer on the way, the code layer's int8 bytes included.
        for (std::int32_t l = 0; l < spec.num_layers; ++l) {
          std::vector<std::uint8_t> got(static_cast<std::size_t>(rows * spec.layers[l].output.size()));
          REQUIRE(net.layer_output(in.data(), rows, l, got.data()).ok());
          const std::vector<std::int32_t> ref = reference_row(
              q.model, std::vector<std::int32_t>(in.begin() + cols * 5, in.begin() + cols * 6), l);
          const std::size_t n = ref.size();
          for (std::size_t i = 0; i < n; ++i) REQUIRE(got[5 * n + i] == static_cast<std::uint8_t>(ref[i]));
        }
        (void)code;
      }
    }
  }
}

TEST_CASE("the int8 decoder, reconstruct and score reject encoder-only models and bad input", "[quant][decoder][bad-input]") {
  Fixture f(kDeep);
  const std::vector<float> calib = calibration_rows(30, 20, 51);
  Quantized encoder_only(kDeep);
  REQUIRE(quantize(f.net, calib.data(), 30, 20, {}, encoder_only.memory.arena, &encoder_only.model).ok());
  OwnedArena memory(quantized_network_bytes(kDeep, 4));
  QuantizedNetwork enc;
  REQUIRE(enc.setup(encoder_only.model, 4, memory.arena).ok());
  std::vector<std::uint8_t> in(20 * 4, 100);
  std::vector<std::uint8_t> out(20 * 4);
  std::vector<std::int8_t> codes(5 * 4);
  std::vector<std::int64_t> scores(4);
  Status s = enc.reconstruct(in.data(), 4, out.data());
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "reconstruct: the quantized model holds only the encoder"));
  CHECK(contains(enc.decode(codes.data(), 4, out.data()), "decode: the quantized model holds only the encoder"));
  CHECK(contains(enc.score(in.data(), 4, scores.data()), "score: the quantized model holds only the encoder"));
  CHECK(contains(enc.layer_output(in.data(), 4, 4, out.data()), "layer 4 is not in 0 .. 3"));

  QuantizedWhole q(kDeep);
  REQUIRE(quantize(f.net, calib.data(), 30, 20, whole_network(), q.memory.arena, &q.model).ok());
  OwnedArena whole_memory(quantized_network_bytes(kDeep, 4, QuantizeScope::whole_network));
  QuantizedNetwork whole;
  CHECK(contains(whole.reconstruct(in.data(), 4, out.data()), "not set up"));
  REQUIRE(whole.setup(q.model, 4, whole_memory.arena).ok());
  CHECK(contains(whole.reconstruct(in.data(), 0, out.data()), "input has 0 rows"));
  CHECK(contains(whole.score(nullptr, 4, scores.data()), "null"));
  CHECK(contains(whole.decode(codes.data(), 4, nullptr), "null"));
  CHECK(contains(whole.layer_output(in.data(), 4, -1, out.data()), "layer -1 is not in 0 .. 4"));
  // The arena one byte short.
  OwnedArena short_memory(quantized_network_bytes(kDeep, 4, QuantizeScope::whole_network) - 1);
  QuantizedNetwork too_small;
  CHECK(contains(too_small.setup(q.model, 4, short_memory.arena), "missing 1"));

  // Networks the whole int8 path cannot run: no decoder; a resize as the output layer.
  constexpr NetworkSpec no_decoder = NetworkSpec(Shape::vector(6)).dense(4, Activation::relu).dense(2, Activation::identity).code();
  s = quantizable(no_decoder, QuantizeScope::whole_network);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "no decoder"));
  CHECK(quantizable(no_decoder).ok());
  constexpr NetworkSpec resize_out = NetworkSpec(Shape{1, 4, 4})
                                         .conv2d(2, 3, 2, Padding::same, Activation::relu)
                                         .code()
                                         .conv2d(1, 3, 1, Padding::same, Activation::sigmoid)
                                         .resize(4, 4);
  s = quantizable(resize_out, QuantizeScope::whole_network);
  CHECK(s.code() == StatusCode::unsupported);
  CHECK(contains(s, "the output layer 2 is a resize"));
  Fixture r(resize_out);
  const std::vector<float> calib16 = calibration_rows(10, 16, 52);
  OwnedArena big(1 << 20);
  QuantizedModel m;
  CHECK(contains(quantize(r.net, calib16.data(), 10, 16, whole_network(), big.arena, &m), "is a resize"));
  CHECK(big.arena.used() == 0);
  // An untrained decoder layer: its weights are checked as the encoder's are.
  Fixture zero_decoder(kDeep);
  for (std::int64_t i = 0; i < kDeep.weight_count(4); ++i) zero_decoder.net.weights(4)[i] = 0;
  Quantized any(kDeep);
  CHECK(quantize(zero_decoder.net, calib.data(), 30, 20, {}, any.memory.arena, &any.model).ok());
  QuantizedWhole whole_zero(kDeep);
  CHECK(contains(quantize(zero_decoder.net, calib.data(), 30, 20, whole_network(), whole_zero.memory.arena,
                          &whole_zero.model),
                 "layer 4 has only zero weights"));
}
