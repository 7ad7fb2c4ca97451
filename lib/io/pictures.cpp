#include "tinyae/pictures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tinyae {
namespace {

struct Rgb {
  unsigned char r, g, b;
};
constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kFrame{170, 170, 170};
constexpr Rgb kCurve{20, 80, 200};

// 3x5 glyphs, one octal digit per row from the top; bit 4 of a digit is the left pixel.
std::uint16_t glyph(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  static constexpr std::uint16_t kDigits[10] = {075557, 026227, 071747, 071717, 055711,
                                                074717, 074757, 071111, 075757, 075717};
  static constexpr std::uint16_t kLetters[26] = {
      025755, 065656, 034443, 065556, 074647, 074644, 034553, 055755, 072227,  // A-I
      011152, 055655, 044447, 057755, 065555, 025552, 065644, 025563, 065655,  // J-R
      034216, 072222, 055557, 055552, 055775, 055255, 055222, 071247};         // S-Z
  if (c >= '0' && c <= '9') return kDigits[c - '0'];
  if (c >= 'A' && c <= 'Z') return kLetters[c - 'A'];
  switch (c) {
    case '.': return 000002;
    case ',': return 000024;
    case '-': return 000700;
    case '+': return 002720;
    case ':': return 002020;
    case '=': return 007070;
    case '/': return 011244;
    case '(': return 012221;
    case ')': return 042224;
    default: return 0;  // space and anything unknown
  }
}

// Text of the built-in font at `scale` pixels per font pixel: 4 * scale per character.
std::int32_t text_width(const std::string& text, std::int32_t scale) {
  return text.empty() ? 0 : static_cast<std::int32_t>(text.size()) * 4 * scale - scale;
}
constexpr std::int32_t text_height(std::int32_t scale) { return 5 * scale; }

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

// An RGB image to draw on; drawing outside it is clipped.
struct Canvas {
  Image image;

  Canvas(std::int32_t width, std::int32_t height) {
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.pixels.assign(static_cast<std::size_t>(width) * height * 3, 255);
  }
  void put(std::int32_t x, std::int32_t y, Rgb c) {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
    unsigned char* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  void fill(const Rect& r, Rgb c) {
    for (std::int32_t y = r.y; y < r.y + r.height; ++y) {
      for (std::int32_t x = r.x; x < r.x + r.width; ++x) put(x, y, c);
    }
  }
  // A one-pixel frame just outside r.
  void frame(const Rect& r, Rgb c) {
    for (std::int32_t x = r.x - 1; x <= r.x + r.width; ++x) {
      put(x, r.y - 1, c);
      put(x, r.y + r.height, c);
    }
    for (std::int32_t y = r.y; y < r.y + r.height; ++y) {
      put(r.x - 1, y, c);
      put(r.x + r.width, y, c);
    }
  }
  void text(std::int32_t x, std::int32_t y, const std::string& s, std::int32_t scale, Rgb c) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::uint16_t bits = glyph(s[i]);
      const std::int32_t x0 = x + static_cast<std::int32_t>(i) * 4 * scale;
      for (std::int32_t row = 0; row < 5; ++row) {
        for (std::int32_t col = 0; col < 3; ++col) {
          if ((bits >> ((4 - row) * 3 + (2 - col)) & 1) == 0) continue;
          fill(Rect{x0 + col * scale, y + row * scale, scale, scale}, c);
        }
      }
    }
  }
  // Gray tile of h x w values (0..1 = black..white), each upscale x upscale pixels.
  void gray_tile(std::int32_t x, std::int32_t y, const float* values, std::int32_t h,
                 std::int32_t w, std::int32_t upscale) {
    for (std::int32_t r = 0; r < h; ++r) {
      for (std::int32_t c = 0; c < w; ++c) {
        const float v = std::min(1.0f, std::max(0.0f, values[r * w + c]));
        const auto level = static_cast<unsigned char>(std::lround(v * 255.0f));
        fill(Rect{x + c * upscale, y + r * upscale, upscale, upscale}, Rgb{level, level, level});
      }
    }
  }
};

