// mnist-conv: the convolutional autoencoder of DESIGN.md (28x28x1 -> 4x4x8 code ->
// 28x28x1, 3x3 convolutions, max pooling, nearest resizing, BCE, Adam) on
// Fashion-MNIST, optionally as a denoiser (Gaussian noise 0.5 on the inputs, fresh
// each epoch, clean targets). Writes a PNG of test images and their reconstructions.
//
//   mnist_conv [--denoise] [--epochs N] [--threads N] [--out reconstructions.png]
//              [folder with train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz]
// The default folder is Debian's dataset-fashion-mnist.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"
#include "tinyae/tinyae.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kMnistConv;

bool print_epoch(const tinyae::EpochStats& stats, void* /*user*/) {
  std::printf("epoch %3d/%d  train BCE %.4f  MSE %.5f\n", stats.epoch, stats.epochs,
              stats.train.bce, stats.train.mse);
  return true;
}

int fail(const tinyae::Status& s) {
  std::fprintf(stderr, "mnist_conv: %s\n", s.message());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string folder = "/usr/share/datasets/fashion-mnist";
  std::string png = "mnist_conv_reconstructions.png";
  tinyae::TrainConfig config = tinyae::reference::mnist_conv_config();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--denoise") == 0) {
      config.noise_stddev = tinyae::reference::kDenoisingNoise;
    } else if (std::strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) {
      config.epochs = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      config.threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      png = argv[++i];
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr,
                   "usage: mnist_conv [--denoise] [--epochs N] [--threads N] [--out file.png] "
                   "[fashion-mnist folder]\n");
      return 1;
    } else {
      folder = argv[i];
    }
  }

  tinyae::Matrix train;
  tinyae::Matrix test;
  tinyae::Status s = tinyae::load_idx_images(folder + "/train-images-idx3-ubyte.gz", &train);
  if (s.ok()) s = tinyae::load_idx_images(folder + "/t10k-images-idx3-ubyte.gz", &test);
  if (!s.ok()) {
    std::fprintf(stderr, "mnist_conv: %s\n  (apt-get install dataset-fashion-mnist)\n", s.message());
    return 1;
  }
  if (train.cols != 784 || test.cols != 784) {
    return fail(tinyae::Status::error(tinyae::StatusCode::invalid_argument,
                                      "expected 28x28 images, got ", train.cols, " pixels"));
  }

  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  s = memory.allocate(tinyae::arena_bytes(kSpec, config));
  if (s.ok()) s = net.setup(kSpec, config, memory.arena());
  if (!s.ok()) return fail(s);
  std::printf("mnist-conv%s: %lld parameters, code 4x4x8, %d train / %d test images, "
              "batch %d, %d epochs\n",
              config.noise_stddev > 0 ? " (denoising)" : "",
              static_cast<long long>(kSpec.parameter_count()), train.rows, test.rows,
              config.batch_size, config.epochs);
  const auto start = std::chrono::steady_clock::now();
  s = net.fit(train.values.data(), train.rows, 784, print_epoch, nullptr);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) return fail(s);
  std::printf("trained in %.1f s (%.0f samples/s)\n", seconds,
              seconds > 0 ? double(train.rows) * config.epochs / seconds : 0.0);

  // What the network is shown: the clean test images, or noisy ones for a denoiser.
  std::vector<float> input = test.values;
  if (config.noise_stddev > 0) {
    tinyae::add_gaussian_noise(test.values.data(), static_cast<std::int64_t>(input.size()),
                               config.noise_stddev, true, config.seed + 1, input.data());
  }
  tinyae::Metrics m;
  s = net.evaluate(input.data(), test.rows, 784, &m, test.values.data());
  if (!s.ok()) return fail(s);
  std::printf("test MSE %.5f  BCE %.4f%s\n", m.mse, m.bce,
              config.noise_stddev > 0 ? "  (noisy inputs against clean images)" : "");

  // Rows of 10: the inputs, (the clean images for a denoiser,) the reconstructions.
  constexpr int kShown = 10;
  std::vector<float> out(kShown * 784);
  s = net.reconstruct(input.data(), kShown, 784, out.data());
  if (!s.ok()) return fail(s);
  std::vector<float> rows(input.begin(), input.begin() + kShown * 784);
  if (config.noise_stddev > 0) rows.insert(rows.end(), test.values.begin(), test.values.begin() + kShown * 784);
  rows.insert(rows.end(), out.begin(), out.end());
  tinyae::GridOptions grid;
  grid.columns = kShown;
  grid.upscale = 2;
  s = tinyae::save_png(png, tinyae::tile_grid(rows.data(), static_cast<std::int32_t>(rows.size() / 784), 28, 28, grid));
  if (!s.ok()) return fail(s);
  std::printf("wrote %s\n", png.c_str());
  return 0;
}
