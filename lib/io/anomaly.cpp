// Scores, thresholds and ROC statistics for anomaly detection (tinyae/anomaly.hpp).
#include "tinyae/anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tinyae {
namespace {

Status check_scores(const char* what, const double* scores, std::int64_t n) {
  if (n <= 0) return Status::error(StatusCode::invalid_argument, what, ": no scores");
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(scores[i])) {
      return Status::error(StatusCode::non_finite, what, ": score ", i, " is ", scores[i]);
    }
  }
  return Status();
}

Status check_labelled(const char* what, const double* scores, const std::uint8_t* anomalous,
                      std::int64_t n, std::int64_t* anomalies) {
  TINYAE_RETURN_IF_ERROR(check_scores(what, scores, n));
  *anomalies = 0;
  for (std::int64_t i = 0; i < n; ++i) *anomalies += anomalous[i] != 0 ? 1 : 0;
  if (*anomalies == 0 || *anomalies == n) {
    return Status::error(StatusCode::invalid_argument, what, ": the ", n, " samples are all ",
                         *anomalies == 0 ? "normal" : "anomalies",
                         "; both kinds are needed");
  }
  return Status();
}

// Indices of the scores, highest score first (ties in index order).
std::vector<std::int64_t> by_score_descending(const double* scores, std::int64_t n) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [scores](std::int64_t a, std::int64_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

Status reconstruction_scores(Network& net, const float* data, std::int32_t rows,
                             std::int32_t cols, std::vector<double>* scores) {
  if (rows <= 0) return Status::error(StatusCode::invalid_argument, "reconstruction_scores: no samples");
  constexpr std::int32_t kChunk = 256;  // bounds the reconstruction buffer
  std::vector<float> out(static_cast<std::size_t>(std::min(rows, kChunk)) * static_cast<std::size_t>(cols));
  std::vector<double> result(static_cast<std::size_t>(rows));
  for (std::int32_t begin = 0; begin < rows; begin += kChunk) {
    const std::int32_t count = std::min(kChunk, rows - begin);
    const float* x = data + static_cast<std::int64_t>(begin) * cols;
    TINYAE_RETURN_IF_ERROR(net.reconstruct(x, count, cols, out.data()));
    for (std::int32_t r = 0; r < count; ++r) {
      double sum = 0;
      for (std::int32_t c = 0; c < cols; ++c) {
        const double d = double(out[std::size_t(r) * cols + c]) - double(x[std::int64_t(r) * cols + c]);
        sum += d * d;
      }
      result[std::size_t(begin + r)] = sum / cols;
    }
  }
  *scores = std::move(result);
  return Status();
}

Status int8_reconstruction_scores(QuantizedNetwork& q, const float* data, std::int32_t rows,
                                  std::int32_t cols, std::vector<double>* scores) {
  if (rows <= 0) return Status::error(StatusCode::invalid_argument, "int8_reconstruction_scores: no samples");
  if (data == nullptr || scores == nullptr) {
    return Status::error(StatusCode::invalid_argument, "int8_reconstruction_scores: null data or output");
  }
  if (cols != q.model().input_size) {
    return Status::error(StatusCode::invalid_argument, "int8_reconstruction_scores: data has ", cols,
                         " columns but the model's input has ", q.model().input_size);
  }
  const std::int64_t n = std::int64_t{rows} * cols;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) {
      return Status::error(StatusCode::non_finite, "int8_reconstruction_scores: a non-finite value at row ",
                           i / cols, ", column ", i % cols);
    }
  }
  constexpr std::int32_t kChunk = 256;
  std::vector<std::uint8_t> in(static_cast<std::size_t>(std::min(rows, kChunk)) * static_cast<std::size_t>(cols));
  std::vector<std::int64_t> sums(static_cast<std::size_t>(std::min(rows, kChunk)));
  std::vector<double> result(static_cast<std::size_t>(rows));
  for (std::int32_t begin = 0; begin < rows; begin += kChunk) {
    const std::int32_t count = std::min(kChunk, rows - begin);
    q.model().quantize_input(data + std::int64_t{begin} * cols, std::int64_t{count} * cols, in.data());
    TINYAE_RETURN_IF_ERROR(q.score(in.data(), count, sums.data()));
    for (std::int32_t r = 0; r < count; ++r) result[std::size_t(begin + r)] = double(sums[std::size_t(r)]);
  }
  *scores = std::move(result);
  return Status();
}

