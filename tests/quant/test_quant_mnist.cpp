// Accuracy of the int8 encoder on real data: mnist-dense (784-32-784) trained on
// Fashion-MNIST (Debian's dataset-fashion-mnist), quantized with 2000 training images,
// measured on the 10000 test images.
#include <catch2/catch.hpp>

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
                          quantized_encoder_bytes(spec, 256)).ok());
  QuantizedModel model;
  REQUIRE(quantize(t.net, t.train.values.data(), 2000, 784, options, memory.arena(), &model).ok());
  QuantizedEncoder encoder;
  REQUIRE(encoder.setup(model, 256, memory.arena()).ok());
  QuantizationReport r;
  REQUIRE(measure_quantization(t.net, encoder, t.test.values.data(), t.test.rows, 784, &r).ok());
  return r;
}

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
                        << ": float MSE " << r.float_mse << ", int8 MSE " << r.int8_mse
                        << ", cosine mean " << r.code_cosine_mean << " min " << r.code_cosine_min
                        << ", code error max " << r.code_max_abs_error << " mean " << r.code_mean_abs_error);
    CHECK(r.samples == 10000);
    // The report's float path is the network's own (same decoder on the float codes).
    CHECK(r.float_mse == Approx(float_metrics.mse).epsilon(1e-4));
    CHECK(r.float_mse < 0.02);  // as trained by the reference; predicting the mean gives ~0.09
    CHECK(r.int8_mse <= 1.05 * r.float_mse);
    CHECK(r.code_cosine_mean >= 0.99);
  }
}
