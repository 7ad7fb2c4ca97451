// The exported C header: compiled with the C compiler as strict C99 (-Werror), run on
// samples by a small C driver, and compared byte for byte with the library's int8
// encoder (every ISA), input quantization and code dequantization. Cross builds use
// the target's C compiler and run the driver under the emulator (on Armv7: the
// header's SMLAD path, odd sizes included).
#include <catch2/catch.hpp>

#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "quant/i8_kernels.hpp"
#include "reference_requantize.hpp"
#include "tinyae/io.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/quantize_io.hpp"

using namespace tinyae;
using tinyae::test::Rng;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// spec's network with its seeded weights and random biases; rng then draws the samples.
struct SeededNetwork {
  SeededNetwork(const NetworkSpec& spec, std::uint64_t seed) : rng{seed} {
    TrainConfig config;
    config.batch_size = 4;
    config.seed = seed;
    REQUIRE(memory.allocate(arena_bytes(spec, config)).ok());
    REQUIRE(net.setup(spec, config, memory.arena()).ok());
    for (std::int32_t l = 0; l < spec.num_layers; ++l) {
      for (std::int64_t j = 0; j < spec.bias_count(l); ++j) net.biases(l)[j] = 0.3f * (rng.uniform() - 0.5f);
    }
  }
  ArenaBuffer memory;
  Network net;
  Rng rng;
};

// Quantizes spec's encoder (seeded weights, random biases), exports it, builds the C
// driver against it and checks its output for `rows` samples against the library.
void check_header(const char* label, const NetworkSpec& spec, std::uint64_t seed, bool fixed_range) {
  INFO(label);
  SeededNetwork seeded(spec, seed);
  Network& net = seeded.net;
  Rng& rng = seeded.rng;
  const auto cols = static_cast<std::int32_t>(spec.input.size());
  const std::int32_t rows = 97;
  std::vector<float> x(static_cast<std::size_t>(rows) * cols);
  for (float& v : x) v = rng.uniform();
  for (std::size_t i = 0; i < x.size(); i += 11) x[i] = 1.3f * x[i] - 0.15f;  // some out of range

  ArenaBuffer memory;
  REQUIRE(memory.allocate(quantized_model_bytes(spec) + quantize_work_bytes(spec)).ok());
  QuantizedModel model;
  QuantizeOptions options;
  options.fixed_input_range = fixed_range;
  REQUIRE(quantize(net, x.data(), 50, cols, options, memory.arena(), &model).ok());

  const std::string dir = test::temp_path(std::string("c_header_") + label);
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()) == 0);
  REQUIRE(save_c_header(dir + "/model.h", model, "tae").ok());
  const std::string build = std::string(TINYAE_C_COMPILER) +
                            " -std=c99 -Wall -Wextra -pedantic -Wconversion -Werror -O2 -I" + dir +
                            " " + TINYAE_C_DRIVER + " -o " + dir + "/driver 2>&1";
  INFO(build);
  REQUIRE(std::system(build.c_str()) == 0);
  {
    std::ofstream f(dir + "/samples.f32", std::ios::binary);
    f.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(float)));
  }
  // Cross builds run the driver through the emulator (qemu-user).
  const std::string run = std::string(TINYAE_C_EMULATOR) + " " + dir + "/driver " + dir +
                          "/samples.f32 " + dir + "/out.bin";
  INFO(run);
  REQUIRE(std::system(run.c_str()) == 0);
  const std::string out = read_all(dir + "/out.bin");
  const std::size_t code = static_cast<std::size_t>(model.code_size);
  const std::size_t per_row = static_cast<std::size_t>(cols) + code + code * sizeof(float);
  REQUIRE(out.size() == per_row * rows);

  // The library on the same floats.
  std::vector<std::uint8_t> in(x.size());
  model.quantize_input(x.data(), static_cast<std::int64_t>(x.size()), in.data());
  for (const char* const* name = kernels::kI8IsaNames; *name != nullptr; ++name) {
    if (kernels::i8_for(*name) == nullptr) continue;
    INFO("isa " << *name);
    ArenaBuffer enc_memory;
    REQUIRE(enc_memory.allocate(quantized_network_bytes(spec, 32)).ok());
    QuantizedNetwork encoder;
    REQUIRE(encoder.setup(model, 32, enc_memory.arena(), *name).ok());
    std::vector<std::int8_t> codes(code * rows);
    REQUIRE(encoder.encode(in.data(), rows, codes.data()).ok());
    std::vector<float> values(codes.size());
    model.dequantize_code(codes.data(), static_cast<std::int64_t>(codes.size()), values.data());
    for (std::int32_t r = 0; r < rows; ++r) {
      INFO("row " << r);
      const char* row = out.data() + per_row * static_cast<std::size_t>(r);
      REQUIRE(std::memcmp(row, in.data() + static_cast<std::size_t>(r) * cols, static_cast<std::size_t>(cols)) == 0);
      REQUIRE(std::memcmp(row + cols, codes.data() + code * r, code) == 0);
      REQUIRE(std::memcmp(row + cols + code, values.data() + code * r, code * sizeof(float)) == 0);
    }
  }
}

}  // namespace