Status percentile_threshold(const double* scores, std::int64_t n, double percent,
                            double* threshold) {
  if (!(percent > 0 && percent <= 100)) {
    return Status::error(StatusCode::invalid_argument, "threshold percentile ", percent,
                         " is outside (0, 100]");
  }
  TINYAE_RETURN_IF_ERROR(check_scores("percentile_threshold", scores, n));
  std::vector<double> sorted(scores, scores + n);
  // rank = ceil(percent / 100 * n), in exact arithmetic where the product is whole.
  const double exact = percent / 100.0 * double(n);
  auto rank = static_cast<std::int64_t>(std::ceil(exact - 1e-9 * exact));
  rank = std::min(std::max(rank, std::int64_t{1}), n);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank - 1), sorted.end());
  *threshold = sorted[std::size_t(rank - 1)];
  return Status();
}

Status auroc(const double* scores, const std::uint8_t* anomalous, std::int64_t n, double* area) {
  std::int64_t anomalies = 0;
  TINYAE_RETURN_IF_ERROR(check_labelled("auroc", scores, anomalous, n, &anomalies));
  const std::vector<std::int64_t> order = by_score_descending(scores, n);
  // Walk groups of equal scores from the top: each anomaly in a group beats every
  // normal sample below the group and ties with the group's normal samples.
  const std::int64_t normal = n - anomalies;
  double u = 0;
  std::int64_t normal_above = 0;
  for (std::int64_t i = 0; i < n;) {
    std::int64_t j = i;
    std::int64_t group_anomalies = 0;
    while (j < n && scores[order[std::size_t(j)]] == scores[order[std::size_t(i)]]) {
      group_anomalies += anomalous[order[std::size_t(j)]] != 0 ? 1 : 0;
      ++j;
    }
    const std::int64_t group_normal = (j - i) - group_anomalies;
    const std::int64_t normal_below = normal - normal_above - group_normal;
    u += double(group_anomalies) * (double(normal_below) + 0.5 * double(group_normal));
    normal_above += group_normal;
    i = j;
  }
  *area = u / (double(anomalies) * double(normal));
  return Status();
}

Status roc_curve(const double* scores, const std::uint8_t* anomalous, std::int64_t n,
                 std::vector<RocPoint>* curve) {
  std::int64_t anomalies = 0;
  TINYAE_RETURN_IF_ERROR(check_labelled("roc_curve", scores, anomalous, n, &anomalies));
  const std::vector<std::int64_t> order = by_score_descending(scores, n);
  const double normal = double(n - anomalies);
  std::vector<RocPoint> points{{0.0, 0.0}};
  std::int64_t tp = 0;
  std::int64_t fp = 0;
  for (std::int64_t i = 0; i < n;) {
    std::int64_t j = i;
    while (j < n && scores[order[std::size_t(j)]] == scores[order[std::size_t(i)]]) {
      (anomalous[order[std::size_t(j)]] != 0 ? tp : fp) += 1;
      ++j;
    }
    points.push_back({double(fp) / normal, double(tp) / double(anomalies)});
    i = j;
  }
  *curve = std::move(points);
  return Status();
}

DetectionRates detection_rates(const double* scores, const std::uint8_t* anomalous,
                               std::int64_t n, double threshold) {
  DetectionRates r;
  for (std::int64_t i = 0; i < n; ++i) {
    const bool flagged = scores[i] > threshold;
    if (anomalous[i] != 0) {
      ++r.anomalies;
      r.true_positives += flagged ? 1 : 0;
    } else {
      ++r.normal;
      r.false_positives += flagged ? 1 : 0;
    }
  }
  r.true_positive_rate = r.anomalies > 0 ? double(r.true_positives) / double(r.anomalies) : 0;
  r.false_positive_rate = r.normal > 0 ? double(r.false_positives) / double(r.normal) : 0;
  return r;
}

}  // namespace tinyae
