// fashion-anomaly: one-class anomaly detection on Fashion-MNIST. For each class, the
// mnist-dense network (784-32-784, ReLU code, sigmoid output, mean BCE, Adam lr 1e-3,
// batch 256) trains 20 epochs on that class's ~6000 training images only; every one
// of the 10000 test images is then scored by its mean squared reconstruction error,
// the other nine classes being the anomalies. Prints the AUROC per class, the rates at
// the threshold (the 99th percentile of the training scores) and the mean AUROC.
//
//   fashion_anomaly [--epochs N] [--classes 0,3,7] [--threads N] [idx-folder]
// idx-folder holds the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist
// installs them in /usr/share/datasets/fashion-mnist).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tinyae/anomaly.hpp"
#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kFashionAnomaly;
const char* const kClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                     "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

int fail(const tinyae::Status& s) {
  std::fprintf(stderr, "fashion_anomaly: %s\n", s.message());
  return 1;
}

struct ClassResult {
  double auroc = 0;
  double threshold = 0;
  tinyae::DetectionRates rates;
};

tinyae::Status run_class(const tinyae::Matrix& train, const std::vector<std::uint8_t>& train_labels,
                         const tinyae::Matrix& test, const std::vector<std::uint8_t>& test_labels,
                         int normal, const tinyae::TrainConfig& config, ClassResult* out) {
  std::vector<float> normal_rows;
  std::int32_t rows = 0;
  for (std::int32_t r = 0; r < train.rows; ++r) {
    if (train_labels[std::size_t(r)] != normal) continue;
    normal_rows.insert(normal_rows.end(), train.row(r), train.row(r) + train.cols);
    ++rows;
  }
  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  TINYAE_RETURN_IF_ERROR(memory.allocate(tinyae::arena_bytes(kSpec, config)));
  TINYAE_RETURN_IF_ERROR(net.setup(kSpec, config, memory.arena()));
  TINYAE_RETURN_IF_ERROR(net.fit(normal_rows.data(), rows, train.cols));
  std::vector<double> scores;
  TINYAE_RETURN_IF_ERROR(tinyae::reconstruction_scores(net, normal_rows.data(), rows, train.cols, &scores));
  TINYAE_RETURN_IF_ERROR(tinyae::percentile_threshold(scores.data(), rows, tinyae::reference::kAnomalyPercentile,
                                                      &out->threshold));
  TINYAE_RETURN_IF_ERROR(tinyae::reconstruction_scores(net, test.values.data(), test.rows, test.cols, &scores));
  std::vector<std::uint8_t> anomalous(test_labels.size());
  for (std::size_t i = 0; i < anomalous.size(); ++i) anomalous[i] = test_labels[i] != normal ? 1 : 0;
  TINYAE_RETURN_IF_ERROR(tinyae::auroc(scores.data(), anomalous.data(), test.rows, &out->auroc));
  out->rates = tinyae::detection_rates(scores.data(), anomalous.data(), test.rows, out->threshold);
  return tinyae::Status();
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_folder = "/usr/share/datasets/fashion-mnist";
  tinyae::TrainConfig config = tinyae::reference::fashion_anomaly_config();
  std::vector<int> classes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) {
      config.epochs = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      config.threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--classes") == 0 && i + 1 < argc) {
      classes.clear();
      for (const char* p = argv[++i]; *p != '\0'; ++p) {
        if (*p >= '0' && *p <= '9') classes.push_back(*p - '0');
      }
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: fashion_anomaly [--epochs N] [--classes 0,3,7] [--threads N] [idx-folder]\n");
      return 1;
    } else {
      data_folder = argv[i];
    }
  }
  tinyae::Matrix train;
  tinyae::Matrix test;
  std::vector<std::uint8_t> train_labels;
  std::vector<std::uint8_t> test_labels;
  tinyae::Status s = tinyae::load_idx_images(data_folder + "/train-images-idx3-ubyte.gz", &train);
  if (s.ok()) s = tinyae::load_idx_labels(data_folder + "/train-labels-idx1-ubyte.gz", 10, &train_labels);
  if (s.ok()) s = tinyae::load_idx_images(data_folder + "/t10k-images-idx3-ubyte.gz", &test);
  if (s.ok()) s = tinyae::load_idx_labels(data_folder + "/t10k-labels-idx1-ubyte.gz", 10, &test_labels);
  if (s.ok() && (train_labels.size() != std::size_t(train.rows) || test_labels.size() != std::size_t(test.rows))) {
    s = tinyae::Status::error(tinyae::StatusCode::invalid_argument, "the label files do not match the images");
  }
  if (!s.ok()) {
    std::fprintf(stderr, "  (apt-get install dataset-fashion-mnist, or pass a folder of IDX files)\n");
    return fail(s);
  }
  std::printf("fashion-anomaly: 784-32-784 per normal class, %d epochs, scored on %d test images\n\n",
              config.epochs, test.rows);
  std::printf("| class | normal | AUROC | threshold | anomalies flagged | normal flagged |\n");
  std::printf("|---|---|---|---|---|---|\n");
  const auto start = std::chrono::steady_clock::now();
  double sum = 0;
  for (int c : classes) {
    ClassResult r;
    if (!(s = run_class(train, train_labels, test, test_labels, c, config, &r)).ok()) return fail(s);
    std::printf("| %d | %s | %.4f | %.5f | %.1f%% | %.1f%% |\n", c, kClassNames[c], r.auroc, r.threshold,
                100 * r.rates.true_positive_rate, 100 * r.rates.false_positive_rate);
    std::fflush(stdout);
    sum += r.auroc;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nmean AUROC %.4f over %zu classes; trained and scored in %.1f s\n", sum / double(classes.size()),
              classes.size(), seconds);
  return 0;
}
