// Anomaly scores, thresholds and ROC statistics against brute-force references.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "test_support.hpp"
#include "tinyae/anomaly.hpp"
#include "tinyae/pictures.hpp"

using namespace tinyae;

namespace {

// AUROC by its definition: over all (anomaly, normal) pairs, 1 when the anomaly scores
// higher, 1/2 on a tie.
double pairwise_auroc(const std::vector<double>& s, const std::vector<std::uint8_t>& a) {
  double wins = 0;
  double pairs = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (a[i] == 0 || a[j] != 0) continue;
      wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
      pairs += 1;
    }
  }
  return wins / pairs;
}

}  // namespace

TEST_CASE("auroc is the Mann-Whitney statistic, ties counted as halves", "[anomaly]") {
  // Hand-worked: anomalies score 3, 2; normal samples 2, 1. Pairs (3,2) (3,1) (2,1) won,
  // (2,2) tied: (3 + 0.5) / 4.
  const std::vector<double> s = {3, 2, 2, 1};
  const std::vector<std::uint8_t> a = {1, 1, 0, 0};
  double area = 0;
  REQUIRE(auroc(s.data(), a.data(), 4, &area).ok());
  CHECK(area == 0.875);

  Pcg32 rng(7, 1);
  for (int trial = 0; trial < 50; ++trial) {
    const auto n = static_cast<std::int64_t>(2 + rng.next_u32() % 200);
    std::vector<double> scores(static_cast<std::size_t>(n));
    std::vector<std::uint8_t> labels(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      scores[std::size_t(i)] = double(rng.next_u32() % 12);  // many ties
      labels[std::size_t(i)] = static_cast<std::uint8_t>(i < 1 ? 1 : i < 2 ? 0 : rng.next_u32() % 2);
    }
    REQUIRE(auroc(scores.data(), labels.data(), n, &area).ok());
    CHECK(area == Approx(pairwise_auroc(scores, labels)).epsilon(1e-12));
  }
  // Perfect and inverted rankings.
  const std::vector<double> sorted = {1, 2, 3, 4};
  const std::vector<std::uint8_t> top = {0, 0, 1, 1};
  const std::vector<std::uint8_t> bottom = {1, 1, 0, 0};
  REQUIRE(auroc(sorted.data(), top.data(), 4, &area).ok());
  CHECK(area == 1.0);
  REQUIRE(auroc(sorted.data(), bottom.data(), 4, &area).ok());
  CHECK(area == 0.0);
}

TEST_CASE("the ROC curve's trapezoids add up to the auroc", "[anomaly]") {
  Pcg32 rng(11, 1);
  std::vector<double> scores(300);
  std::vector<std::uint8_t> labels(300);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    labels[i] = static_cast<std::uint8_t>(i % 3 == 0);
    scores[i] = double(rng.next_u32() % 40) + (labels[i] ? 8.0 : 0.0);
  }
  std::vector<RocPoint> curve;
  REQUIRE(roc_curve(scores.data(), labels.data(), 300, &curve).ok());
  REQUIRE(curve.front().false_positive_rate == 0);
  REQUIRE(curve.front().true_positive_rate == 0);
  REQUIRE(curve.back().false_positive_rate == 1);
  REQUIRE(curve.back().true_positive_rate == 1);
  double trapezoids = 0;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    REQUIRE(curve[i].false_positive_rate >= curve[i - 1].false_positive_rate);
    REQUIRE(curve[i].true_positive_rate >= curve[i - 1].true_positive_rate);
    trapezoids += (curve[i].false_positive_rate - curve[i - 1].false_positive_rate) *
                  (curve[i].true_positive_rate + curve[i - 1].true_positive_rate) / 2;
  }
  double area = 0;
  REQUIRE(auroc(scores.data(), labels.data(), 300, &area).ok());
  CHECK(trapezoids == Approx(area).epsilon(1e-12));
  CHECK(area > 0.6);

  const Image roc = roc_plot(curve, "roc");
  CHECK(roc.width == 480);
  CHECK(roc.channels == 3);
  const Image hist = score_histogram(scores.data(), labels.data(), 300, 20.0, 30, "scores");
  CHECK(hist.width == 640);
  CHECK(hist.pixels.size() == std::size_t(640) * 360 * 3);
}

