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

TEST_CASE("arena_bytes is exact for training and inference set-ups", "[arena]") {
  const NetworkSpec specs[] = {
      kIdentity,
      NetworkSpec(Shape::vector(784)).dense(32, Activation::relu).code().dense(784, Activation::sigmoid),
      NetworkSpec(Shape::vector(64)).dense(50, Activation::tanh).dense(36, Activation::tanh).code()
          .dense(50, Activation::tanh).dense(64, Activation::identity),
      NetworkSpec(Shape::vector(5)).dense(5, Activation::relu).code(),
      reference::kMnistConv,
      NetworkSpec(Shape{3, 9, 7}).conv2d(5, 3, 2, Padding::same, Activation::relu).code()
          .resize(9, 7).conv2d(3, 1, 1, Padding::valid, Activation::sigmoid),
  };
  for (const NetworkSpec& spec : specs) {
    for (Optimizer opt : {Optimizer::sgd, Optimizer::momentum, Optimizer::adam}) {
      for (std::int32_t batch : {1, 7, 256}) {
        TrainConfig config;
        config.optimizer = opt;
        config.batch_size = batch;
        const std::size_t need = arena_bytes(spec, config);
        test::OwnedArena buffer(need);
        {
          Arena exact(buffer.base, need);
          Network net;
          REQUIRE(net.setup(spec, config, exact).ok());
          CHECK(exact.used() == need);
        }
        {
          Arena short_by_one(buffer.base, need - 1);
          Network net;
          Status s = net.setup(spec, config, short_by_one);
          CHECK(s.code() == StatusCode::arena_too_small);
          CHECK(std::string(s.message()).find("missing 1") != std::string::npos);
          CHECK(short_by_one.used() == 0);  // nothing kept from a failed setup
          CHECK_FALSE(net.trainable());
        }
      }
    }
    const std::size_t need = arena_bytes(spec, 32);
    test::OwnedArena buffer(need);
    Arena exact(buffer.base, need);
    Network net;
    REQUIRE(net.setup(spec, 32, exact).ok());
    CHECK(exact.used() == need);
    CHECK_FALSE(net.trainable());
    Arena short_by_one(buffer.base, need - 1);
    CHECK(net.setup(spec, 32, short_by_one).code() == StatusCode::arena_too_small);
  }
}
