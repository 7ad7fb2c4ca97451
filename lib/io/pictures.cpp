#include "tinyae/pictures.hpp"

#include <algorithm>
#include <cmath>

namespace tinyae {

Image tile_grid(const float* values, std::int32_t n, std::int32_t tile_height,
                std::int32_t tile_width, const GridOptions& options) {
  const std::int32_t columns = std::max(1, std::min(options.columns, n));
  const std::int32_t rows = (n + columns - 1) / columns;
  const std::int32_t s = std::max(1, options.upscale);
  const std::int32_t cell_w = tile_width * s + 1;
  const std::int32_t cell_h = tile_height * s + 1;
  Image image;
  image.width = columns * cell_w + 1;
  image.height = rows * cell_h + 1;
  image.channels = 1;
  image.pixels.assign(static_cast<std::size_t>(image.width) * image.height, 64);  // border gray
  const std::int64_t tile_size = std::int64_t{tile_height} * tile_width;
  for (std::int32_t t = 0; t < n; ++t) {
    const float* tile = values + t * tile_size;
    float lo = options.lo;
    float scale = options.hi > options.lo ? 1.0f / (options.hi - options.lo) : 1.0f;
    if (options.normalize_each) {
      float peak = 0.0f;
      for (std::int64_t i = 0; i < tile_size; ++i) peak = std::max(peak, std::fabs(tile[i]));
      lo = -peak;
      scale = peak > 0 ? 0.5f / peak : 0.0f;
    }
    const std::int32_t x0 = (t % columns) * cell_w + 1;
    const std::int32_t y0 = (t / columns) * cell_h + 1;
    for (std::int32_t r = 0; r < tile_height * s; ++r) {
      for (std::int32_t c = 0; c < tile_width * s; ++c) {
        const float v = (tile[(r / s) * tile_width + c / s] - lo) * scale;
        const float clamped = std::min(1.0f, std::max(0.0f, v));
        image.pixels[static_cast<std::size_t>(y0 + r) * image.width + x0 + c] =
            static_cast<unsigned char>(std::lround(clamped * 255.0f));
      }
    }
  }
  return image;
}

Image line_plot(const double* y, std::int32_t n, std::int32_t width, std::int32_t height,
                bool log_scale) {
  Image image;
  image.width = width;
  image.height = height;
  image.channels = 3;
  image.pixels.assign(static_cast<std::size_t>(width) * height * 3, 255);
  auto put = [&](std::int32_t x, std::int32_t yy, unsigned char r, unsigned char g, unsigned char b) {
    if (x < 0 || yy < 0 || x >= width || yy >= height) return;
    unsigned char* p = &image.pixels[(static_cast<std::size_t>(yy) * width + x) * 3];
    p[0] = r;
    p[1] = g;
    p[2] = b;
  };
  const std::int32_t left = 40;
  const std::int32_t bottom = height - 30;
  const std::int32_t top = 10;
  const std::int32_t right = width - 10;
  for (std::int32_t x = left; x <= right; ++x) put(x, bottom, 0, 0, 0);
  for (std::int32_t yy = top; yy <= bottom; ++yy) put(left, yy, 0, 0, 0);
  for (std::int32_t k = 0; k <= 10; ++k) {  // tick marks at tenths
    const std::int32_t x = left + (right - left) * k / 10;
    const std::int32_t yy = bottom - (bottom - top) * k / 10;
    for (std::int32_t d = 1; d <= 4; ++d) {
      put(x, bottom + d, 0, 0, 0);
      put(left - d, yy, 0, 0, 0);
    }
  }
  bool use_log = log_scale;
  for (std::int32_t i = 0; i < n; ++i) use_log = use_log && y[i] > 0;
  auto value = [&](std::int32_t i) { return use_log ? std::log10(y[i]) : y[i]; };
  double lo = 0;
  double hi = 0;
  std::int32_t finite = 0;
  for (std::int32_t i = 0; i < n; ++i) {
    if (!std::isfinite(value(i))) continue;
    lo = finite == 0 ? value(i) : std::min(lo, value(i));
    hi = finite == 0 ? value(i) : std::max(hi, value(i));
    ++finite;
  }
  if (finite == 0) return image;
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  auto to_x = [&](std::int32_t i) {
    return n <= 1 ? left : left + static_cast<std::int32_t>(std::lround(double(i) * (right - left) / (n - 1)));
  };
  auto to_y = [&](std::int32_t i) {
    return bottom - static_cast<std::int32_t>(std::lround((value(i) - lo) / (hi - lo) * (bottom - top)));
  };
  for (std::int32_t i = 0; i + 1 < n || (n == 1 && i == 0); ++i) {
    const std::int32_t j = n == 1 ? 0 : i + 1;
    // Straight segment from point i to point j, sampled densely.
    const std::int32_t x0 = to_x(i), y0 = to_y(i), x1 = to_x(j), y1 = to_y(j);
    const std::int32_t steps = std::max({std::abs(x1 - x0), std::abs(y1 - y0), 1});
    for (std::int32_t k = 0; k <= steps; ++k) {
      const std::int32_t x = x0 + (x1 - x0) * k / steps;
      const std::int32_t yy = y0 + (y1 - y0) * k / steps;
      put(x, yy, 20, 80, 200);
      put(x, yy + 1, 20, 80, 200);
    }
    if (n == 1) break;
  }
  return image;
}

}  // namespace tinyae
