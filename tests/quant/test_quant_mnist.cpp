// Accuracy of the int8 encoder on real data: mnist-dense (784-32-784) trained on
// Fashion-MNIST (Debian's dataset-fashion-mnist), quantized with 2000 training images,
// measured on the 10000 test images; mnist-conv trained briefly on a subset of the
// test split (tests' data folder), measured on the rest of it; and the whole mnist-conv
// denoiser in int8 against the float one on noisy held-out images.
#include <catch2/catch.hpp>

#include <vector>

#include "../test_support.hpp"
#include "tinyae/io.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/quantize_io.hpp"

using namespace tinyae;

namespace {

const std::string kDir = "/usr/share/datasets/fashion-mnist/";

struct Trained {
  Matrix train;
  Matrix test;
  ArenaBuffer memory;
  Network net;
};

// The reference training: Adam, batch 256, BCE, 5 epochs.
void train_mnist_dense(Trained* t) {
  Status s = load_idx_images(kDir + "train-images-idx3-ubyte.gz", &t->train);
  INFO(s.message() << " (apt-get install dataset-fashion-mnist)");
  REQUIRE(s.ok());
  REQUIRE(load_idx_images(kDir + "t10k-images-idx3-ubyte.gz", &t->test).ok());
  constexpr NetworkSpec spec = reference::kMnistDense;
  constexpr TrainConfig config = reference::mnist_dense_config();
  REQUIRE(t->memory.allocate(arena_bytes(spec, config)).ok());
  REQUIRE(t->net.setup(spec, config, t->memory.arena()).ok());
  REQUIRE(t->net.fit(t->train.values.data(), t->train.rows, 784).ok());
}

QuantizationReport quantize_and_measure(Trained& t, const QuantizeOptions& options) {
  constexpr NetworkSpec spec = reference::kMnistDense;
  ArenaBuffer memory;
  REQUIRE(memory.allocate(quantized_model_bytes(spec) + quantize_work_bytes(spec) +
                          quantized_network_bytes(spec, 256)).ok());
  QuantizedModel model;
  REQUIRE(quantize(t.net, t.train.values.data(), 2000, 784, options, memory.arena(), &model).ok());
  QuantizedNetwork encoder;
  REQUIRE(encoder.setup(model, 256, memory.arena()).ok());
  QuantizationReport r;
  REQUIRE(measure_quantization(t.net, encoder, t.test.values.data(), t.test.rows, 784, &r).ok());
  return r;
}

// mnist-conv trained one epoch on the first 4000 images of the shipped test split
// (batches of 32, as tests/test_mnist_conv.cpp), with denoising noise when noise > 0.
struct TrainedConv {
  explicit TrainedConv(float noise) {
    const Status loaded = load_idx_images(test::data_path("fashion-mnist/t10k-images-idx3-ubyte.gz"), &all);
    INFO(loaded.message());
    REQUIRE(loaded.ok());
    TrainConfig config = reference::mnist_conv_config();
    config.epochs = 1;
    config.batch_size = 32;
    config.noise_stddev = noise;
    REQUIRE(memory.allocate(arena_bytes(reference::kMnistConv, config)).ok());
    REQUIRE(net.setup(reference::kMnistConv, config, memory.arena()).ok());
    REQUIRE(net.fit(all.values.data(), 4000, 784).ok());
  }
  Matrix all;
  ArenaBuffer memory;
  Network net;
};

}  // namespace

TEST_CASE("int8 mnist-dense: reconstruction MSE within 5 percent and code cosine at least 0.99", "[quant][mnist-dense]") {
  Trained t;
  train_mnist_dense(&t);
  Metrics float_metrics;
  REQUIRE(t.net.evaluate(t.test.values.data(), t.test.rows, 784, &float_metrics).ok());

  QuantizeOptions min_max;
  min_max.fixed_input_range = true;  // pixels / 255: the 8-bit pixels are the input
  QuantizeOptions percentile;
  percentile.calibration = Calibration::percentile;
  percentile.percentile = 99.99;
  for (const QuantizeOptions& options : {min_max, percentile}) {
    const QuantizationReport r = quantize_and_measure(t, options);
    INFO("calibration " << (options.calibration == Calibration::min_max ? "min-max" : "percentile")
                        << ": float MSE " << r.float_mse << ", int8 MSE " << r.int8_code_mse
                        << ", cosine mean " << r.code_cosine_mean << " min " << r.code_cosine_min
                        << ", code error max " << r.code_max_abs_error << " mean " << r.code_mean_abs_error);
    CHECK(r.samples == 10000);
    // The report's float path is the network's own (same decoder on the float codes).
    CHECK(r.float_mse == Approx(float_metrics.mse).epsilon(1e-4));
    CHECK(r.float_mse < 0.02);  // as trained by the reference; predicting the mean gives ~0.09
    CHECK(r.int8_code_mse <= 1.05 * r.float_mse);
    CHECK(r.code_cosine_mean >= 0.99);
  }
}

