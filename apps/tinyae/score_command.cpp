#include "score_command.hpp"

#include <cstdio>

#include "presets.hpp"
#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"
#include "tinyae/quantize.hpp"

namespace tinyae::cli {
namespace {

int fail(const Status& s) {
  std::fprintf(stderr, "tinyae: %s\n", s.message());
  return 1;
}

Status save_scores(const std::string& path, const std::vector<double>& scores) {
  if (ends_with(path, ".npy")) {
    const std::vector<float> values(scores.begin(), scores.end());
    return save_npy(path, values.data(), {static_cast<std::int64_t>(values.size())});
  }
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Status::error(StatusCode::io_error, path.c_str(), ": cannot write");
  std::fprintf(f, "score\n");
  for (double v : scores) std::fprintf(f, "%.17g\n", v);
  if (std::fclose(f) != 0) return Status::error(StatusCode::io_error, path.c_str(), ": write failed");
  return Status();
}

// The whole network in int8, calibrated on normal samples.
struct Int8Scorer {
  ArenaBuffer memory;
  QuantizedModel model;
  QuantizedNetwork net;
};

Status setup_int8(Network& net, const Matrix& calibration, const std::vector<float>& input_range,
                  Int8Scorer* out) {
  const NetworkSpec& spec = net.spec();
  const QuantizeScope scope = QuantizeScope::whole_network;
  TINYAE_RETURN_IF_ERROR(quantizable(spec, scope));
  QuantizeOptions options;
  options.scope = scope;
  if (input_range.size() == 2) {
    options.fixed_input_range = true;
    options.input_min = input_range[0];
    options.input_max = input_range[1];
  }
  TINYAE_RETURN_IF_ERROR(out->memory.allocate(quantized_model_bytes(spec, scope) + quantize_work_bytes(spec, scope) +
                                              quantized_network_bytes(spec, 256, scope)));
  TINYAE_RETURN_IF_ERROR(quantize(net, calibration.values.data(), calibration.rows, calibration.cols, options,
                                  out->memory.arena(), &out->model));
  return out->net.setup(out->model, 256, out->memory.arena());
}

// Integer scores on the float score's scale (the MSE of the dequantized bytes).
Status int8_scores(Int8Scorer& q, const Matrix& x, std::vector<double>* scores) {
  TINYAE_RETURN_IF_ERROR(int8_reconstruction_scores(q.net, x.values.data(), x.rows, x.cols, scores));
  for (double& v : *scores) v *= q.model.score_scale();
  return Status();
}

}  // namespace

Status report_anomaly(const std::vector<double>& scores, const std::vector<std::uint8_t>& anomalous,
                      const AnomalyThreshold& threshold, const std::string& roc_png,
                      const std::string& histogram_png, double* area) {
  const auto n = static_cast<std::int64_t>(scores.size());
  TINYAE_RETURN_IF_ERROR(auroc(scores.data(), anomalous.data(), n, area));
  std::vector<RocPoint> curve;
  TINYAE_RETURN_IF_ERROR(roc_curve(scores.data(), anomalous.data(), n, &curve));
  const DetectionRates r = detection_rates(scores.data(), anomalous.data(), n, threshold.score);
  std::printf("AUROC     %.4f  (%lld anomalies, %lld normal samples)\n", *area,
              static_cast<long long>(r.anomalies), static_cast<long long>(r.normal));
  if (threshold.percentile > 0) {
    std::printf("threshold %.6g (the %g percentile of the training scores): flags %.1f%% of the "
                "anomalies (%lld) and %.1f%% of the normal samples (%lld)\n",
                threshold.score, threshold.percentile, 100 * r.true_positive_rate,
                static_cast<long long>(r.true_positives), 100 * r.false_positive_rate,
                static_cast<long long>(r.false_positives));
  }
  char title[64];
  std::snprintf(title, sizeof title, "ROC, AUROC %.4f", *area);
  if (!roc_png.empty()) TINYAE_RETURN_IF_ERROR(save_png(roc_png, roc_plot(curve, title)));
  if (!histogram_png.empty()) {
    TINYAE_RETURN_IF_ERROR(save_png(histogram_png,
                                    score_histogram(scores.data(), anomalous.data(), n,
                                                    threshold.percentile > 0 ? threshold.score : -1.0, 50,
                                                    "reconstruction error")));
  }
  return Status();
}

ScoreCommand::ScoreCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("score", "anomaly scores (per-sample reconstruction MSE) of a model on data");
  cmd_->footer("With --labels and --class: AUROC of the scores (samples of another class are the anomalies),\n"
               "and the rates at the model's threshold when it has one (tinyae train --class stores it).\n"
               "Example:\n"
               "  tinyae train --preset fashion-anomaly --class 7 --out out/a7\n"
               "  tinyae score --model out/a7/model.tae --preset fashion-anomaly --class 7 --roc roc.png");
  cmd_->add_option("--model", model_, "model file")->required();
  cmd_->add_option("--data", data_, "samples: .csv[.gz], .npy or IDX");
  cmd_->add_option("--preset", preset_, "its --columns and --scale and, without --data, its test set and labels");
  cmd_->add_option("--columns", columns_, "keep the first N columns of each row (CSV labels dropped)");
  cmd_->add_option("--scale", scale_, "multiply CSV/NPY values by this (IDX images are scaled to [0,1])");
  cmd_->add_option("--labels", labels_, "one label per sample: IDX labels, or a CSV whose last column is the label");
  cmd_->add_option("--class", normal_class_, "the normal class; samples of other classes are anomalies")
      ->check(CLI::Range(0, 0x7fffffff));
  cmd_->add_option("--output", output_, "write the scores (.csv: a column with a header, .npy: float32)");
  cmd_->add_option("--roc", roc_, "with labels: ROC curve as PNG");
  cmd_->add_option("--histogram", histogram_, "with labels: PNG of the scores, normal against anomalous");
  cmd_->add_flag("--int8", int8_,
                 "score with the whole network quantized to int8 (integer scores; the threshold recomputed "
                 "at the model's percentile on the calibration samples)");
  cmd_->add_option("--calibration-data", calibration_data_,
                   "with --int8: normal samples to calibrate on (default: the preset's training set)");
  cmd_->add_option("--calibration-labels", calibration_labels_,
                   "with --int8 and --class: their labels, to keep the normal class (default: the preset's)");
  cmd_->add_option("--input-range", input_range_, "with --int8: fixed input range MIN MAX (0 1 for pixels/255)")
      ->expected(2);
}

