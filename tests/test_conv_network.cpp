// Networks with image layers: mnist-conv's shapes, parameters and arena, the encoder
// alone, thread-count independence, model files, and spec validation.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

constexpr NetworkSpec kConv = reference::kMnistConv;

std::vector<float> pixels(std::int32_t rows, std::int64_t cols) {
  std::vector<float> x(static_cast<std::size_t>(rows * cols));
  unsigned s = 12345;
  for (float& v : x) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(s >> 8) / 16777216.0f;
  }
  return x;
}

// A small image autoencoder that uses every lowering and both delta buffers.
constexpr NetworkSpec kSmall = NetworkSpec(Shape{1, 12, 12})
                                   .conv2d(8, 3, 1, Padding::same, Activation::relu)
                                   .max_pool2d()
                                   .conv2d(4, 3, 2, Padding::same, Activation::relu)
                                   .code()
                                   .resize(6, 6)
                                   .conv2d(8, 3, 1, Padding::same, Activation::relu)
                                   .resize(12, 12)
                                   .conv2d(1, 3, 1, Padding::same, Activation::sigmoid);

}  // namespace

TEST_CASE("mnist-conv has the shapes, parameter count and arena of its design", "[reference][mnist-conv]") {
  static_assert(kConv.num_layers == 13);
  static_assert(kConv.code_layer == 5);
  static_assert(kConv.code_shape() == Shape{8, 4, 4});
  const Shape expected[] = {{16, 28, 28}, {16, 14, 14}, {8, 14, 14}, {8, 7, 7}, {8, 7, 7},
                            {8, 4, 4},    {8, 7, 7},    {8, 7, 7},   {8, 14, 14}, {8, 14, 14},
                            {8, 28, 28},  {16, 28, 28}, {1, 28, 28}};
  for (std::int32_t l = 0; l < kConv.num_layers; ++l) {
    INFO("layer " << l);
    CHECK(kConv.layers[l].output == expected[l]);
  }
  CHECK(validate(kConv).ok());
  // filters x (3 * 3 * input channels + 1 bias) for each convolution, as PyTorch counts.
  const int convs[][2] = {{1, 16}, {16, 8}, {8, 8}, {8, 8}, {8, 8}, {8, 16}, {16, 1}};
  std::int64_t count = 0;
  for (const auto& c : convs) count += c[1] * (9 * c[0] + 1);
  CHECK(count == 4385);
  CHECK(kConv.parameter_count() == count);

  // Training and inference arenas are exact, and the compile-time size works.
  constexpr TrainConfig config = reference::mnist_conv_config();
  constexpr std::size_t train_bytes = arena_bytes(kConv, config);
  static_assert(train_bytes > 0);
  for (const std::size_t need : {train_bytes, arena_bytes(kConv, 64)}) {
    test::OwnedArena exact(need);
    Network net;
    const Status s = need == train_bytes ? net.setup(kConv, config, exact.arena)
                                         : net.setup(kConv, 64, exact.arena);
    REQUIRE(s.ok());
    CHECK(exact.arena.used() == need);
    test::OwnedArena short_by_one(need - 1);
    Network too_small;
    const Status t = need == train_bytes ? too_small.setup(kConv, config, short_by_one.arena)
                                         : too_small.setup(kConv, 64, short_by_one.arena);
    CHECK(t.code() == StatusCode::arena_too_small);
  }
}

TEST_CASE("the encoder half runs alone and matches the full network's code layer", "[mnist-conv]") {
  test::OwnedArena memory(arena_bytes(kConv, 16));
  Network net;
  REQUIRE(net.setup(kConv, 16, memory.arena).ok());
  for (std::int32_t l = 0; l < kConv.num_layers; ++l) {
    for (std::int64_t i = 0; i < kConv.weight_count(l); ++i) {
      net.weights(l)[i] = 0.3f * static_cast<float>((i * 7 + l) % 11) / 11.0f - 0.1f;
    }
  }
  const std::int32_t rows = 20;  // more than the batch: runs in two steps
  const std::vector<float> x = pixels(rows, 784);
  std::vector<float> code(static_cast<std::size_t>(rows) * 128, -1.0f);
  REQUIRE(net.encode(x.data(), rows, 784, code.data()).ok());
  // The code of a sample does not depend on the others in its batch.
  std::vector<float> one(128);
  REQUIRE(net.encode(x.data() + 784 * 17, 1, 784, one.data()).ok());
  for (int j = 0; j < 128; ++j) CHECK(one[static_cast<std::size_t>(j)] == Approx(code[17 * 128 + static_cast<std::size_t>(j)]).margin(1e-6));
  bool any_positive = false;
  for (float v : code) {
    CHECK(v >= 0.0f);  // ReLU then max pooling
    any_positive = any_positive || v > 0.0f;
  }
  CHECK(any_positive);
}

