// `tinyae quantize` (the int8 encoder or whole network, and its accuracy) and `tinyae
// export --c-header` (the int8 network as C, or with --float the float network as const
// arrays).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace tinyae::cli {

class QuantCommands {
 public:
  // Adds the `quantize` subcommand to app and --c-header (with its calibration flags)
  // to the existing `export` subcommand, which then needs exactly one of --npy and
  // --c-header.
  QuantCommands(CLI::App& app, CLI::App* export_cmd);
  // Whether the parsed command line is one of ours.
  bool parsed() const;
  // Runs it; the process exit code.
  int run();

  struct Flags {
    std::string model;
    std::string preset;
    std::string data;  // calibration samples
    std::string test;  // held-out samples for the report
    std::int32_t columns = 0;
    float scale = 1.0f;
    std::int32_t calibration_rows = 2000;
    std::string calibration = "min-max";
    double percentile = 99.99;
    std::vector<float> input_range;
    std::string isa;
    std::string c_header;
    bool float_header = false;  // export --float: the float network, no quantization
    bool whole_network = false;  // --whole-network: the decoder too
    std::int32_t normal_class = -1;  // an anomaly model's normal class
    std::string calibration_labels;  // labels of --data: calibrate on the normal class
    std::string labels;              // quantize: labels of --test, for the AUROC of both
    std::string name = "tinyae_encoder";
  };

 private:
  CLI::App* quantize_ = nullptr;
  CLI::App* export_ = nullptr;
  Flags quantize_flags_;
  Flags export_flags_;
};

}  // namespace tinyae::cli