// A line two pixels thick from (x0, y0) to (x1, y1), kept inside area.
void draw_line(Canvas& canvas, const Rect& area, std::int32_t x0, std::int32_t y0, std::int32_t x1,
               std::int32_t y1, Rgb colour) {
  const std::int32_t steps = std::max({std::abs(x1 - x0), std::abs(y1 - y0), 1});
  for (std::int32_t k = 0; k <= steps; ++k) {
    const std::int32_t x = x0 + (x1 - x0) * k / steps;
    const std::int32_t y = y0 + (y1 - y0) * k / steps;
    for (std::int32_t t = 0; t < 2; ++t) {
      if (y - t >= area.y && x < area.x + area.width) canvas.put(x, y - t, colour);
    }
  }
}

// The heat-map colour of v in [-1, 1] (see HeatMapOptions).
Rgb diverging(float v) {
  const float t = std::min(1.0f, std::max(-1.0f, v));
  const auto fade = static_cast<unsigned char>(std::lround(255.0f * (1.0f - std::fabs(t))));
  return t >= 0 ? Rgb{255, fade, fade} : Rgb{fade, fade, 255};
}

float largest_magnitude(const float* values, std::int64_t n) {
  float peak = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) peak = std::max(peak, std::fabs(values[i]));
  return peak;
}

constexpr std::int32_t kPad = 8;
constexpr std::int32_t kLabelScale = 2;

}  // namespace

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
      const float peak = largest_magnitude(tile, tile_size);
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

Image line_plot(const double* y, std::int32_t n, const PlotOptions& options, Rect* axes) {
  bool use_log = options.log_scale;
  for (std::int32_t i = 0; i < n; ++i) use_log = use_log && y[i] > 0;
  auto value = [&](std::int32_t i) { return use_log ? std::log10(y[i]) : y[i]; };
  double lo = 0;
  double hi = 1;
  std::int32_t finite = 0;
  for (std::int32_t i = 0; i < n; ++i) {
    if (!std::isfinite(value(i))) continue;
    lo = finite == 0 ? value(i) : std::min(lo, value(i));
    hi = finite == 0 ? value(i) : std::max(hi, value(i));
    ++finite;
  }
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  auto shown = [&](double v) { return use_log ? std::pow(10.0, v) : v; };
  const std::string top_label = number(shown(hi));
  const std::string bottom_label = number(shown(lo));
  const std::string last_x = std::to_string(std::max(n, 1));
  const std::int32_t line = text_height(kLabelScale) + 6;

  Rect area;
  area.x = kPad + std::max(text_width(top_label, kLabelScale), text_width(bottom_label, kLabelScale)) + 8;
  area.y = kPad + (options.title.empty() ? 0 : line) + text_height(kLabelScale) / 2;
  area.width = options.width - area.x - kPad - text_width(last_x, kLabelScale) / 2;
  area.height = options.height - area.y - kPad - line * (options.x_label.empty() ? 1 : 2) - 6;
  Canvas canvas(options.width, options.height);
  if (area.width < 2 || area.height < 2) return canvas.image;
  if (axes != nullptr) *axes = area;

  const std::int32_t x_axis = area.y + area.height;  // just below the data area
  const std::int32_t y_axis = area.x - 1;            // just left of it
  canvas.fill(Rect{y_axis, area.y, 1, area.height + 1}, kBlack);
  canvas.fill(Rect{y_axis, x_axis, area.width + 1, 1}, kBlack);
  for (std::int32_t k = 0; k <= 10; ++k) {  // x ticks at tenths
    canvas.fill(Rect{area.x + (area.width - 1) * k / 10, x_axis + 1, 1, 4}, kBlack);
  }
  const std::int32_t half = text_height(kLabelScale) / 2;
  auto y_label = [&](std::int32_t at, const std::string& label) {
    canvas.text(y_axis - 6 - text_width(label, kLabelScale), at - half, label, kLabelScale, kBlack);
    canvas.fill(Rect{y_axis - 4, at, 4, 1}, kBlack);
  };
  y_label(area.y, top_label);
  y_label(x_axis - 1, bottom_label);
  // On a log scale, also the powers of ten in between (where they do not crowd the ends).
  for (double decade = std::ceil(lo); use_log && decade <= hi; decade += 1) {
    const auto at = area.y + area.height - 1 -
                    static_cast<std::int32_t>(std::lround((decade - lo) / (hi - lo) * (area.height - 1)));
    if (at - area.y > 3 * half && x_axis - 1 - at > 3 * half) y_label(at, number(std::pow(10.0, decade)));
  }
  canvas.text(area.x, x_axis + 8, "1", kLabelScale, kBlack);
  canvas.text(area.x + area.width - text_width(last_x, kLabelScale) / 2 - 1, x_axis + 8, last_x,
              kLabelScale, kBlack);
  canvas.text(area.x + (area.width - text_width(options.x_label, kLabelScale)) / 2, x_axis + 8 + line,
              options.x_label, kLabelScale, kBlack);
  canvas.text((options.width - text_width(options.title, kLabelScale)) / 2, kPad, options.title,
              kLabelScale, kBlack);

  auto to_x = [&](std::int32_t i) {
    return n <= 1 ? area.x : area.x + static_cast<std::int32_t>(std::lround(double(i) * (area.width - 1) / (n - 1)));
  };
  auto to_y = [&](std::int32_t i) {
    return area.y + area.height - 1 -
           static_cast<std::int32_t>(std::lround((value(i) - lo) / (hi - lo) * (area.height - 1)));
  };
  for (std::int32_t i = 0; i < n; ++i) {
    const std::int32_t j = std::min(i + 1, n - 1);
    if (!std::isfinite(value(i)) || !std::isfinite(value(j))) continue;
    draw_line(canvas, area, to_x(i), to_y(i), to_x(j), to_y(j), kCurve);
  }
  return canvas.image;
}