TEST_CASE("the exported C header compiles as C99 and gives the library's bytes", "[quant][c-header]") {
  // mnist-dense's encoder: one ReLU layer, int8 codes.
  check_header("mnist", reference::kMnistDense, 11, true);
  // tanh and sigmoid tables, a ReLU and a linear code layer: every mode, scratch reuse.
  check_header("deep",
               NetworkSpec(Shape::vector(23))
                   .dense(31, Activation::tanh)
                   .dense(17, Activation::sigmoid)
                   .dense(40, Activation::relu)
                   .dense(6, Activation::identity)
                   .code()
                   .dense(23, Activation::sigmoid),
               12, false);
  // A sigmoid code layer: the table gives int8 codes.
  check_header("sigmoid_code", reference::kIdentity838, 13, false);
}

TEST_CASE("the exported C header runs conv encoders with the library's bytes", "[quant][c-header][conv]") {
  // mnist-conv's encoder: 'same' 3x3 convolutions, poolings, a pooled int8 code.
  check_header("mnist_conv", reference::kMnistConv, 14, true);
  // Odd channel counts, 5x5 stride 2, 1x1, 'valid', a tanh table and a dense code after
  // a pooling.
  check_header("conv_mixed",
               NetworkSpec(Shape{3, 9, 7})
                   .conv2d(5, 5, 2, Padding::same, Activation::tanh)
                   .conv2d(7, 1, 1, Padding::valid, Activation::relu)
                   .max_pool2d()
                   .conv2d(6, 2, 1, Padding::valid, Activation::sigmoid)
                   .dense(9, Activation::identity)
                   .code()
                   .dense(189, Activation::sigmoid),
               15, false);
}

TEST_CASE("save_c_header rejects names that are not C identifiers and empty models", "[quant][c-header][bad-input]") {
  QuantizedModel empty;
  Status s = save_c_header(test::temp_path("x.h"), empty, "ok_name");
  CHECK(std::string(s.message()).find("quantize() a network first") != std::string::npos);
  for (const char* bad : {"", "9lives", "has-dash", "sp ace"}) {
    s = save_c_header(test::temp_path("x.h"), empty, bad);
    CHECK(s.code() == StatusCode::invalid_argument);
    CHECK(std::string(s.message()).find("is not a C identifier") != std::string::npos);
  }
  // A threshold on an encoder: it has no score; nothing is written.
  QuantizedModel encoder;
  encoder.num_layers = 2;
  encoder.code_layer = 1;
  const std::string path = test::temp_path("encoder_threshold.h");
  std::remove(path.c_str());
  s = save_c_header(path, encoder, "ok_name", 100);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(std::string(s.message()).find("a score threshold needs the whole network") != std::string::npos);
  CHECK(std::fopen(path.c_str(), "rb") == nullptr);
}

