// Pictures of what a network learned (host only): grids of samples, weight mosaics,
// heat maps, loss curves and samples beside their codes, as 8-bit images for save_png.
// Labels use a built-in 3x5 pixel font (letters are drawn upper case).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinyae/anomaly.hpp"
#include "tinyae/io.hpp"
#include "tinyae/network.hpp"

namespace tinyae {

// Where something was drawn inside an image, in pixels.
struct Rect {
  std::int32_t x = 0;
  std::int32_t y = 0;
  std::int32_t width = 0;
  std::int32_t height = 0;
};

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
Image tile_grid(const float* values, std::int32_t n, std::int32_t tile_height,
                std::int32_t tile_width, const GridOptions& options);

struct PlotOptions {
  std::int32_t width = 640;
  std::int32_t height = 360;
  bool log_scale = false;  // log10 y axis, when every value is positive
  std::string title;
  std::string x_label;  // what the points are, e.g. "epoch"
};

// y[0..n) against 1..n as a line on a white RGB canvas, the axes labelled with the
// first and last x and the lowest and highest y. *axes (optional) receives the data
// area: point i is at x = axes.x + i * (axes.width - 1) / (n - 1), and the lowest value
// at the bottom row of the area, the highest at its top row.
Image line_plot(const double* y, std::int32_t n, const PlotOptions& options,
                Rect* axes = nullptr);

// The colours of heat maps and codes: v in [-1, 1] maps to (red, green, blue) =
// (255, 255 (1 - v), 255 (1 - v)) for v >= 0 (white to red) and
// (255 (1 + v), 255 (1 + v), 255) for v < 0 (white to blue), rounded.
struct HeatMapOptions {
  std::int32_t cell = 40;   // pixels per cell side
  float limit = 0.0f;       // |value| drawn at full colour; 0 = the largest |value|
  bool show_values = false; // print each value (2 decimals) inside its cell
  std::string title;
  std::string row_name;     // rows are labelled row_name + index (from 0)
  std::string column_name;  // columns are labelled column_name + index (from 0)
};

// A rows x cols matrix (row-major) as coloured cells, with row and column labels and a
// colour bar marked with its ends. *cells (optional) receives the area of the cells:
// cell (r, c) starts at (cells.x + c * cell, cells.y + r * cell).
Image heat_map(const float* values, std::int32_t rows, std::int32_t cols,
               const HeatMapOptions& options, Rect* cells = nullptr);
// The first layer's weights as a heat map: one row per input, one column per unit.
// The first layer must be dense.
Status first_layer_heat_map(const Network& net, const HeatMapOptions& options,
                            Image* out, Rect* cells = nullptr);

// For n samples (rows of `inputs`), one row each of: the input, its code (the code
// layer's values, 8 per row of cells, coloured as in heat_map with the largest |code|
// of all n samples as the limit), the network's reconstruction and, when `targets` is
// given (a denoiser's clean originals), the target. Images are shown as their input's
// height x width (vectors as one row) in gray, 0..1 as black..white. Samples are laid
// out in `columns` side by side. *panels (optional) receives, per sample, the areas of
// input, code, reconstruction (and target); code cell k is at
// (code.x + (k % 8) * side, code.y + (k / 8) * side) with side = code.width / min(8, code size).
struct CodePictureOptions {
  std::int32_t upscale = 2;  // pixels per input value
  std::int32_t columns = 2;  // samples side by side
};
Status code_picture(Network& net, const float* inputs, const float* targets,
                    std::int32_t n, const CodePictureOptions& options, Image* out,
                    std::vector<Rect>* panels = nullptr);

// A ROC curve (false positive rate across, true positive rate up, both 0 to 1) with
// the chance diagonal in gray, titled with `title`. *axes (optional) receives the
// data area: rate (f, t) is at (axes.x + f * (axes.width - 1),
// axes.y + (1 - t) * (axes.height - 1)), rounded.
Image roc_plot(const std::vector<RocPoint>& curve, const std::string& title,
               std::int32_t width = 480, std::int32_t height = 480, Rect* axes = nullptr);

// Histograms of the scores of normal samples (blue) and anomalies (red), over `bins`
// equal bins from the lowest to the highest score, each drawn as the share of its kind
// (so both are visible whatever their counts), and the threshold as a black line.
// Scores must be finite; bins >= 1.
Image score_histogram(const double* scores, const std::uint8_t* anomalous, std::int64_t n,
                      double threshold, std::int32_t bins, const std::string& title,
                      std::int32_t width = 640, std::int32_t height = 360);

}  // namespace tinyae
