// digits-deep: a 64-50-40-36-40-50-64 autoencoder (tanh hidden, sigmoid output, MSE)
// on the 8x8 handwritten digits, trained by per-sample SGD (or Adam).
//
//   digits_deep [--adam] [--epochs N] [--out folder] [digits.csv[.gz]]
// The CSV is the one Debian's python3-sklearn ships: 64 pixels 0..16, then the label.
// Every fifth sample is held out. Writes codes.png to the folder (default
// out/digits-deep): held-out digits beside their 36-value codes and reconstructions.
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

constexpr const char* kDebianDigits =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kDigitsDeep;

struct Progress {
  int every;
};

bool print_epoch(const tinyae::EpochStats& stats, void* user) {
  const int every = static_cast<Progress*>(user)->every;
  if (stats.epoch % every == 0 || stats.epoch == stats.epochs) {
    std::printf("epoch %4d  train MSE %.5f\n", stats.epoch, stats.train.mse);
  }
  return true;
}

// MSE of predicting each pixel's training mean.
double mean_baseline(const tinyae::Matrix& train, const tinyae::Matrix& test) {
  std::vector<double> mean(static_cast<std::size_t>(train.cols), 0.0);
  for (int i = 0; i < train.rows; ++i) {
    for (int j = 0; j < train.cols; ++j) mean[j] += train.row(i)[j];
  }
  for (double& m : mean) m /= train.rows;
  double sse = 0;
  for (int i = 0; i < test.rows; ++i) {
    for (int j = 0; j < test.cols; ++j) {
      const double d = test.row(i)[j] - mean[j];
      sse += d * d;
    }
  }
  return sse / (static_cast<double>(test.rows) * test.cols);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = kDebianDigits;
  std::string folder = "out/digits-deep";
  bool adam = false;
  int epochs = 200;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--adam") == 0) {
      adam = true;
    } else if (std::strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) {
      epochs = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      folder = argv[++i];
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: digits_deep [--adam] [--epochs N] [--out folder] [digits.csv[.gz]]\n");
      return 1;
    } else {
      path = argv[i];
    }
  }

  tinyae::Matrix table;
  tinyae::Status s = tinyae::load_csv(path, &table);
  if (!s.ok()) {
    std::fprintf(stderr, "digits_deep: %s\n", s.message());
    std::fprintf(stderr, "  (apt-get install python3-sklearn, or pass a CSV path)\n");
    return 1;
  }
  if (table.cols != 65) {
    std::fprintf(stderr, "digits_deep: %s has %d columns, expected 64 pixels + label\n",
                 path.c_str(), table.cols);
    return 1;
  }
  tinyae::Matrix train;
  tinyae::Matrix test;
  train.cols = test.cols = 64;
  for (int i = 0; i < table.rows; ++i) {
    tinyae::Matrix& dst = i % 5 == 4 ? test : train;
    for (int j = 0; j < 64; ++j) dst.values.push_back(table.row(i)[j] / 16.0f);
    ++dst.rows;
  }

  tinyae::TrainConfig config = tinyae::reference::digits_deep_config();
  if (adam) {
    config.optimizer = tinyae::Optimizer::adam;
    config.learning_rate = 1e-3f;
  }
  config.epochs = epochs;

  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  s = memory.allocate(tinyae::arena_bytes(kSpec, config));
  if (s.ok()) s = net.setup(kSpec, config, memory.arena());
  if (!s.ok()) {
    std::fprintf(stderr, "digits_deep: %s\n", s.message());
    return 1;
  }
  std::printf("digits-deep 64-50-40-36-40-50-64 on %d train / %d held-out digits, %s\n",
              train.rows, test.rows,
              adam ? "Adam lr 1e-3, batch 1" : "per-sample SGD lr 0.1");
  Progress progress{epochs >= 10 ? epochs / 10 : 1};
  const auto start = std::chrono::steady_clock::now();
  s = net.fit(train.values.data(), train.rows, train.cols, print_epoch, &progress);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) {
    std::fprintf(stderr, "digits_deep: %s\n", s.message());
    return 1;
  }
  tinyae::Metrics on_train;
  tinyae::Metrics on_test;
  if (!net.evaluate(train.values.data(), train.rows, train.cols, &on_train).ok() ||
      !net.evaluate(test.values.data(), test.rows, test.cols, &on_test).ok()) {
    return 1;
  }
  std::printf("time per epoch: %.3f ms (%d epochs)\n", seconds * 1e3 / epochs, epochs);
  std::printf("train MSE    %.5f\n", on_train.mse);
  std::printf("held-out MSE %.5f   (predicting the mean: %.5f)\n", on_test.mse,
              mean_baseline(train, test));

  tinyae::CodePictureOptions picture;
  picture.upscale = 6;
  tinyae::Image image;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  s = tinyae::code_picture(net, test.values.data(), nullptr, 16, picture, &image);
  if (s.ok()) s = tinyae::save_png(folder + "/codes.png", image);
  if (!s.ok()) {
    std::fprintf(stderr, "digits_deep: %s\n", s.message());
    return 1;
  }
  std::printf("wrote %s/codes.png (held-out digits, their codes, reconstructions)\n", folder.c_str());
  return 0;
}
