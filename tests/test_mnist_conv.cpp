// mnist-conv (DESIGN.md) on a fixed Fashion-MNIST subset: the first 8000 images of
// the shipped test split train for one epoch, the last 2000 are held out.
#include <catch2/catch.hpp>

#include <vector>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

struct Split {
  Matrix train;
  Matrix test;
};

Split load_subset() {
  Matrix all;
  const Status s = load_idx_images(test::data_path("fashion-mnist/t10k-images-idx3-ubyte.gz"), &all);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(all.rows == 10000);
  Split d;
  d.train.cols = d.test.cols = 784;
  d.train.rows = 8000;
  d.test.rows = 2000;
  d.train.values.assign(all.values.begin(), all.values.begin() + 8000 * 784);
  d.test.values.assign(all.values.begin() + 8000 * 784, all.values.end());
  return d;
}

// MSE of predicting every test image by the training set's mean image.
double mean_image_mse(const Matrix& train, const Matrix& test) {
  std::vector<double> mean(784, 0.0);
  for (int i = 0; i < train.rows; ++i) {
    for (int j = 0; j < 784; ++j) mean[j] += double{train.row(i)[j]} / train.rows;
  }
  double sse = 0;
  for (int i = 0; i < test.rows; ++i) {
    for (int j = 0; j < 784; ++j) sse += (test.row(i)[j] - mean[j]) * (test.row(i)[j] - mean[j]);
  }
  return sse / (test.rows * 784.0);
}

}  // namespace

TEST_CASE("mnist-conv: one epoch on 8000 Fashion-MNIST images beats the mean image by far",
          "[reference][mnist-conv]") {
  const Split d = load_subset();
  const double baseline = mean_image_mse(d.train, d.test);
  for (const bool denoising : {false, true}) {
    constexpr NetworkSpec spec = reference::kMnistConv;
    TrainConfig config = reference::mnist_conv_config();
    config.epochs = 1;
    // Batches of 32, not the reference's 128: four times the Adam steps in the one
    // epoch a test can afford (at 128, one epoch of 8000 gives about 0.045).
    config.batch_size = 32;
    if (denoising) config.noise_stddev = reference::kDenoisingNoise;
    ArenaBuffer memory;
    REQUIRE(memory.allocate(arena_bytes(spec, config)).ok());
    Network net;
    REQUIRE(net.setup(spec, config, memory.arena()).ok());
    REQUIRE(net.fit(d.train.values.data(), d.train.rows, 784).ok());
    Metrics m;
    std::vector<float> noisy;
    if (denoising) {  // noisy inputs against their clean originals
      noisy.resize(d.test.values.size());
      add_gaussian_noise(d.test.values.data(), static_cast<std::int64_t>(noisy.size()),
                         config.noise_stddev, true, 99, noisy.data());
      REQUIRE(net.evaluate(noisy.data(), d.test.rows, 784, &m, d.test.values.data()).ok());
    } else {
      REQUIRE(net.evaluate(d.test.values.data(), d.test.rows, 784, &m).ok());
    }
    INFO((denoising ? "denoising" : "plain") << ": test MSE " << m.mse << ", mean-image baseline " << baseline);
    CHECK(m.mse < 0.5 * baseline);
  }
}
