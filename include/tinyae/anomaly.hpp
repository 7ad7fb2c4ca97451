// Anomaly detection by reconstruction error (host): a network trained on normal
// samples only scores each sample by how badly it reconstructs it; a threshold taken
// from the training scores separates normal from anomalous, and AUROC measures how
// well the scores rank anomalies above normal samples.
//
//   std::vector<double> train_scores, test_scores;
//   tinyae::reconstruction_scores(net, normal, rows, cols, &train_scores);
//   double threshold;
//   tinyae::percentile_threshold(train_scores.data(), rows, 99.0, &threshold);
//   tinyae::reconstruction_scores(net, test, test_rows, cols, &test_scores);
//   double area;
//   tinyae::auroc(test_scores.data(), is_anomaly.data(), test_rows, &area);
#pragma once

#include <cstdint>
#include <vector>

#include "tinyae/network.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/status.hpp"

namespace tinyae {

// An anomaly model's threshold: samples scoring above `score` are anomalous; it is the
// `percentile` (in (0, 100]) of the scores of the samples the model was trained on.
struct AnomalyThreshold {
  double percentile = 0;  // 0: no threshold
  double score = 0;
};

// scores[i] = the mean over the input's values of (reconstruction - input)^2 of row i
// (the float score), summed in double. rows x cols data, cols = the input size.
Status reconstruction_scores(Network& net, const float* data, std::int32_t rows,
                             std::int32_t cols, std::vector<double>* scores);

// The int8 score: scores[i] = QuantizedNetwork::score of row i, the exact sum of
// squared differences between its uint8 input and uint8 reconstruction (held exactly
// in a double). Times q.model().score_scale() it is on the float score's scale. rows x
// cols float data (cols = the input size, finite), quantized by the model's input grid.
Status int8_reconstruction_scores(QuantizedNetwork& q, const float* data, std::int32_t rows,
                                  std::int32_t cols, std::vector<double>* scores);

// The nearest-rank percentile: the smallest score s such that at least percent % of
// the n scores are <= s. A sample is anomalous when its score is above the threshold,
// so at most (100 - percent) % of the samples it came from are. percent in (0, 100];
// the scores must be finite.
Status percentile_threshold(const double* scores, std::int64_t n, double percent,
                            double* threshold);

// The area under the ROC curve, exactly: the Mann-Whitney statistic
// U / (anomalies x normal samples), U counting each (anomaly, normal) pair whose
// anomaly scores higher as 1 and each tie as 1/2. anomalous[i] != 0 marks an anomaly;
// both kinds must be present and the scores finite.
Status auroc(const double* scores, const std::uint8_t* anomalous, std::int64_t n, double* area);

// The ROC curve: one point per distinct score t, from the highest down, of the rates
// at which samples scoring >= t are flagged, starting at (0, 0) and ending at (1, 1).
struct RocPoint {
  double false_positive_rate;
  double true_positive_rate;
};
Status roc_curve(const double* scores, const std::uint8_t* anomalous, std::int64_t n,
                 std::vector<RocPoint>* curve);

// What a threshold does: samples scoring above it are flagged.
struct DetectionRates {
  std::int64_t anomalies = 0;
  std::int64_t normal = 0;
  std::int64_t true_positives = 0;   // anomalies flagged
  std::int64_t false_positives = 0;  // normal samples flagged
  double true_positive_rate = 0;     // true_positives / anomalies (0 without anomalies)
  double false_positive_rate = 0;    // false_positives / normal (0 without normal samples)
};
DetectionRates detection_rates(const double* scores, const std::uint8_t* anomalous,
                               std::int64_t n, double threshold);

}  // namespace tinyae
