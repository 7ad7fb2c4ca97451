// The pictures the command line writes: loss curves, reconstruction grids, samples beside
// their codes, and identity-838's seed pictures.
#pragma once

#include <string>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

namespace tinyae::cli {

// Tile shape for showing one sample: its input's height x width, or a 1-row strip.
void tile_shape(const NetworkSpec& spec, std::int32_t* h, std::int32_t* w);

// A per-epoch curve (log scale) titled `title`.
Status save_curve(const std::string& path, const std::vector<double>& per_epoch, const std::string& title);

// Up to 16 samples of data in a grid: inputs (noisy ones too when noise_stddev > 0,
// drawn with `seed`) above their reconstructions.
Status save_reconstructions(const std::string& path, Network& net, const Matrix& data,
                            float noise_stddev, std::uint64_t seed);

// Up to `count` samples of data beside their codes and reconstructions; with noise the
// inputs are noisy copies and the clean originals are shown last.
Status save_code_picture(const std::string& path, Network& net, const Matrix& data, std::int32_t count,
                         float noise_stddev, std::uint64_t seed);

// identity-838's seed pictures in folder: weights.png (input -> hidden weights, inputs
// as rows) and hidden.png (hidden activations of the eight one-hot inputs).
Status save_identity_pictures(const std::string& folder, Network& net, const Matrix& one_hot);

}  // namespace tinyae::cli