int ScoreCommand::run() {
  if (!preset_.empty()) {
    Preset p;
    Status s = find_preset(preset_, &p);
    if (!s.ok()) return fail(s);
    if (data_.empty()) {
      data_ = p.test_data;
      if (labels_.empty()) labels_ = p.test_labels;
    }
    if (calibration_data_.empty()) {
      calibration_data_ = p.train_data;
      if (calibration_labels_.empty()) calibration_labels_ = p.train_labels;
    }
    if (cmd_->count("--columns") == 0) columns_ = p.columns;
    if (cmd_->count("--scale") == 0) scale_ = p.scale;
  }
  if (data_.empty()) return fail(Status::error(StatusCode::invalid_argument, "score: give --data or --preset"));
  if (normal_class_ >= 0 && labels_.empty()) {
    return fail(Status::error(StatusCode::invalid_argument, "score: --class needs --labels"));
  }
  if (cmd_->count("--labels") > 0 && normal_class_ < 0) {
    return fail(Status::error(StatusCode::invalid_argument, "score: --labels needs --class (the normal class)"));
  }
  if ((!roc_.empty() || !histogram_.empty()) && normal_class_ < 0) {
    return fail(Status::error(StatusCode::invalid_argument, "score: --roc and --histogram need --labels and --class"));
  }
  if (!int8_ && cmd_->count("--calibration-data") + cmd_->count("--calibration-labels") + cmd_->count("--input-range") > 0) {
    return fail(Status::error(StatusCode::invalid_argument,
                              "score: --calibration-data, --calibration-labels and --input-range need --int8"));
  }
  if (int8_ && calibration_data_.empty()) {
    return fail(Status::error(StatusCode::invalid_argument,
                              "score --int8: give --calibration-data (normal samples) or --preset"));
  }
  Matrix x;
  LoadedModel loaded;
  Status s = load_rows(data_, columns_, scale_, &x);
  if (s.ok()) s = load_network(model_, 256, &loaded);
  std::vector<std::uint8_t> anomalous;
  if (s.ok() && normal_class_ >= 0) s = anomaly_flags(labels_, x.rows, normal_class_, &anomalous);
  std::vector<double> scores;
  AnomalyThreshold threshold = loaded.model.anomaly;
  if (s.ok() && !int8_) s = reconstruction_scores(loaded.net, x.values.data(), x.rows, x.cols, &scores);
  Int8Scorer q;
  if (s.ok() && int8_) {
    Matrix calibration;
    s = load_rows(calibration_data_, columns_, scale_, &calibration);
    if (s.ok() && normal_class_ >= 0 && !calibration_labels_.empty()) {
      std::vector<std::uint8_t> other;
      s = anomaly_flags(calibration_labels_, calibration.rows, normal_class_, &other);
      if (s.ok()) calibration = normal_rows(calibration, other);
    }
    if (s.ok()) s = setup_int8(loaded.net, calibration, input_range_, &q);
    std::vector<double> calibration_scores;
    if (s.ok() && threshold.percentile > 0) s = int8_scores(q, calibration, &calibration_scores);
    if (s.ok() && threshold.percentile > 0) {
      s = percentile_threshold(calibration_scores.data(), std::int64_t(calibration_scores.size()),
                               threshold.percentile, &threshold.score);
    }
    if (s.ok()) s = int8_scores(q, x, &scores);
    if (s.ok()) {
      std::printf("int8      the whole network, calibrated on %d normal samples; a score is an integer sum "
                  "of squared byte differences times %.6g\n",
                  calibration.rows, q.model.score_scale());
    }
  }
  if (!s.ok()) return fail(s);
  double mean = 0;
  std::int64_t flagged = 0;
  for (double v : scores) {
    mean += v / double(scores.size());
    flagged += threshold.percentile > 0 && v > threshold.score ? 1 : 0;
  }
  std::printf("scored    %d samples, mean %.6g", x.rows, mean);
  if (threshold.percentile > 0) {
    std::printf(", %lld above the threshold %.6g", static_cast<long long>(flagged), threshold.score);
  }
  std::printf("\n");
  if (normal_class_ >= 0) {
    double area = 0;
    s = report_anomaly(scores, anomalous, threshold, roc_, histogram_, &area);
    if (!s.ok()) return fail(s);
  }
  if (!output_.empty() && !(s = save_scores(output_, scores)).ok()) return fail(s);
  if (!output_.empty()) std::printf("wrote %s\n", output_.c_str());
  return 0;
}

}  // namespace tinyae::cli
