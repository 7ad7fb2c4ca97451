// The reference systems of DESIGN.md, in one place: each network and the training
// settings it is known to work with. Examples, CLI presets, tests, benchmarks and the
// firmware all start from these; constexpr, so firmware can size a static arena.
#pragma once

#include "tinyae/network.hpp"
#include "tinyae/network_spec.hpp"
#include "tinyae/train_config.hpp"

namespace tinyae::reference {

// 8-3-8 sigmoid on the eight one-hot vectors: per-sample SGD, lr 0.3, 5000 epochs.
inline constexpr NetworkSpec kIdentity838 = NetworkSpec(Shape::vector(8))
                                                .dense(3, Activation::sigmoid)
                                                .code()
                                                .dense(8, Activation::sigmoid);
constexpr TrainConfig identity838_config() {
  TrainConfig c;
  c.loss = Loss::half_sse;  // per sample: 1/2 ||x - x^||^2
  c.optimizer = Optimizer::sgd;
  c.learning_rate = 0.3f;
  c.batch_size = 1;
  c.epochs = 5000;
  c.seed = 1;
  return c;
}

// 64-50-40-36-40-50-64 on the 8x8 digits (pixels / 16): tanh hidden, sigmoid output,
// per-sample SGD lr 0.1 on half the summed squared error, 200 epochs.
inline constexpr NetworkSpec kDigitsDeep = NetworkSpec(Shape{1, 8, 8})
                                               .dense(50, Activation::tanh)
                                               .dense(40, Activation::tanh)
                                               .dense(36, Activation::tanh)
                                               .code()
                                               .dense(40, Activation::tanh)
                                               .dense(50, Activation::tanh)
                                               .dense(64, Activation::sigmoid);
constexpr TrainConfig digits_deep_config() {
  TrainConfig c;
  c.loss = Loss::half_sse;
  c.optimizer = Optimizer::sgd;
  c.learning_rate = 0.1f;
  c.batch_size = 1;
  c.epochs = 200;
  c.seed = 1;
  return c;
}

// 256-64-256 sigmoid on 16x16 natural-image patches (preprocessed to [0.1, 0.9]):
// J = (1/2N) sum ||x - x^||^2 + (lambda/2)(||W1||^2 + ||W2||^2) + beta sum_j KL(rho || rhohat_j),
// lambda = 5e-4, beta = 0.2, rho = 0.5, on the full batch of 10,240 patches. L-BFGS, 400
// iterations (the seed also runs plain full-batch gradient descent: optimizer sgd).
inline constexpr std::int32_t kSparsePatchCount = 10240;
inline constexpr NetworkSpec kSparsePatches = NetworkSpec(Shape{1, 16, 16})
                                                  .dense(64, Activation::sigmoid)
                                                  .code()
                                                  .dense(256, Activation::sigmoid);
constexpr TrainConfig sparse_patches_config() {
  TrainConfig c;
  c.loss = Loss::half_sse;
  c.optimizer = Optimizer::lbfgs;
  c.learning_rate = 0.1f;  // for optimizer sgd (full-batch gradient descent)
  c.weight_decay = 5e-4f;
  c.sparsity_weight = 0.2f;
  c.sparsity_target = 0.5f;
  c.batch_size = kSparsePatchCount;
  c.epochs = 400;
  c.seed = 1;
  return c;
}

// 784-32-784 on 28x28 images (pixels / 255): ReLU code, sigmoid output, mean BCE,
// Adam lr 1e-3, batch 256, 5 epochs.
inline constexpr NetworkSpec kMnistDense = NetworkSpec(Shape{1, 28, 28})
                                               .dense(32, Activation::relu)
                                               .code()
                                               .dense(784, Activation::sigmoid);
constexpr TrainConfig mnist_dense_config() {
  TrainConfig c;
  c.loss = Loss::bce;
  c.optimizer = Optimizer::adam;
  c.learning_rate = 1e-3f;
  c.batch_size = 256;
  c.epochs = 5;
  c.seed = 1;
  return c;
}

// 28x28 images (pixels / 255) through 3x3 'same' convolutions: 16 -> pool -> 8 ->
// pool -> 8 -> pool = a 4x4x8 code; the decoder resizes 4 -> 7 -> 14 -> 28 (nearest),
// each followed by a convolution (8, 8, 16), then a 1-filter sigmoid convolution.
// ReLU elsewhere, mean BCE, Adam lr 1e-3, batch 128, 10 epochs; denoising adds
// Gaussian noise with standard deviation 0.5 (TrainConfig::noise_stddev).
inline constexpr NetworkSpec kMnistConv =
    NetworkSpec(Shape{1, 28, 28})
        .conv2d(16, 3, 1, Padding::same, Activation::relu)
        .max_pool2d()
        .conv2d(8, 3, 1, Padding::same, Activation::relu)
        .max_pool2d()
        .conv2d(8, 3, 1, Padding::same, Activation::relu)
        .max_pool2d()
        .code()
        .resize(7, 7)
        .conv2d(8, 3, 1, Padding::same, Activation::relu)
        .resize(14, 14)
        .conv2d(8, 3, 1, Padding::same, Activation::relu)
        .resize(28, 28)
        .conv2d(16, 3, 1, Padding::same, Activation::relu)
        .conv2d(1, 3, 1, Padding::same, Activation::sigmoid);
constexpr TrainConfig mnist_conv_config() {
  TrainConfig c;
  c.loss = Loss::bce;
  c.optimizer = Optimizer::adam;
  c.learning_rate = 1e-3f;
  c.batch_size = 128;
  c.epochs = 10;
  c.seed = 1;
  return c;
}
// The noise of the denoising variants (mnist-dense and mnist-conv).
inline constexpr float kDenoisingNoise = 0.5f;

// fashion-anomaly: the mnist-dense network trained on the ~6000 training images of one
// Fashion-MNIST class (the normal one), 20 epochs; a test image scores its mean squared
// reconstruction error, and scores above the 99th percentile of the training images'
// scores are anomalies.
inline constexpr NetworkSpec kFashionAnomaly = kMnistDense;
constexpr TrainConfig fashion_anomaly_config() {
  TrainConfig c = mnist_dense_config();
  c.epochs = 20;
  return c;
}
inline constexpr double kAnomalyPercentile = 99.0;

}  // namespace tinyae::reference