namespace {

// Quantizes spec's whole network, exports it with a threshold (the median score) and
// checks the C driver's codes, reconstructions, decodes, scores and flags against the
// library on every ISA.
void check_whole_header(const char* label, const NetworkSpec& spec, std::uint64_t seed) {
  INFO(label);
  SeededNetwork seeded(spec, seed);
  Network& net = seeded.net;
  Rng& rng = seeded.rng;
  const auto cols = static_cast<std::int32_t>(spec.input.size());
  const std::int32_t rows = 41;
  std::vector<float> x(static_cast<std::size_t>(rows) * cols);
  for (float& v : x) v = rng.uniform();
  ArenaBuffer memory;
  const QuantizeScope whole = QuantizeScope::whole_network;
  REQUIRE(memory.allocate(quantized_model_bytes(spec, whole) + quantize_work_bytes(spec, whole)).ok());
  QuantizedModel model;
  QuantizeOptions options;
  options.scope = whole;
  options.fixed_input_range = true;
  REQUIRE(quantize(net, x.data(), rows, cols, options, memory.arena(), &model).ok());
  std::vector<std::uint8_t> in(x.size());
  model.quantize_input(x.data(), static_cast<std::int64_t>(x.size()), in.data());

  const std::size_t code = static_cast<std::size_t>(model.code_size);
  const std::size_t output = static_cast<std::size_t>(model.output_size);
  std::vector<std::int8_t> codes(code * rows);
  std::vector<std::uint8_t> recon(output * rows);
  std::vector<std::int64_t> scores(static_cast<std::size_t>(rows));
  {
    ArenaBuffer q_memory;
    REQUIRE(q_memory.allocate(quantized_network_bytes(spec, 8, whole)).ok());
    QuantizedNetwork q;
    REQUIRE(q.setup(model, 8, q_memory.arena(), "scalar").ok());
    REQUIRE(q.encode(in.data(), rows, codes.data()).ok());
    REQUIRE(q.reconstruct(in.data(), rows, recon.data()).ok());
    REQUIRE(q.score(in.data(), rows, scores.data()).ok());
  }
  std::vector<std::int64_t> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  const std::int64_t threshold = sorted[sorted.size() / 2];

  const std::string dir = test::temp_path(std::string("c_header_whole_") + label);
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()) == 0);
  REQUIRE(save_c_header(dir + "/model.h", model, "tae", threshold).ok());
  const std::string text = read_all(dir + "/model.h");
  CHECK(text.find("#define TAE_SCORE_THRESHOLD INT64_C(" + std::to_string(threshold) + ")") != std::string::npos);
  const std::string build = std::string(TINYAE_C_COMPILER) +
                            " -std=c99 -Wall -Wextra -pedantic -Wconversion -Werror -O2 -I" + dir +
                            " " + TINYAE_C_WHOLE_DRIVER + " -o " + dir + "/driver 2>&1";
  INFO(build);
  REQUIRE(std::system(build.c_str()) == 0);
  {
    std::ofstream f(dir + "/samples.u8", std::ios::binary);
    f.write(reinterpret_cast<const char*>(in.data()), static_cast<std::streamsize>(in.size()));
  }
  const std::string run = std::string(TINYAE_C_EMULATOR) + " " + dir + "/driver " + dir +
                          "/samples.u8 " + dir + "/out.bin";
  INFO(run);
  REQUIRE(std::system(run.c_str()) == 0);
  const std::string out = read_all(dir + "/out.bin");
  const std::size_t per_row = code + 2 * output + 8 + 4;
  REQUIRE(out.size() == per_row * rows);
  std::int32_t flagged = 0;
  for (const char* const* name = kernels::kI8IsaNames; *name != nullptr; ++name) {
    if (kernels::i8_for(*name) == nullptr) continue;
    INFO("isa " << *name);
    ArenaBuffer q_memory;
    REQUIRE(q_memory.allocate(quantized_network_bytes(spec, 8, whole)).ok());
    QuantizedNetwork q;
    REQUIRE(q.setup(model, 8, q_memory.arena(), *name).ok());
    std::vector<std::uint8_t> got(recon.size());
    REQUIRE(q.reconstruct(in.data(), rows, got.data()).ok());
    REQUIRE(got == recon);
  }
  for (std::int32_t r = 0; r < rows; ++r) {
    INFO("row " << r);
    const char* row = out.data() + per_row * static_cast<std::size_t>(r);
    REQUIRE(std::memcmp(row, codes.data() + code * r, code) == 0);
    REQUIRE(std::memcmp(row + code, recon.data() + output * r, output) == 0);
    REQUIRE(std::memcmp(row + code + output, recon.data() + output * r, output) == 0);
    std::int64_t score = 0;
    std::int32_t flag = 0;
    std::memcpy(&score, row + code + 2 * output, 8);
    std::memcpy(&flag, row + code + 2 * output + 8, 4);
    REQUIRE(score == scores[static_cast<std::size_t>(r)]);
    REQUIRE(flag == (score > threshold ? 1 : 0));
    flagged += flag;
  }
  CHECK(flagged > 0);
  CHECK(flagged < rows);
}

}  // namespace

TEST_CASE("the exported whole-network header reconstructs, decodes and scores with the library's bytes",
          "[quant][c-header][decoder]") {
  // mnist-dense: ReLU code, sigmoid output through its table.
  check_whole_header("mnist", reference::kMnistDense, 21);
  // mnist-conv's denoiser: convolutions, poolings, a pooled code, resizes.
  check_whole_header("mnist_conv", reference::kMnistConv, 22);
  // Odd sizes, tanh, stride 2, 'valid', a dense code between convolutions.
  check_whole_header("mixed",
                     NetworkSpec(Shape{2, 7, 5})
                         .conv2d(3, 3, 2, Padding::same, Activation::tanh)
                         .dense(5, Activation::identity)
                         .code()
                         .dense(24, Activation::relu)
                         .dense(70, Activation::sigmoid),
                     23);
}