Image heat_map(const float* values, std::int32_t rows, std::int32_t cols,
               const HeatMapOptions& options, Rect* cells) {
  const std::int64_t count = std::int64_t{rows} * cols;
  const float peak = largest_magnitude(values, count);
  const float limit = options.limit > 0 ? options.limit : peak > 0 ? peak : 1.0f;
  bool negative = false;
  for (std::int64_t i = 0; i < count; ++i) negative = negative || values[i] < 0;
  const float bottom = negative ? -limit : 0.0f;  // the colour bar's lower end

  const std::int32_t cell = std::max(4, options.cell);
  const std::int32_t line = text_height(kLabelScale) + 6;
  std::int32_t row_label_width = 0;
  for (std::int32_t r = 0; r < rows; ++r) {
    row_label_width = std::max(row_label_width, text_width(options.row_name + std::to_string(r), kLabelScale));
  }
  const std::string top_label = number(limit);
  const std::string bottom_label = number(bottom);
  Rect area;
  area.x = kPad + row_label_width + 8;
  area.y = kPad + (options.title.empty() ? 0 : line) + line;
  area.width = cols * cell;
  area.height = rows * cell;
  const Rect bar{area.x + area.width + 16, area.y, 16, area.height};
  const std::int32_t width =
      std::max(bar.x + bar.width + 6 + std::max(text_width(top_label, kLabelScale), text_width(bottom_label, kLabelScale)),
               text_width(options.title, kLabelScale) + kPad) + kPad;
  Canvas canvas(width, area.y + area.height + kPad);
  if (cells != nullptr) *cells = area;

  canvas.text((width - text_width(options.title, kLabelScale)) / 2, kPad, options.title, kLabelScale, kBlack);
  const std::int32_t half = text_height(kLabelScale) / 2;
  for (std::int32_t c = 0; c < cols; ++c) {
    const std::string label = options.column_name + std::to_string(c);
    canvas.text(area.x + c * cell + (cell - text_width(label, kLabelScale)) / 2, area.y - line, label,
                kLabelScale, kBlack);
  }
  for (std::int32_t r = 0; r < rows; ++r) {
    const std::string label = options.row_name + std::to_string(r);
    canvas.text(area.x - 8 - text_width(label, kLabelScale), area.y + r * cell + cell / 2 - half, label,
                kLabelScale, kBlack);
    for (std::int32_t c = 0; c < cols; ++c) {
      const float v = values[std::int64_t{r} * cols + c];
      const Rect box{area.x + c * cell, area.y + r * cell, cell, cell};
      canvas.fill(box, diverging(v / limit));
      if (!options.show_values) continue;
      char text[32];
      std::snprintf(text, sizeof text, "%.2f", static_cast<double>(v));
      const std::int32_t scale = text_width(text, kLabelScale) <= cell - 4 ? kLabelScale : 1;
      const std::int32_t w = text_width(text, scale);
      if (w > cell - 2) continue;  // does not fit: the colour alone tells
      canvas.text(box.x + (cell - w) / 2, box.y + (cell - text_height(scale)) / 2, text, scale,
                  std::fabs(v / limit) > 0.6f ? kWhite : kBlack);
    }
  }
  canvas.frame(area, kFrame);
  for (std::int32_t y = 0; y < bar.height; ++y) {
    const float v = limit - (limit - bottom) * static_cast<float>(y) / static_cast<float>(std::max(1, bar.height - 1));
    canvas.fill(Rect{bar.x, bar.y + y, bar.width, 1}, diverging(v / limit));
  }
  canvas.frame(bar, kFrame);
  canvas.text(bar.x + bar.width + 6, bar.y, top_label, kLabelScale, kBlack);
  canvas.text(bar.x + bar.width + 6, bar.y + bar.height - text_height(kLabelScale), bottom_label,
              kLabelScale, kBlack);
  return canvas.image;
}

