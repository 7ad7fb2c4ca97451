// `tinyae score`: anomaly scores of a model on data (per-sample reconstruction error),
// and with labels how well they separate the normal class from the rest.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tinyae/anomaly.hpp"

namespace tinyae::cli {

// What train and score print for scores of labelled samples: AUROC and, when the
// threshold is set, the rates at it; writes the ROC curve and the score histogram to
// the PNG paths that are not empty. *area receives the AUROC.
Status report_anomaly(const std::vector<double>& scores, const std::vector<std::uint8_t>& anomalous,
                      const AnomalyThreshold& threshold, const std::string& roc_png,
                      const std::string& histogram_png, double* area);

class ScoreCommand {
 public:
  // Adds the `score` subcommand to app.
  explicit ScoreCommand(CLI::App& app);
  bool parsed() const { return cmd_->parsed(); }
  // Runs it; the process exit code.
  int run();

 private:
  CLI::App* cmd_ = nullptr;
  std::string model_;
  std::string preset_;
  std::string data_;
  std::int32_t columns_ = 0;
  float scale_ = 1.0f;
  std::string labels_;
  std::int32_t normal_class_ = -1;
  std::string output_;
  std::string roc_;
  std::string histogram_;
  bool int8_ = false;
  std::string calibration_data_;
  std::string calibration_labels_;
  std::vector<float> input_range_;
};

}  // namespace tinyae::cli