TEST_CASE("conv training gives the same weights on 1 and 2 threads", "[conv][threads]") {
  const std::int32_t rows = 40;
  const std::vector<float> x = pixels(rows, kSmall.input.size());
  std::vector<float> result[2];
  for (std::int32_t threads : {1, 2}) {
    TrainConfig config;
    config.loss = Loss::bce;
    config.batch_size = 16;
    config.batch_parts = 4;
    config.threads = threads;
    config.epochs = 2;
    config.noise_stddev = 0.2f;
    test::OwnedArena memory(arena_bytes(kSmall, config));
    Network net;
    REQUIRE(net.setup(kSmall, config, memory.arena).ok());
    REQUIRE(net.fit(x.data(), rows, static_cast<std::int32_t>(kSmall.input.size())).ok());
    result[threads - 1].assign(net.parameters(), net.parameters() + kSmall.parameter_floats());
  }
  CHECK(result[0] == result[1]);
}

TEST_CASE("a conv model file round trips and reconstructs the same", "[conv][io][model]") {
  TrainConfig config;
  config.loss = Loss::bce;
  config.batch_size = 8;
  config.epochs = 1;
  test::OwnedArena memory(arena_bytes(kSmall, config));
  Network net;
  REQUIRE(net.setup(kSmall, config, memory.arena).ok());
  const std::vector<float> x = pixels(8, kSmall.input.size());
  REQUIRE(net.fit(x.data(), 8, 144).ok());
  const std::string path = test::temp_path("conv_model.tae");
  REQUIRE(save_model(path, net).ok());
  Model m;
  REQUIRE(load_model(path, &m).ok());
  for (std::int32_t l = 0; l < kSmall.num_layers; ++l) {
    CHECK(m.spec.layers[l].kind == kSmall.layers[l].kind);
    CHECK(m.spec.layers[l].kernel == kSmall.layers[l].kernel);
    CHECK(m.spec.layers[l].stride == kSmall.layers[l].stride);
    CHECK(m.spec.layers[l].padding == kSmall.layers[l].padding);
    CHECK(m.spec.layers[l].output == kSmall.layers[l].output);
  }
  test::OwnedArena inference_memory(arena_bytes(m.spec, 8));
  Network loaded;
  REQUIRE(loaded.setup(m.spec, 8, inference_memory.arena).ok());
  REQUIRE(set_parameters(m, &loaded).ok());
  std::vector<float> a(x.size());
  std::vector<float> b(x.size());
  REQUIRE(net.reconstruct(x.data(), 8, 144, a.data()).ok());
  REQUIRE(loaded.reconstruct(x.data(), 8, 144, b.data()).ok());
  CHECK(a == b);
  std::remove(path.c_str());
}

TEST_CASE("image layers with impossible settings are clear errors", "[conv][spec][bad-input]") {
  auto message = [](const NetworkSpec& s) { return std::string(validate(s).message()); };
  const NetworkSpec in = NetworkSpec(Shape{1, 4, 4});
  CHECK(message(in.conv2d(2, 5, 1, Padding::valid, Activation::relu).code().resize(4, 4)
                    .conv2d(1, 1, 1, Padding::valid, Activation::sigmoid))
            .find("does not fit its 4x4 input") != std::string::npos);
  CHECK(message(in.conv2d(2, 3, 0, Padding::same, Activation::relu).code())
            .find("kernel 3 and stride 0") != std::string::npos);
  CHECK(message(in.conv2d(2, 300, 1, Padding::same, Activation::relu).code())
            .find("kernel 1 to 255") != std::string::npos);
  NetworkSpec bad_pool = in.max_pool2d().code().resize(4, 4);
  bad_pool.layers[0].output = Shape{1, 3, 3};
  CHECK(message(bad_pool).find("max_pool2d layer 0 must be 2x2") != std::string::npos);
  NetworkSpec bad_resize = in.resize(8, 8).code().max_pool2d();
  bad_resize.layers[0].output.channels = 2;
  CHECK(message(bad_resize).find("changes the channels from 1 to 2") != std::string::npos);
  CHECK(validate(in.max_pool2d().code().resize(4, 4)).ok());
}