TEST_CASE("percentile_threshold is the nearest-rank percentile", "[anomaly]") {
  std::vector<double> s(200);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = double((i * 37) % 200);  // 0..199 shuffled
  double t = 0;
  REQUIRE(percentile_threshold(s.data(), 200, 99.0, &t).ok());
  CHECK(t == 197);  // rank ceil(0.99 * 200) = 198: 198 of the 200 scores are <= 197
  REQUIRE(percentile_threshold(s.data(), 200, 100.0, &t).ok());
  CHECK(t == 199);
  REQUIRE(percentile_threshold(s.data(), 200, 0.1, &t).ok());
  CHECK(t == 0);
  REQUIRE(percentile_threshold(s.data(), 200, 50.2, &t).ok());
  CHECK(t == 100);  // rank ceil(100.4) = 101
  // The flagged share of the training set is at most 100 - percentile.
  std::vector<std::uint8_t> none(200, 0);
  REQUIRE(percentile_threshold(s.data(), 200, 95.0, &t).ok());
  const DetectionRates r = detection_rates(s.data(), none.data(), 200, t);
  CHECK(r.false_positives == 10);
  CHECK(r.false_positive_rate == 0.05);
  CHECK(r.anomalies == 0);
  CHECK(r.true_positive_rate == 0);
}

TEST_CASE("detection_rates counts the samples above the threshold", "[anomaly]") {
  const std::vector<double> s = {0.1, 0.5, 0.5, 0.9, 0.2, 0.7};
  const std::vector<std::uint8_t> a = {0, 1, 0, 1, 0, 1};
  const DetectionRates r = detection_rates(s.data(), a.data(), 6, 0.5);
  CHECK(r.anomalies == 3);
  CHECK(r.normal == 3);
  CHECK(r.true_positives == 2);  // 0.9 and 0.7; 0.5 is not above the threshold
  CHECK(r.false_positives == 0);
  CHECK(r.true_positive_rate == Approx(2.0 / 3));
}

TEST_CASE("anomaly statistics reject bad input with the value named", "[anomaly][bad-input]") {
  const std::vector<double> s = {1, 2, std::nan(""), 4};
  const std::vector<std::uint8_t> a = {0, 1, 0, 1};
  double v = -1;
  Status e = auroc(s.data(), a.data(), 4, &v);
  CHECK(e.code() == StatusCode::non_finite);
  CHECK(std::string(e.message()).find("score 2") != std::string::npos);
  CHECK(v == -1);
  const std::vector<double> ok = {1, 2, 3, 4};
  const std::vector<std::uint8_t> all_normal = {0, 0, 0, 0};
  e = auroc(ok.data(), all_normal.data(), 4, &v);
  CHECK(e.code() == StatusCode::invalid_argument);
  CHECK(std::string(e.message()).find("all normal") != std::string::npos);
  std::vector<RocPoint> curve;
  CHECK(roc_curve(ok.data(), all_normal.data(), 4, &curve).code() == StatusCode::invalid_argument);
  for (double bad : {0.0, -5.0, 100.01, std::nan("")}) {
    e = percentile_threshold(ok.data(), 4, bad, &v);
    CHECK(e.code() == StatusCode::invalid_argument);
    CHECK(std::string(e.message()).find("outside (0, 100]") != std::string::npos);
  }
  CHECK(v == -1);
  CHECK(percentile_threshold(ok.data(), 0, 99, &v).code() == StatusCode::invalid_argument);
}

// A 6-3-6 sigmoid autoencoder (untrained) and 300 random rows: more than one 256-row chunk.
struct Small6 {
  static constexpr NetworkSpec kSpec =
      NetworkSpec(Shape::vector(6)).dense(3, Activation::sigmoid).code().dense(6, Activation::sigmoid);
  static constexpr std::int32_t kRows = 300;
  static TrainConfig config() {
    TrainConfig c;
    c.batch_size = 4;
    return c;
  }
  explicit Small6(std::uint64_t seed) : memory(arena_bytes(kSpec, config())), x(std::size_t(kRows) * 6) {
    REQUIRE(net.setup(kSpec, config(), memory.arena).ok());
    Pcg32 rng(seed, 1);
    for (float& v : x) v = rng.next_float();
  }
  test::OwnedArena memory;
  Network net;
  std::vector<float> x;
};