Status first_layer_heat_map(const Network& net, const HeatMapOptions& options, Image* out, Rect* cells) {
  if (net.spec().num_layers < 1 || net.spec().layers[0].kind != LayerKind::dense) {
    return Status::error(StatusCode::unsupported, "first_layer_heat_map: the first layer is not dense");
  }
  const auto inputs = static_cast<std::int32_t>(net.spec().layer_input(0).size());
  const auto units = static_cast<std::int32_t>(net.spec().layers[0].output.size());
  const float* w = net.parameters() + net.spec().weight_offset(0);  // units x inputs
  std::vector<float> transposed(static_cast<std::size_t>(inputs) * units);
  for (std::int32_t i = 0; i < inputs; ++i) {
    for (std::int32_t u = 0; u < units; ++u) transposed[std::size_t(i) * units + u] = w[std::int64_t{u} * inputs + i];
  }
  *out = heat_map(transposed.data(), inputs, units, options, cells);
  return Status();
}

Status code_picture(Network& net, const float* inputs, const float* targets, std::int32_t n,
                    const CodePictureOptions& options, Image* out, std::vector<Rect>* panels) {
  const NetworkSpec& spec = net.spec();
  if (n <= 0) return Status::error(StatusCode::invalid_argument, "code_picture: ", n, " samples");
  const auto cols = static_cast<std::int32_t>(spec.input.size());
  const auto code_size = static_cast<std::int32_t>(spec.code_shape().size());
  std::vector<float> codes(static_cast<std::size_t>(n) * code_size);
  std::vector<float> outputs(static_cast<std::size_t>(n) * cols);
  TINYAE_RETURN_IF_ERROR(net.encode(inputs, n, cols, codes.data()));
  TINYAE_RETURN_IF_ERROR(net.reconstruct(inputs, n, cols, outputs.data()));

  // Images as (channels x height) rows of width; vectors as one row.
  const bool image_like = spec.input.height > 1 || spec.input.width > 1;
  const std::int32_t tile_w = image_like ? spec.input.width : cols;
  const std::int32_t tile_h = cols / tile_w;
  const std::int32_t up = std::max(1, options.upscale);
  const std::int32_t per_row = std::min(8, code_size);
  const std::int32_t code_rows = (code_size + per_row - 1) / per_row;
  const std::int32_t side = std::max(4, std::min(8, tile_h * up / code_rows));
  const float limit = largest_magnitude(codes.data(), static_cast<std::int64_t>(codes.size()));

  const float* parts[4] = {inputs, codes.data(), outputs.data(), targets};
  const std::int32_t part_count = targets != nullptr ? 4 : 3;
  const char* headers[4] = {targets != nullptr ? "noisy" : "input", "code",
                            targets != nullptr ? "denoised" : "output", "clean"};
  std::int32_t part_w[4];
  std::int32_t part_h[4];
  for (std::int32_t p = 0; p < 4; ++p) {
    part_w[p] = p == 1 ? per_row * side : tile_w * up;
    part_h[p] = p == 1 ? code_rows * side : tile_h * up;
  }
  const std::int32_t header_scale = text_width("output", kLabelScale) <= part_w[0] ? kLabelScale : 1;
  std::int32_t column_w[4];
  std::int32_t group_w = 0;
  std::int32_t row_h = 0;
  for (std::int32_t p = 0; p < part_count; ++p) {
    column_w[p] = std::max(part_w[p], text_width(headers[p], header_scale));
    group_w += column_w[p] + (p > 0 ? 8 : 0);
    row_h = std::max(row_h, part_h[p]);
  }
  const std::int32_t groups = std::max(1, std::min(options.columns, n));
  const std::int32_t group_rows = (n + groups - 1) / groups;
  const std::int32_t group_gap = 24;
  const std::int32_t top = kPad + text_height(header_scale) + 6;
  Canvas canvas(2 * kPad + groups * group_w + (groups - 1) * group_gap,
                top + group_rows * (row_h + 6) - 6 + kPad);
  if (panels != nullptr) panels->clear();
  for (std::int32_t g = 0; g < groups; ++g) {
    std::int32_t x = kPad + g * (group_w + group_gap);
    for (std::int32_t p = 0; p < part_count; ++p) {
      canvas.text(x + (column_w[p] - text_width(headers[p], header_scale)) / 2, kPad, headers[p],
                  header_scale, kBlack);
      x += column_w[p] + 8;
    }
  }
  for (std::int32_t i = 0; i < n; ++i) {
    std::int32_t x = kPad + (i % groups) * (group_w + group_gap);
    const std::int32_t y = top + (i / groups) * (row_h + 6);
    for (std::int32_t p = 0; p < part_count; ++p) {
      const Rect box{x + (column_w[p] - part_w[p]) / 2, y + (row_h - part_h[p]) / 2, part_w[p], part_h[p]};
      if (p == 1) {
        const float* code = codes.data() + std::int64_t{i} * code_size;
        for (std::int32_t k = 0; k < code_size; ++k) {
          canvas.fill(Rect{box.x + (k % per_row) * side, box.y + (k / per_row) * side, side, side},
                      diverging(limit > 0 ? code[k] / limit : 0.0f));
        }
      } else {
        canvas.gray_tile(box.x, box.y, parts[p] + std::int64_t{i} * cols, tile_h, tile_w, up);
      }
      canvas.frame(box, kFrame);
      if (panels != nullptr) panels->push_back(box);
      x += column_w[p] + 8;
    }
  }
  *out = std::move(canvas.image);
  return Status();
}

}  // namespace tinyae

