#include <catch2/catch.hpp>

#include <string>

#include "tinyae/tinyae.hpp"

using namespace tinyae;

namespace {
constexpr NetworkSpec kDigits = reference::kDigitsDeep;
}  // namespace

TEST_CASE("the builder records layers, shapes and the code layer", "[spec]") {
  static_assert(kDigits.num_layers == 6);
  static_assert(kDigits.code_layer == 2);
  static_assert(kDigits.code_shape().size() == 36);
  static_assert(kDigits.layer_input(3).size() == 36);
  static_assert(kDigits.max_width() == 64);
  CHECK(kDigits.layers[5].activation == Activation::sigmoid);
  CHECK(validate(kDigits).ok());
}

TEST_CASE("parameter counts and aligned offsets", "[spec]") {
  // 64*50+50 + 50*40+40 + 40*36+36 + 36*40+40 + 40*50+50 + 50*64+64
  CHECK(kDigits.parameter_count() == 3250 + 2040 + 1476 + 1480 + 2050 + 3264);
  for (std::int32_t l = 0; l < kDigits.num_layers; ++l) {
    CHECK(kDigits.weight_offset(l) % 16 == 0);
    CHECK(kDigits.bias_offset(l) % 16 == 0);
    CHECK(kDigits.bias_offset(l) >= kDigits.weight_offset(l) + kDigits.weight_count(l));
    if (l > 0) CHECK(kDigits.weight_offset(l) >= kDigits.bias_offset(l - 1) + kDigits.bias_count(l - 1));
  }
  CHECK(kDigits.parameter_floats() >= kDigits.parameter_count());
  CHECK(kDigits.parameter_floats() < kDigits.parameter_count() + 12 * 16);
}

TEST_CASE("activation names parse and print", "[spec]") {
  for (Activation a : {Activation::identity, Activation::sigmoid, Activation::tanh, Activation::relu}) {
    Activation parsed = Activation::identity;
    REQUIRE(parse_activation(activation_name(a), &parsed).ok());
    CHECK(parsed == a);
  }
  Activation linear = Activation::relu;
  CHECK(parse_activation("linear", &linear).ok());
  CHECK(linear == Activation::identity);
  Loss loss = Loss::mse;
  CHECK(parse_loss("bce", &loss).ok());
  CHECK(loss == Loss::bce);
  Optimizer opt = Optimizer::sgd;
  CHECK(parse_optimizer("adam", &opt).ok());
  CHECK(opt == Optimizer::adam);
}

TEST_CASE("validate rejects broken specs with a clear message", "[spec][bad-input]") {
  auto message = [](const NetworkSpec& s) { return std::string(validate(s).message()); };
  CHECK(message(NetworkSpec(Shape::vector(0)).dense(1, Activation::relu).code().dense(0, Activation::relu))
            .find("input shape 0x1x1") != std::string::npos);
  CHECK(message(NetworkSpec(Shape::vector(8))).find("needs 1 to 16 layers") != std::string::npos);
  CHECK(message(NetworkSpec(Shape::vector(8)).dense(0, Activation::relu).code().dense(8, Activation::relu))
            .find("layer 0 has output 0x1x1") != std::string::npos);
  CHECK(message(NetworkSpec(Shape::vector(8)).dense(3, Activation::relu).dense(8, Activation::relu))
            .find("no code layer") != std::string::npos);
  CHECK(message(NetworkSpec(Shape::vector(8)).dense(3, Activation::relu).code().dense(7, Activation::relu))
            .find("differs from input") != std::string::npos);
  CHECK(message(NetworkSpec(Shape::vector(8)).code()).find("code() called before") != std::string::npos);
  NetworkSpec deep(Shape::vector(4));
  for (int i = 0; i < kMaxLayers + 1; ++i) deep = deep.dense(4, Activation::relu);
  CHECK(message(deep.code()).find("more than 16") != std::string::npos);
  CHECK(message(NetworkSpec(Shape::vector(1 << 20)).dense(1 << 20, Activation::relu).code())
            .find("too large") != std::string::npos);
  LayerSpec bogus{LayerKind::dense, static_cast<Activation>(9), Shape::vector(8)};
  NetworkSpec bad_act = NetworkSpec(Shape::vector(8)).dense(8, Activation::relu).code();
  bad_act.layers[0] = bogus;
  CHECK(message(bad_act).find("unknown activation") != std::string::npos);
}
