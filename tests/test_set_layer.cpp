// Network::set_layer: a layer's parameters in the spec's layout, shape-checked, copied
// into the padded parameter block; bad input changes nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

using namespace tinyae;

namespace {

// 1x6x6 -> conv 3 filters 3x3 -> pool -> dense 5 (code) -> dense 36: every kind of
// parameter layout, and a layer (the pool) without parameters. Dense 27 -> 5 has 135
// weights, so its biases start after padding.
constexpr NetworkSpec kSpec = NetworkSpec(Shape{1, 6, 6})
                                  .conv2d(3, 3, 1, Padding::same, Activation::relu)
                                  .max_pool2d()
                                  .dense(5, Activation::tanh)
                                  .code()
                                  .dense(36, Activation::sigmoid);

// Distinct values per layer, so a copy to the wrong place shows.
std::vector<float> values(std::int64_t n, float base) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = base + 0.001f * static_cast<float>(i);
  return v;
}

struct Net {
  ArenaBuffer memory;
  Network net;
  explicit Net(bool trainable) {
    TrainConfig config;
    config.batch_size = 4;
    REQUIRE(memory.allocate(trainable ? arena_bytes(kSpec, config) : arena_bytes(kSpec, 4)).ok());
    REQUIRE((trainable ? net.setup(kSpec, config, memory.arena()) : net.setup(kSpec, 4, memory.arena())).ok());
  }
};

std::vector<float> block(const Network& net) {
  return std::vector<float>(net.parameters(), net.parameters() + net.spec().parameter_floats());
}

}  // namespace

TEST_CASE("set_layer: each layer's values land where the model file and the layers read them", "[set_layer]") {
  for (const bool trainable : {false, true}) {
    INFO("trainable " << trainable);
    Net n(trainable);
    std::vector<std::vector<float>> w(4);
    std::vector<std::vector<float>> b(4);
    for (std::int32_t l : {0, 2, 3}) {
      w[l] = values(kSpec.weight_count(l), float(l) + 0.5f);
      b[l] = values(kSpec.bias_count(l), -float(l) - 0.5f);
      REQUIRE(n.net.set_layer(l, w[l].data(), kSpec.weight_count(l), b[l].data(), kSpec.bias_count(l)).ok());
    }
    // Read back through the model file (save_model walks the spec's offsets).
    const std::string path = test::temp_path("set_layer.tae");
    REQUIRE(save_model(path, n.net).ok());
    Model m;
    REQUIRE(load_model(path, &m).ok());
    std::vector<float> want;
    for (std::int32_t l : {0, 2, 3}) {
      want.insert(want.end(), w[l].begin(), w[l].end());
      want.insert(want.end(), b[l].begin(), b[l].end());
    }
    CHECK(m.parameters == want);
    // The padding between tensors stays zero.
    const std::vector<float> all = block(n.net);
    for (std::int32_t l : {0, 2, 3}) {
      for (std::int64_t i = kSpec.weight_offset(l) + kSpec.weight_count(l); i < kSpec.bias_offset(l); ++i) {
        REQUIRE(all[static_cast<std::size_t>(i)] == 0.0f);
      }
    }
  }
}

TEST_CASE("set_layer: a dense layer's weights are out x in, as its forward pass reads them", "[set_layer]") {
  // 3 -> 2 (code, identity) -> 3: the code of a one-hot input is column i of W0 plus b0.
  constexpr NetworkSpec spec =
      NetworkSpec(Shape::vector(3)).dense(2, Activation::identity).code().dense(3, Activation::identity);
  ArenaBuffer memory;
  Network net;
  REQUIRE(memory.allocate(arena_bytes(spec, 3)).ok());
  REQUIRE(net.setup(spec, 3, memory.arena()).ok());
  const float w0[6] = {1, 2, 3, 4, 5, 6};  // row o = unit o's weights on inputs 0..2
  const float b0[2] = {10, 20};
  REQUIRE(net.set_layer(0, w0, 6, b0, 2).ok());
  const float eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  float code[6];
  REQUIRE(net.encode(eye, 3, 3, code).ok());
  for (int i = 0; i < 3; ++i) {
    CHECK(code[i * 2 + 0] == w0[0 * 3 + i] + b0[0]);
    CHECK(code[i * 2 + 1] == w0[1 * 3 + i] + b0[1]);
  }
}

TEST_CASE("set_layer: bad input is the documented error and changes nothing", "[set_layer][bad-input]") {
  Net n(false);
  const std::vector<float> w0 = values(kSpec.weight_count(0), 0.25f);
  const std::vector<float> b0 = values(kSpec.bias_count(0), 0.75f);
  REQUIRE(n.net.set_layer(0, w0.data(), 27, b0.data(), 3).ok());
  const std::vector<float> before = block(n.net);
  const std::vector<float> w2 = values(kSpec.weight_count(2), 1.0f);
  const std::vector<float> b2 = values(kSpec.bias_count(2), 2.0f);
  std::vector<float> nan_w = w2;
  nan_w[17] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> inf_b = b2;
  inf_b[4] = -std::numeric_limits<float>::infinity();

  struct Case {
    Status status;
    StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {n.net.set_layer(-1, w2.data(), 135, b2.data(), 5), StatusCode::invalid_argument,
       "set_layer: no layer -1 (the network has layers 0 to 3)"},
      {n.net.set_layer(4, w2.data(), 135, b2.data(), 5), StatusCode::invalid_argument,
       "set_layer: no layer 4 (the network has layers 0 to 3)"},
      {n.net.set_layer(1, w2.data(), 0, b2.data(), 0), StatusCode::invalid_argument,
       "set_layer: layer 1 (max_pool2d) has no parameters"},
      {n.net.set_layer(2, w2.data(), 134, b2.data(), 5), StatusCode::invalid_argument,
       "set_layer: layer 2 (dense) takes 135 weights and 5 biases, got 134 and 5"},
      {n.net.set_layer(0, w0.data(), 27, b0.data(), 4), StatusCode::invalid_argument,
       "set_layer: layer 0 (conv2d) takes 27 weights and 3 biases, got 27 and 4"},
      {n.net.set_layer(2, nullptr, 135, b2.data(), 5), StatusCode::invalid_argument,
       "set_layer: weights or bias is null"},
      {n.net.set_layer(2, nan_w.data(), 135, b2.data(), 5), StatusCode::non_finite,
       "set_layer: layer 2 weight 17 is nan"},
      {n.net.set_layer(2, w2.data(), 135, inf_b.data(), 5), StatusCode::non_finite,
       "set_layer: layer 2 bias 4 is -inf"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    CHECK(c.status.code() == c.code);
    CHECK(std::string(c.status.message()) == c.message);
  }
  CHECK(block(n.net) == before);

  Network empty;
  const Status s = empty.set_layer(0, w0.data(), 27, b0.data(), 3);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(std::string(s.message()) == "set_layer: the network is not set up");
}
