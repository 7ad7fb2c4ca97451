// fashion-anomaly: one-class anomaly detection on Fashion-MNIST. For each class, the
// mnist-dense network (784-32-784, ReLU code, sigmoid output, mean BCE, Adam lr 1e-3,
// batch 256) trains 20 epochs on that class's ~6000 training images only; every one
// of the 10000 test images is then scored by its mean squared reconstruction error,
// the other nine classes being the anomalies. Prints the AUROC per class, the rates at
// the threshold (the 99th percentile of the training scores) and the mean AUROC; and the
// same for the whole network quantized to int8 (calibrated on the class's training
// images; integer scores, its threshold their 99th percentile).
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

struct Detection {
  double auroc = 0;
  double threshold = 0;
  tinyae::DetectionRates rates;
};

// AUROC, threshold and the rates at it, from the training and test scores.
tinyae::Status detect(const std::vector<double>& train_scores, const std::vector<double>& test_scores,
                      const std::vector<std::uint8_t>& anomalous, Detection* out) {
  TINYAE_RETURN_IF_ERROR(tinyae::percentile_threshold(train_scores.data(), std::int64_t(train_scores.size()),
                                                      tinyae::reference::kAnomalyPercentile, &out->threshold));
  const auto n = std::int64_t(test_scores.size());
  TINYAE_RETURN_IF_ERROR(tinyae::auroc(test_scores.data(), anomalous.data(), n, &out->auroc));
  out->rates = tinyae::detection_rates(test_scores.data(), anomalous.data(), n, out->threshold);
  return tinyae::Status();
}

struct ClassResult {
  Detection float32;
  Detection int8;
  double int8_score_scale = 0;
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
  std::vector<std::uint8_t> anomalous(test_labels.size());
  for (std::size_t i = 0; i < anomalous.size(); ++i) anomalous[i] = test_labels[i] != normal ? 1 : 0;
  std::vector<double> train_scores;
  std::vector<double> test_scores;
  TINYAE_RETURN_IF_ERROR(tinyae::reconstruction_scores(net, normal_rows.data(), rows, train.cols, &train_scores));
  TINYAE_RETURN_IF_ERROR(tinyae::reconstruction_scores(net, test.values.data(), test.rows, test.cols, &test_scores));
  TINYAE_RETURN_IF_ERROR(detect(train_scores, test_scores, anomalous, &out->float32));

  // The whole network in int8, pixels / 255 as the 8-bit input.
  tinyae::QuantizeOptions options;
  options.scope = tinyae::QuantizeScope::whole_network;
  options.fixed_input_range = true;
  constexpr std::int32_t kBatch = 256;
  tinyae::ArenaBuffer quant_memory;
  TINYAE_RETURN_IF_ERROR(quant_memory.allocate(tinyae::quantized_model_bytes(kSpec, options.scope) +
                                               tinyae::quantize_work_bytes(kSpec, options.scope) +
                                               tinyae::quantized_network_bytes(kSpec, kBatch, options.scope)));
  tinyae::QuantizedModel model;
  tinyae::QuantizedNetwork q;
  TINYAE_RETURN_IF_ERROR(tinyae::quantize(net, normal_rows.data(), rows, train.cols, options, quant_memory.arena(), &model));
  TINYAE_RETURN_IF_ERROR(q.setup(model, kBatch, quant_memory.arena()));
  TINYAE_RETURN_IF_ERROR(tinyae::int8_reconstruction_scores(q, normal_rows.data(), rows, train.cols, &train_scores));
  TINYAE_RETURN_IF_ERROR(tinyae::int8_reconstruction_scores(q, test.values.data(), test.rows, test.cols, &test_scores));
  out->int8_score_scale = model.score_scale();
  return detect(train_scores, test_scores, anomalous, &out->int8);
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
  std::printf("| class | normal | AUROC | threshold | anomalies flagged | normal flagged "
              "| int8 AUROC | int8 threshold (as MSE) | anomalies flagged | normal flagged |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  const auto start = std::chrono::steady_clock::now();
  double sum = 0;
  double int8_sum = 0;
  double largest_gap = 0;
  for (int c : classes) {
    ClassResult r;
    if (!(s = run_class(train, train_labels, test, test_labels, c, config, &r)).ok()) return fail(s);
    const Detection& f = r.float32;
    const Detection& q = r.int8;
    std::printf("| %d | %s | %.4f | %.5f | %.1f%% | %.1f%% | %.4f | %.0f (%.5f) | %.1f%% | %.1f%% |\n", c,
                kClassNames[c], f.auroc, f.threshold, 100 * f.rates.true_positive_rate,
                100 * f.rates.false_positive_rate, q.auroc, q.threshold, q.threshold * r.int8_score_scale,
                100 * q.rates.true_positive_rate, 100 * q.rates.false_positive_rate);
    std::fflush(stdout);
    sum += f.auroc;
    int8_sum += q.auroc;
    const double gap = q.auroc > f.auroc ? q.auroc - f.auroc : f.auroc - q.auroc;
    largest_gap = gap > largest_gap ? gap : largest_gap;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nmean AUROC %.4f float, %.4f int8 (largest difference %.2f points) over %zu classes; "
              "trained, quantized and scored in %.1f s\n",
              sum / double(classes.size()), int8_sum / double(classes.size()), 100 * largest_gap, classes.size(),
              seconds);
  return 0;
}
