// Inference on a caller's const parameter block (Network::setup with const float*,
// arena_bytes_const_parameters), init_parameters, and the float C++ header export
// (save_float_c_header), compiled by this build's C++ compiler.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinyae/io.hpp"
#include "tinyae/reference_systems.hpp"
#include "tinyae/tinyae.hpp"

using namespace tinyae;

namespace {

// Every kind of layer: conv (padded weights), pool, dense code, resize-free decoder.
constexpr NetworkSpec kConv = NetworkSpec(Shape{1, 6, 6})
                                  .conv2d(3, 3, 1, Padding::same, Activation::relu)
                                  .max_pool2d()
                                  .dense(5, Activation::tanh)
                                  .code()
                                  .dense(36, Activation::sigmoid);
constexpr NetworkSpec kDense = NetworkSpec(Shape::vector(23))
                                   .dense(7, Activation::relu)
                                   .code()
                                   .dense(23, Activation::sigmoid);

// The block is a compile-time size, smaller than the owning network's by the parameters.
static_assert(arena_bytes_const_parameters(reference::kMnistDense, 1) + 50 * 1024 <
                  arena_bytes(reference::kMnistDense, 1),
              "the const set-up keeps no parameters in the arena");
static_assert(arena_bytes_const_parameters(kConv, 0) == 0, "0 for a bad batch, as arena_bytes");

// Seeded weights and non-zero biases (init_parameters leaves biases zero).
std::vector<float> parameters(const NetworkSpec& spec, std::uint64_t seed) {
  std::vector<float> p(static_cast<std::size_t>(spec.parameter_floats()));
  REQUIRE(init_parameters(spec, seed, p.data(), spec.parameter_floats()).ok());
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    for (std::int64_t j = 0; j < spec.bias_count(l); ++j) {
      p[static_cast<std::size_t>(spec.bias_offset(l) + j)] = 0.01f * static_cast<float>(j % 7) - 0.03f;
    }
  }
  return p;
}

std::vector<float> inputs(const NetworkSpec& spec, std::int32_t rows) {
  std::vector<float> x(static_cast<std::size_t>(rows * spec.input.size()));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37 + 11) % 101) / 100.0f;
  return x;
}