namespace tinyae {
namespace {

constexpr Rgb kNormal{40, 90, 210};
constexpr Rgb kAnomaly{210, 40, 40};
constexpr Rgb kChance{190, 190, 190};

// Axes with the x range [x_lo, x_hi] and y range [0, y_hi] labelled at their ends, and
// a title: returns the data area.
Rect draw_axes(Canvas& canvas, const std::string& title, const std::string& x_lo,
               const std::string& x_hi, const std::string& y_hi, const std::string& x_label) {
  const std::int32_t line = text_height(kLabelScale) + 6;
  Rect area;
  area.x = kPad + std::max(text_width(y_hi, kLabelScale), text_width("0", kLabelScale)) + 8;
  area.y = kPad + (title.empty() ? 0 : line) + text_height(kLabelScale) / 2;
  area.width = canvas.image.width - area.x - kPad - text_width(x_hi, kLabelScale) / 2;
  area.height = canvas.image.height - area.y - kPad - line * (x_label.empty() ? 1 : 2) - 6;
  if (area.width < 2 || area.height < 2) return area;
  const std::int32_t x_axis = area.y + area.height;
  const std::int32_t y_axis = area.x - 1;
  canvas.fill(Rect{y_axis, area.y, 1, area.height + 1}, kBlack);
  canvas.fill(Rect{y_axis, x_axis, area.width + 1, 1}, kBlack);
  const std::int32_t half = text_height(kLabelScale) / 2;
  canvas.text(y_axis - 6 - text_width(y_hi, kLabelScale), area.y - half, y_hi, kLabelScale, kBlack);
  canvas.text(y_axis - 6 - text_width("0", kLabelScale), x_axis - 1 - half, "0", kLabelScale, kBlack);
  canvas.text(area.x, x_axis + 8, x_lo, kLabelScale, kBlack);
  canvas.text(area.x + area.width - text_width(x_hi, kLabelScale) / 2 - 1, x_axis + 8, x_hi,
              kLabelScale, kBlack);
  canvas.text(area.x + (area.width - text_width(x_label, kLabelScale)) / 2, x_axis + 8 + line,
              x_label, kLabelScale, kBlack);
  canvas.text((canvas.image.width - text_width(title, kLabelScale)) / 2, kPad, title, kLabelScale,
              kBlack);
  return area;
}


}  // namespace

Image roc_plot(const std::vector<RocPoint>& curve, const std::string& title, std::int32_t width,
               std::int32_t height, Rect* axes) {
  Canvas canvas(width, height);
  const Rect area = draw_axes(canvas, title, "0", "1", "1", "false positive rate");
  if (area.width < 2 || area.height < 2) return canvas.image;
  if (axes != nullptr) *axes = area;
  auto to_x = [&](double f) { return area.x + static_cast<std::int32_t>(std::lround(f * (area.width - 1))); };
  auto to_y = [&](double t) {
    return area.y + static_cast<std::int32_t>(std::lround((1.0 - t) * (area.height - 1)));
  };
  draw_line(canvas, area, to_x(0), to_y(0), to_x(1), to_y(1), kChance);
  for (std::size_t i = 1; i < curve.size(); ++i) {
    draw_line(canvas, area, to_x(curve[i - 1].false_positive_rate), to_y(curve[i - 1].true_positive_rate),
              to_x(curve[i].false_positive_rate), to_y(curve[i].true_positive_rate), kCurve);
  }
  canvas.text(area.x + 6, area.y + 4, "true positive rate", kLabelScale, kBlack);
  return canvas.image;
}

Image score_histogram(const double* scores, const std::uint8_t* anomalous, std::int64_t n,
                      double threshold, std::int32_t bins, const std::string& title,
                      std::int32_t width, std::int32_t height) {
  Canvas canvas(width, height);
  if (n <= 0 || bins < 1) return canvas.image;
  double lo = scores[0];
  double hi = scores[0];
  for (std::int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, scores[i]);
    hi = std::max(hi, scores[i]);
  }
  if (hi - lo <= 0) hi = lo + 1;
  std::vector<double> counts[2] = {std::vector<double>(std::size_t(bins)), std::vector<double>(std::size_t(bins))};
  std::int64_t totals[2] = {0, 0};
  for (std::int64_t i = 0; i < n; ++i) {
    const auto bin = std::min(bins - 1, static_cast<std::int32_t>((scores[i] - lo) / (hi - lo) * bins));
    const int kind = anomalous[i] != 0 ? 1 : 0;
    counts[kind][std::size_t(bin)] += 1;
    ++totals[kind];
  }
  double top = 0;
  for (int kind = 0; kind < 2; ++kind) {
    for (double& c : counts[kind]) {
      c = totals[kind] > 0 ? c / double(totals[kind]) : 0;
      top = std::max(top, c);
    }
  }
  if (top <= 0) top = 1;
  const Rect area = draw_axes(canvas, title, number(lo), number(hi), number(top), "score (share of each kind per bin)");
  if (area.width < 2 || area.height < 2) return canvas.image;
  // Each bin: the normal bar in its left half, the anomaly bar in its right half.
  for (std::int32_t b = 0; b < bins; ++b) {
    const std::int32_t x0 = area.x + b * area.width / bins;
    const std::int32_t x1 = area.x + (b + 1) * area.width / bins;
    const std::int32_t mid = (x0 + x1) / 2;
    for (int kind = 0; kind < 2; ++kind) {
      const auto h = static_cast<std::int32_t>(std::lround(counts[kind][std::size_t(b)] / top * area.height));
      const std::int32_t left = kind == 0 ? x0 : mid;
      const std::int32_t right = kind == 0 ? mid : x1;
      canvas.fill(Rect{left, area.y + area.height - h, std::max(1, right - left), h},
                  kind == 0 ? kNormal : kAnomaly);
    }
  }
  if (threshold >= lo && threshold <= hi) {
    const std::int32_t x = area.x + static_cast<std::int32_t>(std::lround((threshold - lo) / (hi - lo) * (area.width - 1)));
    canvas.fill(Rect{x, area.y, 2, area.height}, kBlack);
  }
  canvas.text(area.x + area.width - text_width("normal", kLabelScale), area.y, "normal", kLabelScale, kNormal);
  canvas.text(area.x + area.width - text_width("anomalous", kLabelScale), area.y + text_height(kLabelScale) + 4,
              "anomalous", kLabelScale, kAnomaly);
  return canvas.image;
}

}  // namespace tinyae
