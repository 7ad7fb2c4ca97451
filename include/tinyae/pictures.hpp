// Pictures of what a network learned (host only): grids of samples, weight mosaics
// and loss curves, as 8-bit images to save with save_png.
#pragma once

#include <cstdint>

#include "tinyae/io.hpp"

namespace tinyae {

struct GridOptions {
  std::int32_t columns = 8;     // tiles per row of the grid
  std::int32_t upscale = 1;     // each value becomes upscale x upscale pixels
  // false: values lo..hi map to black..white (pixels); true: each tile is divided by
  // its largest absolute value and -1..1 maps to black..white (UFLDL's display_network).
  bool normalize_each = false;
  float lo = 0.0f;
  float hi = 1.0f;
};

// n tiles of tile_height x tile_width values, row after row in `values`, as a gray
// grid with one-pixel borders.
TINYAE_EXPORT Image tile_grid(const float* values, std::int32_t n, std::int32_t tile_height,
                              std::int32_t tile_width, const GridOptions& options);

// A line plot of y[0..n) on a white canvas with axes (no text); log scale when
// log_scale and every value is positive.
TINYAE_EXPORT Image line_plot(const double* y, std::int32_t n, std::int32_t width,
                              std::int32_t height, bool log_scale);

}  // namespace tinyae
