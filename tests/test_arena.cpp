#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace tinyae;

namespace {

constexpr NetworkSpec kIdentity = reference::kIdentity838;

constexpr TrainConfig sgd_batch1() {
  TrainConfig c;
  c.optimizer = Optimizer::sgd;
  c.batch_size = 1;
  return c;
}

// Usable for a static buffer: the whole point of constexpr arena_bytes.
alignas(kAlignment) unsigned char g_static_memory[arena_bytes(kIdentity, sgd_batch1())];

}  // namespace

TEST_CASE("allocations are aligned and rounded and exhaustion says what is missing", "[arena]") {
  test::OwnedArena buffer(256);
  Arena arena(buffer.base + 1, 255);  // unaligned start loses 63 bytes
  CHECK(arena.capacity() == 192);
  void* a = nullptr;
  REQUIRE(arena.allocate(10, &a).ok());
  CHECK(reinterpret_cast<std::uintptr_t>(a) % kAlignment == 0);
  CHECK(arena.used() == 64);
  void* b = nullptr;
  Status s = arena.allocate(200, &b);
  CHECK(s.code() == StatusCode::arena_too_small);
  CHECK(b == nullptr);
  CHECK(std::string(s.message()) == "arena too small: requested 256 bytes, available 128, missing 128");
  CHECK(arena.used() == 64);
  arena.rewind(0);
  CHECK(arena.available() == 192);
}

TEST_CASE("a static buffer sized at compile time holds the network", "[arena]") {
  static_assert(sizeof g_static_memory > 0);
  Arena arena(g_static_memory, sizeof g_static_memory);
  Network net;
  REQUIRE(net.setup(kIdentity, sgd_batch1(), arena).ok());
  CHECK(arena.used() == sizeof g_static_memory);
}

namespace {

// Setup on an arena of exactly `need` bytes uses all of it; one byte less fails cleanly.
template <class Setup>
void check_exact(std::size_t need, Setup setup) {
  test::OwnedArena buffer(need);
  {
    Arena exact(buffer.base, need);
    Network net;
    REQUIRE(setup(net, exact).ok());
    CHECK(exact.used() == need);
  }
  Arena short_by_one(buffer.base, need - 1);
  Network net;
  const Status s = setup(net, short_by_one);
  CHECK(s.code() == StatusCode::arena_too_small);
  CHECK(std::string(s.message()).find("missing 1") != std::string::npos);
  CHECK(short_by_one.used() == 0);  // nothing kept from a failed setup
  CHECK_FALSE(net.trainable());
}

// Every TrainConfig field that changes what setup takes, alone and in the combinations
// the reference systems use.
std::vector<TrainConfig> configs_for(const NetworkSpec& spec) {
  const bool hidden_code = spec.code_layer + 1 < spec.num_layers;
  const bool sigmoid_code = hidden_code && spec.layers[spec.code_layer].activation == Activation::sigmoid;
  std::vector<TrainConfig> configs;
  for (Optimizer opt : {Optimizer::sgd, Optimizer::momentum, Optimizer::adam, Optimizer::lbfgs}) {
    for (std::int32_t batch : {1, 7, 256}) {
      for (std::int32_t parts : {1, 3, 4, 64}) {
        TrainConfig c;
        c.optimizer = opt;
        c.batch_size = batch;
        c.batch_parts = parts;
        configs.push_back(c);
      }
    }
  }
  const std::size_t plain = configs.size();
  for (std::size_t i = 0; i < plain; i += 3) {  // a third of them again with each extra
    TrainConfig c = configs[i];
    if (c.optimizer != Optimizer::lbfgs) {  // L-BFGS needs a fixed objective: no noise
      c.noise_stddev = 0.5f;
      configs.push_back(c);
    }
    c.weight_decay = 1e-3f;
    configs.push_back(c);
    if (hidden_code) {
      c.activity_l1 = 1e-3f;
      configs.push_back(c);
    }
    if (sigmoid_code) {
      c.sparsity_weight = 3.0f;
      c.sparsity_target = 0.1f;
      configs.push_back(c);
      c.activity_l1 = 0.0f;
      configs.push_back(c);
    }
  }
  for (std::int32_t memory : {1, 3, kMaxLbfgsMemory}) {
    TrainConfig c;
    c.optimizer = Optimizer::lbfgs;
    c.lbfgs_memory = memory;
    c.batch_size = 50;
    configs.push_back(c);
  }
  return configs;
}

}  // namespace

TEST_CASE("arena_bytes is exact for every training configuration and inference", "[arena]") {
  const NetworkSpec specs[] = {
      kIdentity,
      NetworkSpec(Shape::vector(784)).dense(32, Activation::relu).code().dense(784, Activation::sigmoid),
      NetworkSpec(Shape::vector(64)).dense(50, Activation::tanh).dense(36, Activation::tanh).code()
          .dense(50, Activation::tanh).dense(64, Activation::identity),
      NetworkSpec(Shape::vector(5)).dense(5, Activation::relu).code(),
      NetworkSpec(Shape::vector(256)).dense(64, Activation::sigmoid).code().dense(256, Activation::sigmoid),
      reference::kMnistConv,
      NetworkSpec(Shape{3, 9, 7}).conv2d(5, 3, 2, Padding::same, Activation::relu).code()
          .resize(9, 7).conv2d(3, 1, 1, Padding::valid, Activation::sigmoid),
      NetworkSpec(Shape{8, 8, 1}).conv2d(4, 3, 1, Padding::same, Activation::sigmoid).max_pool2d().code()
          .resize(8, 8).conv2d(1, 3, 1, Padding::same, Activation::sigmoid),
  };
  for (const NetworkSpec& spec : specs) {
    for (const TrainConfig& config : configs_for(spec)) {
      INFO("optimizer " << static_cast<int>(config.optimizer) << ", batch " << config.batch_size
                        << ", parts " << config.batch_parts << ", noise " << config.noise_stddev
                        << ", L2 " << config.weight_decay << ", L1 " << config.activity_l1 << ", KL "
                        << config.sparsity_weight << ", lbfgs memory " << config.lbfgs_memory);
      check_exact(arena_bytes(spec, config),
                  [&](Network& net, Arena& arena) { return net.setup(spec, config, arena); });
    }
    for (std::int32_t max_batch : {1, 32, 300}) {
      INFO("inference, max batch " << max_batch);
      check_exact(arena_bytes(spec, max_batch),
                  [&](Network& net, Arena& arena) { return net.setup(spec, max_batch, arena); });
    }
  }
}
