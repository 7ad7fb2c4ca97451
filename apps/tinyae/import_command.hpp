// `tinyae import`: a model file from NumPy weight files W<layer>.npy and b<layer>.npy,
// as `tinyae export --npy` writes them or as saved from PyTorch or Keras.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "tinyae/tinyae.hpp"

namespace tinyae::cli {

// The axis order of the weight files.
//   out_in: dense (out, in), as tinyae and PyTorch's Linear.weight; conv2d (filters,
//           kernel * kernel * channels) as tinyae exports it, or (filters, channels,
//           kernel, kernel) as PyTorch's Conv2d.weight.
//   in_out: dense (in, out), as Keras' Dense kernel; conv2d (kernel, kernel,
//           channels, filters), as Keras' Conv2D kernel.
// Biases are (out,) in both.
enum class WeightLayout { out_in, in_out };

// Reads every parameter file of net's spec from dir into net (set up with that spec).
// Errors name the file: missing, a W/b file for a layer without parameters or beyond
// the spec, a shape other than the layer needs (the expected one is named), uint8
// values, NaN or Inf. On error net's parameters may be partly set.
Status import_npy(const std::string& dir, WeightLayout layout, Network* net);

class ImportCommand {
 public:
  // Adds the `import` subcommand to app.
  explicit ImportCommand(CLI::App& app);
  bool parsed() const { return cmd_->parsed(); }
  // Runs it; the process exit code.
  int run();

 private:
  CLI::App* cmd_ = nullptr;
  std::string npy_;
  std::string layers_;
  std::string preset_;
  std::string layout_ = "out-in";
  std::string out_;
};

}  // namespace tinyae::cli
