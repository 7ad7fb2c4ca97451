// The reference systems of DESIGN.md as command-line presets, and data loading by
// file type.
#pragma once

#include <string>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

namespace tinyae::cli {

struct Preset {
  std::string name;
  NetworkSpec spec;
  TrainConfig config;
  std::string train_data;  // default training file ("" = built in or none)
  std::string test_data;   // default held-out file ("" = none)
  std::int32_t columns = 0;   // keep only the first `columns` CSV columns (0 = all)
  float scale = 1.0f;         // multiply CSV/NPY values by this (IDX images are /255)
  std::int32_t holdout = 0;   // without test data, hold out every holdout-th sample
  std::int32_t patch_size = 0;  // > 0: the data are image patches (see load_rows)
  std::string train_labels;   // labels of train_data and test_data ("" = none)
  std::string test_labels;
  bool anomaly = false;       // trains on one class (--class) and stores a threshold
};

// Finds a preset by name; the error lists the known ones.
Status find_preset(const std::string& name, Preset* out);

// A network as a list: the input shape (N, or CxHxW for images), then one item per
// layer, each followed by [:activation][:code] (activations: dense and conv only):
//   32                  dense, 32 units
//   conv16k3s2valid     conv2d, 16 filters, 3x3, stride 2 (default 1), padding valid
//                       or same (the default)
//   pool                2x2 max pooling, stride 2
//   resize14x14         nearest-neighbour resize to 14x14
// e.g. "784,32:relu:code,784:sigmoid" or "1x28x28,conv8k3:relu,pool:code,resize28x28,
// conv1k3:sigmoid". Errors name the item.
Status parse_layers(const std::string& text, NetworkSpec* out);
// The layer list in parse_layers' form (padding always written), so it parses back
// to the same spec.
std::string describe(const NetworkSpec& spec);

// Whether s ends with tail (file extensions).
bool ends_with(const std::string& s, const std::string& tail);

// Rows of samples from CSV (.csv, .csv.gz), NumPy (.npy) or IDX (anything else, e.g.
// train-images-idx3-ubyte.gz; uint8 images are scaled to [0, 1]). With patch_size > 0,
// preprocessed gray patches instead: sampled (10,240, seed 1) from a folder of images
// or one image, or read from a patch file (.npy or IDX).
Status load_rows(const std::string& path, std::int32_t columns, float scale, Matrix* out,
                 std::int32_t patch_size = 0);

// Which of `rows` samples are anomalies for an anomaly model of class `normal_class`:
// reads one integer label per sample from an IDX label file (uint8, one dimension) or
// the last column of each row of a CSV file (whole numbers from 0 to 2^31 - 1), and
// flags those of another class. An error when the label count differs from rows or no
// sample has that class.
Status anomaly_flags(const std::string& labels_path, std::int32_t rows, std::int32_t normal_class,
                     std::vector<std::uint8_t>* anomalous);

// The rows of m that are not flagged (one flag per row).
Matrix normal_rows(const Matrix& m, const std::vector<std::uint8_t>& anomalous);

// A model file's network, set up for inference on up to max_batch rows per step.
struct LoadedModel {
  Model model;
  ArenaBuffer memory;
  Network net;
};
Status load_network(const std::string& path, std::int32_t max_batch, LoadedModel* out);

// The eight one-hot vectors of length 8 (identity-838's data).
Matrix one_hot8();

}  // namespace tinyae::cli
