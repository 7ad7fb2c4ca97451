// mnist-dense: a 784-32-784 autoencoder (ReLU code, sigmoid output, mean BCE, Adam
// lr 1e-3, batch 256) on 28x28 images, pixels / 255; with --noise, its denoising variant.
//
//   mnist_dense [--epochs N] [--noise S] [--out folder] [idx-folder]
// idx-folder holds train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz (Debian's
// dataset-fashion-mnist installs them in /usr/share/datasets/fashion-mnist). Prints the
// test MSE and BCE and writes codes.png to the folder (default out/mnist-dense): test
// images beside their codes and reconstructions.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"
#include "tinyae/tinyae.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kMnistDense;

int fail(const tinyae::Status& s) {
  std::fprintf(stderr, "mnist_dense: %s\n", s.message());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_folder = "/usr/share/datasets/fashion-mnist";
  std::string folder = "out/mnist-dense";
  tinyae::TrainConfig config = tinyae::reference::mnist_dense_config();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) {
      config.epochs = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--noise") == 0 && i + 1 < argc) {
      config.noise_stddev = static_cast<float>(std::atof(argv[++i]));
    } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      folder = argv[++i];
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: mnist_dense [--epochs N] [--noise S] [--out folder] [idx-folder]\n");
      return 1;
    } else {
      data_folder = argv[i];
    }
  }

  tinyae::Matrix train;
  tinyae::Matrix test;
  tinyae::Status s = tinyae::load_idx_images(data_folder + "/train-images-idx3-ubyte.gz", &train);
  if (s.ok()) s = tinyae::load_idx_images(data_folder + "/t10k-images-idx3-ubyte.gz", &test);
  if (!s.ok()) {
    std::fprintf(stderr, "  (apt-get install dataset-fashion-mnist, or pass a folder of IDX files)\n");
    return fail(s);
  }

  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  s = memory.allocate(tinyae::arena_bytes(kSpec, config));
  if (s.ok()) s = net.setup(kSpec, config, memory.arena());
  if (!s.ok()) return fail(s);
  std::printf("mnist-dense 784-32-784 on %d train / %d test images, %d epochs%s\n", train.rows, test.rows,
              config.epochs, config.noise_stddev > 0 ? ", denoising" : "");
  const auto start = std::chrono::steady_clock::now();
  s = net.fit(train.values.data(), train.rows, train.cols);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) return fail(s);

  // A denoiser is measured on noisy inputs against the clean images.
  std::vector<float> noisy;
  if (config.noise_stddev > 0) {
    noisy.resize(test.values.size());
    tinyae::add_gaussian_noise(test.values.data(), static_cast<std::int64_t>(noisy.size()), config.noise_stddev,
                               config.clip_noisy_input, config.seed + 1, noisy.data());
  }
  const float* inputs = noisy.empty() ? test.values.data() : noisy.data();
  const float* targets = noisy.empty() ? nullptr : test.values.data();
  tinyae::Metrics m;
  if (!(s = net.evaluate(inputs, test.rows, test.cols, &m, targets)).ok()) return fail(s);
  std::printf("trained in %.1f s (%.0f samples/s)\n", seconds, double(train.rows) * config.epochs / seconds);
  std::printf("test MSE %.5f  BCE %.5f\n", m.mse, m.bce);

  tinyae::Image image;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (!(s = tinyae::code_picture(net, inputs, targets, 16, tinyae::CodePictureOptions{}, &image)).ok() ||
      !(s = tinyae::save_png(folder + "/codes.png", image)).ok()) {
    return fail(s);
  }
  std::printf("wrote %s/codes.png (test images, their codes, reconstructions)\n", folder.c_str());
  return 0;
}
