// The command line's --layers syntax (apps/tinyae/presets.cpp): every layer kind the
// library trains, describe() printing what parse_layers reads back, errors naming the item.
#include <catch2/catch.hpp>

#include <string>

#include "presets.hpp"

using namespace tinyae;

namespace {

// Layer by layer, every field a spec has.
void check_same(const NetworkSpec& a, const NetworkSpec& b) {
  CHECK(a.input == b.input);
  CHECK(a.code_layer == b.code_layer);
  CHECK(a.builder_error == b.builder_error);
  REQUIRE(a.num_layers == b.num_layers);
  for (std::int32_t l = 0; l < a.num_layers; ++l) {
    INFO("layer " << l);
    CHECK(a.layers[l].kind == b.layers[l].kind);
    CHECK(a.layers[l].activation == b.layers[l].activation);
    CHECK(a.layers[l].output == b.layers[l].output);
    CHECK(a.layers[l].kernel == b.layers[l].kernel);
    CHECK(a.layers[l].stride == b.layers[l].stride);
    CHECK(a.layers[l].padding == b.layers[l].padding);
  }
}

std::string error_of(const std::string& layers) {
  NetworkSpec spec(Shape::vector(3));
  const NetworkSpec before = spec;
  const Status s = cli::parse_layers(layers, &spec);
  CHECK(s.code() == StatusCode::invalid_argument);
  check_same(spec, before);  // unchanged on error
  return s.message();
}

}  // namespace

TEST_CASE("cli --layers: mnist-conv's architecture written by hand is the preset's spec", "[cli][layers]") {
  cli::Preset conv;
  REQUIRE(cli::find_preset("mnist-conv", &conv).ok());
  NetworkSpec parsed;
  REQUIRE(cli::parse_layers("1x28x28,conv16k3:relu,pool,conv8k3:relu,pool,conv8k3same:relu,pool:code,resize7x7,"
                            "conv8k3:relu,resize14x14,conv8k3:relu,resize28x28,conv16k3:relu,conv1k3:sigmoid",
                            &parsed)
              .ok());
  check_same(parsed, conv.spec);
}

TEST_CASE("cli --layers: what describe prints parses back to the same spec, every preset", "[cli][layers]") {
  for (const char* name : {"identity-838", "sparse-patches", "digits-deep", "mnist-dense", "mnist-conv"}) {
    INFO(name);
    cli::Preset p;
    REQUIRE(cli::find_preset(name, &p).ok());
    NetworkSpec parsed;
    const Status s = cli::parse_layers(cli::describe(p.spec), &parsed);
    INFO(cli::describe(p.spec) << ": " << s.message());
    REQUIRE(s.ok());
    check_same(parsed, p.spec);
  }
  // Stride, valid padding and identity activations too.
  const NetworkSpec odd = NetworkSpec(Shape{2, 9, 9})
                              .conv2d(4, 3, 2, Padding::valid, Activation::tanh)
                              .code()
                              .resize(11, 11)
                              .conv2d(2, 2, 1, Padding::same, Activation::identity)
                              .max_pool2d()
                              .resize(9, 9);
  CHECK(cli::describe(odd) == "2x9x9,conv4k3s2valid:tanh:code,resize11x11,conv2k2same:identity,pool,resize9x9");
  NetworkSpec parsed;
  REQUIRE(cli::parse_layers(cli::describe(odd), &parsed).ok());
  check_same(parsed, odd);
}

TEST_CASE("cli --layers: defaults and the dense form as before", "[cli][layers]") {
  NetworkSpec spec;
  REQUIRE(cli::parse_layers("1x8x8,conv2k4s2,resize8x8:code,conv1k1valid:sigmoid", &spec).ok());
  CHECK(spec.layers[0].kind == LayerKind::conv2d);
  CHECK(spec.layers[0].padding == Padding::same);  // the default
  CHECK(spec.layers[0].activation == Activation::identity);
  CHECK(spec.layers[0].output == Shape{2, 4, 4});
  CHECK(spec.code_layer == 1);
  CHECK(spec.layers[2].padding == Padding::valid);
  REQUIRE(cli::parse_layers("784,32:relu:code,784:sigmoid", &spec).ok());
  check_same(spec, NetworkSpec(Shape::vector(784))
                       .dense(32, Activation::relu)
                       .code()
                       .dense(784, Activation::sigmoid));
}

TEST_CASE("cli --layers: bad items are errors that name the item", "[cli][layers][bad-input]") {
  CHECK(error_of("1x8x8,conv0k3:code,conv1k3") ==
        "--layers item 'conv0k3:code': give 1 to 16777216 filters, as in conv16k3");
  CHECK(error_of("1x8x8,conv4k0:code,conv1k3") ==
        "--layers item 'conv4k0:code': give a kernel size from 1 to 255 after 'k', as in conv16k3");
  CHECK(error_of("1x8x8,conv4k3s16:code,conv1k3") ==
        "--layers item 'conv4k3s16:code': give a stride from 1 to 15 after 's', as in conv16k3s2");
  CHECK(error_of("1x8x8,conv4k3pad:code,conv1k3") ==
        "--layers item 'conv4k3pad:code': expected conv<filters>k<kernel>[s<stride>][same|valid], as in "
        "conv16k3s2valid");
  CHECK(error_of("1x4x4,conv4k5valid:code,conv1k3") ==
        "--layers item 'conv4k5valid:code': a 5x5 kernel does not fit its 4x4 input without padding");
  CHECK(error_of("1x8x8,pool:code,resize0x7") ==
        "--layers item 'resize0x7': expected resize<height>x<width>, each 1 to 16777216, as in resize14x14");
  CHECK(error_of("1x8x8,resize8:code") ==
        "--layers item 'resize8:code': expected resize<height>x<width>, each 1 to 16777216, as in resize14x14");
  CHECK(error_of("16,4:relu,pool:code,16") ==
        "--layers item 'pool:code': its input is 4x1x1; pooling needs an image (give the input as CxHxW)");
  CHECK(error_of("1x8x8,pool:relu:code,resize8x8") == "--layers item 'pool:relu:code': pool has no activation, only :code");
  CHECK(error_of("64,maxpool:code,64") ==
        "--layers item 'maxpool:code': expected a layer such as 32 (dense), conv16k3s2valid, pool or resize14x14");
  CHECK(error_of("64,32x:code,64") == "--layers item '32x:code': units must be 1 to 16777216");
  CHECK(error_of("64,8:wiggle:code,64") ==
        "--layers item '8:wiggle:code': unknown activation 'wiggle' (expected identity, sigmoid, tanh or relu)");
  CHECK(error_of("64,8:code,4:code,64") == "--layers item '4:code': a layer before it is the code layer already; mark one");
  CHECK(error_of("1x8x8,conv2k3:code,conv2k3") ==
        "--layers '1x8x8,conv2k3:code,conv2k3': network spec: output 2x8x8 differs from input 1x8x8; an "
        "autoencoder reconstructs its input");
  std::string seventeen = "4";
  for (int i = 0; i < 17; ++i) seventeen += i == 0 ? ",4:code" : ",4";
  CHECK(error_of(seventeen) == "--layers item '4': more than 16 layers");
}
