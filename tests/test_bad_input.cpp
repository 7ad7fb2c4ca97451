// Bad input gets a Status with a clear message; nothing crashes, nothing is changed.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace tinyae;
using tinyae::test::OwnedArena;

namespace {

constexpr NetworkSpec kSpec = NetworkSpec(Shape::vector(6))
                                  .dense(3, Activation::relu)
                                  .code()
                                  .dense(6, Activation::sigmoid);

bool contains(const Status& s, const char* text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("data of the wrong shape is rejected", "[bad-input]") {
  TrainConfig config;
  config.batch_size = 4;
  OwnedArena memory(arena_bytes(kSpec, config));
  Network net;
  REQUIRE(net.setup(kSpec, config, memory.arena).ok());
  std::vector<float> x(4 * 6, 0.5f);
  std::vector<float> out(4 * 6, -1.0f);

  Status s = net.fit(x.data(), 4, 5);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(contains(s, "data has 5 columns but the network's input has 6"));
  s = net.fit(x.data(), 0, 6);
  CHECK(contains(s, "data has 0 rows"));
  s = net.fit(nullptr, 4, 6);
  CHECK(contains(s, "data is null"));
  CHECK(net.reconstruct(x.data(), 4, 7, out.data()).code() == StatusCode::invalid_argument);
  CHECK(net.encode(x.data(), -1, 6, out.data()).code() == StatusCode::invalid_argument);
  CHECK(net.reconstruct(x.data(), 4, 6, nullptr).code() == StatusCode::invalid_argument);
  CHECK(out[0] == -1.0f);  // untouched
  double objective = 0;
  std::vector<float> five_rows(5 * 6, 0.5f);
  s = net.compute_gradient(five_rows.data(), 5, 6, &objective);
  CHECK(contains(s, "exceed the batch size 4"));
}

TEST_CASE("NaN or Inf in data is rejected before any weight changes", "[bad-input]") {
  TrainConfig config;
  config.batch_size = 2;
  OwnedArena memory(arena_bytes(kSpec, config));
  Network net;
  REQUIRE(net.setup(kSpec, config, memory.arena).ok());
  const std::vector<float> before(net.parameters(), net.parameters() + kSpec.parameter_floats());
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> x(3 * 6, 0.5f);
    x[2 * 6 + 4] = bad;
    Status s = net.fit(x.data(), 3, 6);
    CHECK(s.code() == StatusCode::non_finite);
    CHECK(contains(s, "row 2, column 4"));
    std::vector<float> out(3 * 6);
    CHECK(net.reconstruct(x.data(), 3, 6, out.data()).code() == StatusCode::non_finite);
  }
  for (std::int64_t i = 0; i < kSpec.parameter_floats(); ++i) REQUIRE(net.parameters()[i] == before[static_cast<std::size_t>(i)]);
}

TEST_CASE("an arena too small is an error at setup, not a crash later", "[bad-input]") {
  TrainConfig config;
  OwnedArena memory(100);
  Network net;
  Status s = net.setup(kSpec, config, memory.arena);
  CHECK(s.code() == StatusCode::arena_too_small);
  CHECK(contains(s, "arena too small for this network: needs "));
  CHECK_FALSE(net.trainable());
  std::vector<float> x(6, 0.5f);
  CHECK(contains(net.fit(x.data(), 1, 6), "not set up"));
  std::vector<float> code(3);
  CHECK(contains(net.encode(x.data(), 1, 6, code.data()), "not set up"));
}

TEST_CASE("invalid training settings are rejected", "[bad-input]") {
  OwnedArena memory(1 << 20);
  Network net;
  TrainConfig c;
  c.learning_rate = 0;
  CHECK(contains(net.setup(kSpec, c, memory.arena), "learning rate must be positive"));
  c = TrainConfig();
  c.learning_rate = std::numeric_limits<float>::quiet_NaN();
  CHECK(contains(net.setup(kSpec, c, memory.arena), "learning rate must be positive"));
  c = TrainConfig();
  c.batch_size = 0;
  CHECK(contains(net.setup(kSpec, c, memory.arena), "batch size must be at least 1"));
  c = TrainConfig();
  c.epochs = -1;
  CHECK(contains(net.setup(kSpec, c, memory.arena), "epochs must not be negative"));
  c = TrainConfig();
  c.weight_decay = -0.1f;
  CHECK(contains(net.setup(kSpec, c, memory.arena), "weight decay"));
  c = TrainConfig();
  c.optimizer = Optimizer::momentum;
  c.momentum = 1.0f;
  CHECK(contains(net.setup(kSpec, c, memory.arena), "momentum must be in [0, 1)"));
  c = TrainConfig();
  c.adam_beta2 = 1.5f;
  CHECK(contains(net.setup(kSpec, c, memory.arena), "adam needs"));
  c = TrainConfig();
  c.loss = Loss::bce;
  const NetworkSpec linear_out =
      NetworkSpec(Shape::vector(6)).dense(3, Activation::relu).code().dense(6, Activation::identity);
  CHECK(contains(net.setup(linear_out, c, memory.arena), "bce loss needs a sigmoid output layer"));
  CHECK(contains(net.setup(kSpec, 0, memory.arena), "max batch must be at least 1"));
  CHECK(memory.arena.used() == 0);
}

TEST_CASE("unknown names are errors", "[bad-input]") {
  Activation a = Activation::relu;
  Status s = parse_activation("softplus", &a);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(std::string(s.message()) ==
        "unknown activation 'softplus' (expected identity, sigmoid, tanh or relu)");
  CHECK(a == Activation::relu);
  CHECK(parse_activation(nullptr, &a).code() == StatusCode::invalid_argument);
  Loss loss = Loss::mse;
  CHECK(contains(parse_loss("l1", &loss), "unknown loss 'l1'"));
  Optimizer opt = Optimizer::sgd;
  CHECK(contains(parse_optimizer("rmsprop", &opt), "unknown optimizer 'rmsprop'"));
}

TEST_CASE("an inference-only network refuses to train", "[bad-input]") {
  OwnedArena memory(arena_bytes(kSpec, 8));
  Network net;
  REQUIRE(net.setup(kSpec, 8, memory.arena).ok());
  std::vector<float> x(6, 0.5f);
  CHECK(contains(net.fit(x.data(), 1, 6), "inference only"));
  double j = 0;
  CHECK(contains(net.compute_gradient(x.data(), 1, 6, &j), "inference only"));
}
