// fashion-anomaly (DESIGN.md) on the real Fashion-MNIST from Debian's dataset-fashion-mnist.
#include <catch2/catch.hpp>

#include "test_support.hpp"
#include "tinyae/anomaly.hpp"
#include "tinyae/io.hpp"
#include "tinyae/quantize.hpp"

#include <cmath>

using namespace tinyae;

TEST_CASE("fashion-anomaly: every class's model ranks the other nine classes above it, in float and in int8", "[reference][anomaly]") {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  Matrix train;
  Matrix test;
  std::vector<std::uint8_t> train_labels;
  std::vector<std::uint8_t> test_labels;
  Status s = load_idx_images(dir + "train-images-idx3-ubyte.gz", &train);
  INFO(s.message() << " (apt-get install dataset-fashion-mnist)");
  REQUIRE(s.ok());
  REQUIRE(load_idx_labels(dir + "train-labels-idx1-ubyte.gz", 10, &train_labels).ok());
  REQUIRE(load_idx_images(dir + "t10k-images-idx3-ubyte.gz", &test).ok());
  REQUIRE(load_idx_labels(dir + "t10k-labels-idx1-ubyte.gz", 10, &test_labels).ok());

  constexpr NetworkSpec spec = reference::kFashionAnomaly;
  constexpr TrainConfig config = reference::fashion_anomaly_config();
  double sum = 0;
  for (int normal = 0; normal < 10; ++normal) {
    std::vector<float> rows;
    for (std::int32_t r = 0; r < train.rows; ++r) {
      if (train_labels[std::size_t(r)] == normal) rows.insert(rows.end(), train.row(r), train.row(r) + 784);
    }
    const auto n = static_cast<std::int32_t>(rows.size() / 784);
    REQUIRE(n == 6000);
    ArenaBuffer memory;
    REQUIRE(memory.allocate(arena_bytes(spec, config)).ok());
    Network net;
    REQUIRE(net.setup(spec, config, memory.arena()).ok());
    REQUIRE(net.fit(rows.data(), n, 784).ok());

    std::vector<double> scores;
    double threshold = 0;
    REQUIRE(reconstruction_scores(net, rows.data(), n, 784, &scores).ok());
    REQUIRE(percentile_threshold(scores.data(), n, reference::kAnomalyPercentile, &threshold).ok());
    std::vector<std::uint8_t> none(std::size_t(n), 0);
    CHECK(detection_rates(scores.data(), none.data(), n, threshold).false_positives <= n / 100);

    REQUIRE(reconstruction_scores(net, test.values.data(), test.rows, 784, &scores).ok());
    std::vector<std::uint8_t> anomalous(test_labels.size());
    for (std::size_t i = 0; i < anomalous.size(); ++i) anomalous[i] = test_labels[i] != normal ? 1 : 0;
    double area = 0;
    REQUIRE(auroc(scores.data(), anomalous.data(), test.rows, &area).ok());
    const DetectionRates r = detection_rates(scores.data(), anomalous.data(), test.rows, threshold);
    INFO("class " << normal << ": AUROC " << area << ", flags " << r.true_positive_rate << " of the anomalies, "
                  << r.false_positive_rate << " of the normal test images");
    CHECK(area > 0.8);                      // the hardest class, Shirt, is about 0.84
    CHECK(r.false_positive_rate < 0.03);    // the training set's 1%, give or take the test set
    sum += area;

    // The whole network in int8 (pixels as the input), integer scores: the same ranking
    // within 0.5 AUROC points (measured: within 0.01), and its own threshold at the
    // same percentile of its training scores.
    QuantizeOptions options;
    options.scope = QuantizeScope::whole_network;
    options.fixed_input_range = true;
    ArenaBuffer quant_memory;
    REQUIRE(quant_memory.allocate(quantized_model_bytes(spec, options.scope) + quantize_work_bytes(spec, options.scope) +
                                  quantized_network_bytes(spec, 256, options.scope)).ok());
    QuantizedModel model;
    QuantizedNetwork q;
    REQUIRE(quantize(net, rows.data(), n, 784, options, quant_memory.arena(), &model).ok());
    REQUIRE(q.setup(model, 256, quant_memory.arena()).ok());
    std::vector<double> int8_scores;
    REQUIRE(int8_reconstruction_scores(q, rows.data(), n, 784, &int8_scores).ok());
    double int8_threshold = 0;
    REQUIRE(percentile_threshold(int8_scores.data(), n, reference::kAnomalyPercentile, &int8_threshold).ok());
    // On the float score's scale, the two thresholds agree to a few percent.
    CHECK(int8_threshold * model.score_scale() == Approx(threshold).epsilon(0.03));
    REQUIRE(int8_reconstruction_scores(q, test.values.data(), test.rows, 784, &int8_scores).ok());
    double int8_area = 0;
    REQUIRE(auroc(int8_scores.data(), anomalous.data(), test.rows, &int8_area).ok());
    INFO("int8 AUROC " << int8_area);
    CHECK(std::fabs(int8_area - area) <= 0.005);
    CHECK(detection_rates(int8_scores.data(), anomalous.data(), test.rows, int8_threshold).false_positive_rate < 0.03);
  }
  INFO("mean AUROC " << sum / 10);
  CHECK(sum / 10 > 0.9);  // about 0.93 (PyTorch, same set-up: see bench/torch_fashion_anomaly.py)
}