// Codes and reconstructions of both networks, compared bit for bit.
void check_same_outputs(Network& a, Network& b, const std::vector<float>& x, std::int32_t rows) {
  const NetworkSpec& spec = a.spec();
  const auto cols = static_cast<std::int32_t>(spec.input.size());
  const auto code = static_cast<std::size_t>(spec.code_shape().size());
  const std::size_t codes = static_cast<std::size_t>(rows) * code;
  std::vector<float> ca(codes), cb(codes, 1.0f), ra(x.size()), rb(x.size(), 1.0f);
  REQUIRE(a.encode(x.data(), rows, cols, ca.data()).ok());
  REQUIRE(b.encode(x.data(), rows, cols, cb.data()).ok());
  REQUIRE(a.reconstruct(x.data(), rows, cols, ra.data()).ok());
  REQUIRE(b.reconstruct(x.data(), rows, cols, rb.data()).ok());
  CHECK(std::memcmp(ca.data(), cb.data(), ca.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(ra.data(), rb.data(), ra.size() * sizeof(float)) == 0);
}

bool same_spec(const NetworkSpec& a, const NetworkSpec& b) {
  if (!(a.input == b.input) || a.num_layers != b.num_layers || a.code_layer != b.code_layer) return false;
  for (std::int32_t l = 0; l < a.num_layers; ++l) {
    const LayerSpec& x = a.layers[l];
    const LayerSpec& y = b.layers[l];
    if (x.kind != y.kind || x.activation != y.activation || !(x.output == y.output) || x.kernel != y.kernel ||
        x.stride != y.stride || x.padding != y.padding) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("init_parameters gives a trainable set-up's initial parameters, bit for bit", "[const]") {
  for (const NetworkSpec* spec : {&kConv, &kDense, &reference::kMnistDense, &reference::kMnistConv}) {
    for (std::uint64_t seed : {1ull, 42ull, 0x9e3779b97f4a7c15ull}) {
      TrainConfig config;
      config.batch_size = 2;
      config.seed = seed;
      ArenaBuffer memory;
      REQUIRE(memory.allocate(arena_bytes(*spec, config)).ok());
      Network net;
      REQUIRE(net.setup(*spec, config, memory.arena()).ok());
      std::vector<float> p(static_cast<std::size_t>(spec->parameter_floats()), 7.0f);  // padding too
      REQUIRE(init_parameters(*spec, seed, p.data(), spec->parameter_floats()).ok());
      CHECK(std::memcmp(p.data(), static_cast<const Network&>(net).parameters(), p.size() * sizeof(float)) == 0);
    }
  }
  std::vector<float> p(static_cast<std::size_t>(kDense.parameter_floats()));
  const Status s = init_parameters(kDense, 1, p.data(), kDense.parameter_count());
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(std::string(s.message()).find("parameter_floats()") != std::string::npos);
  CHECK(init_parameters(kDense, 1, nullptr, kDense.parameter_floats()).code() == StatusCode::invalid_argument);
}

TEST_CASE("a network on const parameters gives the owning network's outputs, bit for bit", "[const]") {
  for (const NetworkSpec* spec : {&kConv, &kDense, &reference::kMnistDense}) {
    for (std::int32_t max_batch : {1, 3, 64}) {
      const std::vector<float> p = parameters(*spec, 5);
      const std::int32_t rows = 7;
      const std::vector<float> x = inputs(*spec, rows);
      ArenaBuffer owning_memory;
      REQUIRE(owning_memory.allocate(arena_bytes(*spec, max_batch)).ok());
      Network owning;
      REQUIRE(owning.setup(*spec, max_batch, owning_memory.arena()).ok());
      std::memcpy(owning.parameters(), p.data(), p.size() * sizeof(float));

      ArenaBuffer memory;
      REQUIRE(memory.allocate(arena_bytes_const_parameters(*spec, max_batch)).ok());
      Network flash;
      REQUIRE(flash.setup(*spec, p.data(), spec->parameter_floats(), max_batch, memory.arena()).ok());
      CHECK(memory.arena().used() == arena_bytes_const_parameters(*spec, max_batch));
      CHECK(memory.arena().available() == 0);
      CHECK(flash.read_only());
      CHECK(static_cast<const Network&>(flash).parameters() == p.data());  // read in place, not copied
      check_same_outputs(owning, flash, x, rows);
      Metrics mo, mf;
      REQUIRE(owning.evaluate(x.data(), rows, static_cast<std::int32_t>(spec->input.size()), &mo).ok());
      REQUIRE(flash.evaluate(x.data(), rows, static_cast<std::int32_t>(spec->input.size()), &mf).ok());
      CHECK(mo.sse == mf.sse);
    }
  }
}

TEST_CASE("the const set-up takes exactly arena_bytes_const_parameters", "[const]") {
  const std::vector<float> p = parameters(kConv, 3);
  const std::size_t need = arena_bytes_const_parameters(kConv, 4);
  test::OwnedArena memory(need);
  {
    Arena small(memory.base, need - 1);
    Network net;
    const Status s = net.setup(kConv, p.data(), kConv.parameter_floats(), 4, small);
    CHECK(s.code() == StatusCode::arena_too_small);
    CHECK(std::string(s.message()).find("missing 1") != std::string::npos);
    CHECK(small.used() == 0);
  }
  Arena exact(memory.base, need);
  Network net;
  REQUIRE(net.setup(kConv, p.data(), kConv.parameter_floats(), 4, exact).ok());
  CHECK(exact.available() == 0);
}

TEST_CASE("the const set-up rejects a block that does not fit the spec", "[const]") {
  std::vector<float> p = parameters(kDense, 3);
  ArenaBuffer memory;
  REQUIRE(memory.allocate(arena_bytes_const_parameters(kDense, 1)).ok());
  Network net;
  for (std::int64_t floats : {kDense.parameter_count(), kDense.parameter_floats() - 1,
                              kDense.parameter_floats() + 1, std::int64_t{0}}) {
    const Status s = net.setup(kDense, p.data(), floats, 1, memory.arena());
    CHECK(s.code() == StatusCode::invalid_argument);
    CHECK(std::string(s.message()).find("spec needs parameter_floats() = " +
                                        std::to_string(kDense.parameter_floats())) != std::string::npos);
    CHECK(memory.arena().used() == 0);
  }
  CHECK(net.setup(kDense, nullptr, kDense.parameter_floats(), 1, memory.arena()).code() ==
        StatusCode::invalid_argument);
  p[5] = std::nanf("");
  const Status nan = net.setup(kDense, p.data(), kDense.parameter_floats(), 1, memory.arena());
  CHECK(nan.code() == StatusCode::non_finite);
  CHECK(std::string(nan.message()).find("parameter 5") != std::string::npos);
  CHECK(memory.arena().used() == 0);
}

TEST_CASE("a network on const parameters never writes them", "[const]") {
  const std::vector<float> p = parameters(kDense, 9);
  const std::vector<float> before = p;
  ArenaBuffer memory;
  REQUIRE(memory.allocate(arena_bytes_const_parameters(kDense, 4)).ok());
  Network net;
  REQUIRE(net.setup(kDense, p.data(), kDense.parameter_floats(), 4, memory.arena()).ok());
  CHECK(net.parameters() == nullptr);
  CHECK(net.weights(0) == nullptr);
  CHECK(net.biases(1) == nullptr);
  const Network& view = net;
  CHECK(view.weights(1) == p.data() + kDense.weight_offset(1));
  CHECK(view.biases(0) == p.data() + kDense.bias_offset(0));
  CHECK_FALSE(net.trainable());
  CHECK(net.gradients() == nullptr);

  const std::vector<float> w(static_cast<std::size_t>(kDense.weight_count(0)), 0.5f);
  const std::vector<float> b(static_cast<std::size_t>(kDense.bias_count(0)), 0.5f);
  const Status set = net.set_layer(0, w.data(), kDense.weight_count(0), b.data(), kDense.bias_count(0));
  CHECK(set.code() == StatusCode::invalid_argument);
  CHECK(std::string(set.message()).find("const parameter block") != std::string::npos);
  const std::vector<float> x = inputs(kDense, 4);
  CHECK(net.fit(x.data(), 4, 23).code() == StatusCode::invalid_argument);
  double objective = 0;
  CHECK(net.compute_gradient(x.data(), 4, 23, &objective).code() == StatusCode::invalid_argument);
  CHECK(p == before);
}

TEST_CASE("the float C++ header compiles and holds the network, bit for bit", "[const]") {
  for (const NetworkSpec* spec : {&kConv, &kDense}) {
    const std::vector<float> p = parameters(*spec, 11);
    const std::string dir = test::temp_path("float_header");
    REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str()) == 0);
    REQUIRE(save_float_c_header(dir + "/model.h", *spec, p.data(), spec->parameter_floats(), "model").ok());
    const std::string build = std::string(TINYAE_CXX_COMPILER) + " -std=c++17 -Wall -Wextra -Werror -I" + dir +
                              " -I" TINYAE_INCLUDE_DIR " " TINYAE_FLOAT_HEADER_DRIVER " -o " + dir + "/driver 2>&1";
    INFO(build);
    REQUIRE(std::system(build.c_str()) == 0);
    const std::string run = std::string(TINYAE_CXX_EMULATOR) + " " + dir + "/driver " + dir + "/out.bin";
    INFO(run);
    REQUIRE(std::system(run.c_str()) == 0);
    const std::string out = test::read_all(dir + "/out.bin");
    REQUIRE(out.size() == sizeof(NetworkSpec) + 16 + p.size() * sizeof(float));
    NetworkSpec read{};
    std::memcpy(&read, out.data(), sizeof read);
    unsigned long long arena = 0;
    long long floats = 0;
    std::memcpy(&arena, out.data() + sizeof read, 8);
    std::memcpy(&floats, out.data() + sizeof read + 8, 8);
    CHECK(arena == arena_bytes_const_parameters(*spec, 3));
    CHECK(floats == spec->parameter_floats());
    REQUIRE(same_spec(read, *spec));
    std::vector<float> block(p.size());
    std::memcpy(block.data(), out.data() + sizeof read + 16, block.size() * sizeof(float));
    CHECK(std::memcmp(block.data(), p.data(), p.size() * sizeof(float)) == 0);

    // Codes of the header's block equal the owning network's.
    ArenaBuffer a, b;
    REQUIRE(a.allocate(arena_bytes(*spec, 3)).ok());
    REQUIRE(b.allocate(arena_bytes_const_parameters(*spec, 3)).ok());
    Network owning, flash;
    REQUIRE(owning.setup(*spec, 3, a.arena()).ok());
    std::memcpy(owning.parameters(), p.data(), p.size() * sizeof(float));
    REQUIRE(flash.setup(read, block.data(), floats, 3, b.arena()).ok());
    check_same_outputs(owning, flash, inputs(*spec, 5), 5);
  }
  std::vector<float> p = parameters(kDense, 1);
  const std::string path = test::temp_path("float_header_bad.h");
  CHECK(save_float_c_header(path, kDense, p.data(), kDense.parameter_count(), "model").code() ==
        StatusCode::invalid_argument);
  CHECK(save_float_c_header(path, kDense, p.data(), kDense.parameter_floats(), "1model").code() ==
        StatusCode::invalid_argument);
  p[3] = INFINITY;
  CHECK(save_float_c_header(path, kDense, p.data(), kDense.parameter_floats(), "model").code() ==
        StatusCode::non_finite);
}

TEST_CASE("set_parameters starts a trainable network from a parameter block, e.g. a header's", "[const]") {
  TrainConfig config;
  config.batch_size = 4;
  config.epochs = 2;
  config.seed = 3;
  const std::vector<float> block = parameters(kDense, 9);  // another network's weights
  ArenaBuffer memory;
  REQUIRE(memory.allocate(arena_bytes(kDense, config)).ok());
  Network net;
  REQUIRE(net.setup(kDense, config, memory.arena()).ok());
  REQUIRE(net.set_parameters(block.data(), kDense.parameter_floats()).ok());
  CHECK(std::memcmp(net.parameters(), block.data(), block.size() * sizeof(float)) == 0);
  // Training goes on from there: the same as a network whose weights were set by hand.
  ArenaBuffer other_memory;
  REQUIRE(other_memory.allocate(arena_bytes(kDense, config)).ok());
  Network by_hand;
  REQUIRE(by_hand.setup(kDense, config, other_memory.arena()).ok());
  std::memcpy(by_hand.parameters(), block.data(), block.size() * sizeof(float));
  const std::vector<float> x = inputs(kDense, 8);
  const auto cols = static_cast<std::int32_t>(kDense.input.size());
  REQUIRE(net.fit(x.data(), 8, cols).ok());
  REQUIRE(by_hand.fit(x.data(), 8, cols).ok());
  CHECK(std::memcmp(net.parameters(), by_hand.parameters(), block.size() * sizeof(float)) == 0);

  // Bad blocks change nothing.
  const std::vector<float> before(net.parameters(), net.parameters() + kDense.parameter_floats());
  Status s = net.set_parameters(block.data(), kDense.parameter_floats() - 1);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("parameter_floats()"));
  std::vector<float> nan_block = block;
  nan_block[5] = std::nanf("");
  s = net.set_parameters(nan_block.data(), kDense.parameter_floats());
  CHECK(s.code() == StatusCode::non_finite);
  CHECK_THAT(std::string(s.message()), Catch::Contains("float 5"));
  CHECK(net.set_parameters(nullptr, kDense.parameter_floats()).code() == StatusCode::invalid_argument);
  CHECK(std::equal(before.begin(), before.end(), net.parameters()));
  // A const (flash) network cannot be written, and one never set up has nothing to set.
  ArenaBuffer flash_memory;
  REQUIRE(flash_memory.allocate(arena_bytes_const_parameters(kDense, 1)).ok());
  Network flash;
  REQUIRE(flash.setup(kDense, block.data(), kDense.parameter_floats(), 1, flash_memory.arena()).ok());
  CHECK_THAT(std::string(flash.set_parameters(block.data(), kDense.parameter_floats()).message()),
             Catch::Contains("read-only"));
  Network never;
  CHECK_THAT(std::string(never.set_parameters(block.data(), kDense.parameter_floats()).message()),
             Catch::Contains("not set up"));
}