TEST_CASE("reconstruction_scores are each row's mean squared reconstruction error", "[anomaly]") {
  Small6 small(3);
  Network& net = small.net;
  std::vector<float>& x = small.x;
  const std::int32_t rows = Small6::kRows;
  std::vector<float> out(x.size());
  REQUIRE(net.reconstruct(x.data(), rows, 6, out.data()).ok());
  std::vector<double> scores;
  REQUIRE(reconstruction_scores(net, x.data(), rows, 6, &scores).ok());
  REQUIRE(scores.size() == std::size_t(rows));
  for (std::int32_t r = 0; r < rows; ++r) {
    double sse = 0;
    for (int c = 0; c < 6; ++c) {
      const double d = double(out[std::size_t(r) * 6 + c]) - double(x[std::size_t(r) * 6 + c]);
      sse += d * d;
    }
    CHECK(scores[std::size_t(r)] == Approx(sse / 6).epsilon(1e-12));
  }
  x[7] = std::nanf("");
  CHECK(reconstruction_scores(net, x.data(), rows, 6, &scores).code() == StatusCode::non_finite);
  CHECK(reconstruction_scores(net, x.data(), rows, 5, &scores).code() == StatusCode::invalid_argument);
}

TEST_CASE("int8 reconstruction scores are the integer distances of the int8 reconstruction", "[anomaly][quant]") {
  Small6 small(4);
  Network& net = small.net;
  std::vector<float>& x = small.x;
  const std::int32_t rows = Small6::kRows;
  constexpr NetworkSpec spec = Small6::kSpec;
  QuantizeOptions options;
  options.scope = QuantizeScope::whole_network;
  options.fixed_input_range = true;
  test::OwnedArena quant_memory(quantized_model_bytes(spec, options.scope) + quantize_work_bytes(spec, options.scope) +
                                quantized_network_bytes(spec, 16, options.scope));
  QuantizedModel model;
  QuantizedNetwork q;
  REQUIRE(quantize(net, x.data(), rows, 6, options, quant_memory.arena, &model).ok());
  REQUIRE(q.setup(model, 16, quant_memory.arena).ok());
  std::vector<std::uint8_t> in(x.size());
  std::vector<std::uint8_t> out(x.size());
  model.quantize_input(x.data(), std::int64_t(x.size()), in.data());
  REQUIRE(q.reconstruct(in.data(), rows, out.data()).ok());
  std::vector<double> scores;
  REQUIRE(int8_reconstruction_scores(q, x.data(), rows, 6, &scores).ok());
  REQUIRE(scores.size() == std::size_t(rows));
  std::vector<double> float_scores;
  REQUIRE(reconstruction_scores(net, x.data(), rows, 6, &float_scores).ok());
  for (std::int32_t r = 0; r < rows; ++r) {
    std::int64_t sse = 0;
    for (int c = 0; c < 6; ++c) {
      const std::int64_t d = std::int64_t{in[std::size_t(r) * 6 + c]} - out[std::size_t(r) * 6 + c];
      sse += d * d;
    }
    REQUIRE(scores[std::size_t(r)] == double(sse));
    // On the float scale, within a few input steps of the float score.
    CHECK(std::fabs(scores[std::size_t(r)] * model.score_scale() - float_scores[std::size_t(r)]) < 0.02);
  }
  x[7] = std::nanf("");
  Status s = int8_reconstruction_scores(q, x.data(), rows, 6, &scores);
  CHECK(s.code() == StatusCode::non_finite);
  CHECK(std::string(s.message()).find("row 1, column 1") != std::string::npos);
  CHECK(int8_reconstruction_scores(q, x.data(), rows, 5, &scores).code() == StatusCode::invalid_argument);
  CHECK(int8_reconstruction_scores(q, x.data(), 0, 6, &scores).code() == StatusCode::invalid_argument);
}