TEST_CASE("int8 mnist-conv: reconstruction MSE within 5 percent and code cosine at least 0.99", "[quant][mnist-conv]") {
  // One epoch on the first 4000 images of the shipped test split (batches of 32, as
  // tests/test_mnist_conv.cpp); calibration on 1000 of them; the last 2000 held out.
  TrainedConv t(0.0f);
  Matrix& all = t.all;
  Network& net = t.net;
  constexpr NetworkSpec spec = reference::kMnistConv;
  const float* held_out = all.values.data() + std::int64_t{8000} * 784;

  QuantizeOptions min_max;
  min_max.fixed_input_range = true;  // pixels / 255
  QuantizeOptions percentile;
  percentile.fixed_input_range = true;
  percentile.calibration = Calibration::percentile;
  percentile.percentile = 99.99;
  for (const QuantizeOptions& options : {min_max, percentile}) {
    ArenaBuffer memory;
    REQUIRE(memory.allocate(quantized_model_bytes(spec) + quantize_work_bytes(spec) +
                            quantized_network_bytes(spec, 64)).ok());
    QuantizedModel model;
    REQUIRE(quantize(net, all.values.data(), 1000, 784, options, memory.arena(), &model).ok());
    QuantizedNetwork encoder;
    REQUIRE(encoder.setup(model, 64, memory.arena()).ok());
    QuantizationReport r;
    REQUIRE(measure_quantization(net, encoder, held_out, 2000, 784, &r).ok());
    Metrics float_metrics;
    REQUIRE(net.evaluate(held_out, 2000, 784, &float_metrics).ok());
    const char* name = options.calibration == Calibration::min_max ? "min-max" : "percentile";
    WARN("int8 mnist-conv, " << name << ": float MSE " << r.float_mse << ", int8 MSE " << r.int8_code_mse
                             << ", cosine mean " << r.code_cosine_mean << " min " << r.code_cosine_min
                             << ", code error max " << r.code_max_abs_error << " mean "
                             << r.code_mean_abs_error);
    CHECK(r.samples == 2000);
    CHECK(r.float_mse == Approx(float_metrics.mse).epsilon(1e-4));  // the network's own decoder
    CHECK(r.int8_code_mse <= 1.05 * r.float_mse);
    CHECK(r.code_cosine_mean >= 0.99);
  }
}

TEST_CASE("int8 mnist-conv denoiser: the whole int8 network denoises as well as the float one",
          "[quant][mnist-conv][decoder]") {
  // Trained as the mnist-conv test above, with noise 0.5 (the reference denoiser's),
  // quantized whole on 1000 clean images; 2000 held-out images with the same noise.
  TrainedConv t(0.5f);
  const Matrix& all = t.all;
  Network& net = t.net;
  constexpr NetworkSpec spec = reference::kMnistConv;
  const std::int32_t rows = 2000;
  const std::size_t n = std::size_t{rows} * 784;
  const float* clean = all.values.data() + std::int64_t{8000} * 784;
  std::vector<float> noisy(n);
  add_gaussian_noise(clean, static_cast<std::int64_t>(n), 0.5f, true, 77, noisy.data());

  const QuantizeScope whole = QuantizeScope::whole_network;
  ArenaBuffer memory;
  REQUIRE(memory.allocate(quantized_model_bytes(spec, whole) + quantize_work_bytes(spec, whole) +
                          quantized_network_bytes(spec, 64, whole)).ok());
  QuantizeOptions options;
  options.scope = whole;
  options.fixed_input_range = true;  // pixels / 255: the output grid is 1/255 too
  QuantizedModel model;
  REQUIRE(quantize(net, all.values.data(), 1000, 784, options, memory.arena(), &model).ok());
  QuantizedNetwork q;
  REQUIRE(q.setup(model, 64, memory.arena()).ok());

  std::vector<float> float_out(n);
  REQUIRE(net.reconstruct(noisy.data(), rows, 784, float_out.data()).ok());
  std::vector<std::uint8_t> in(n), out8(n);
  model.quantize_input(noisy.data(), static_cast<std::int64_t>(n), in.data());
  REQUIRE(q.reconstruct(in.data(), rows, out8.data()).ok());
  std::vector<float> int8_out(n);
  model.dequantize_output(out8.data(), static_cast<std::int64_t>(n), int8_out.data());
  double noisy_mse = 0, float_mse = 0, int8_mse = 0;
  for (std::size_t i = 0; i < n; ++i) {
    noisy_mse += (double(noisy[i]) - clean[i]) * (double(noisy[i]) - clean[i]) / double(n);
    float_mse += (double(float_out[i]) - clean[i]) * (double(float_out[i]) - clean[i]) / double(n);
    int8_mse += (double(int8_out[i]) - clean[i]) * (double(int8_out[i]) - clean[i]) / double(n);
  }
  WARN("int8 mnist-conv denoiser: MSE to the clean images: noisy " << noisy_mse << ", float " << float_mse
                                                                   << ", int8 " << int8_mse);
  CHECK(float_mse < 0.5 * noisy_mse);  // it denoises
  CHECK(int8_mse <= 1.05 * float_mse);
}
