// Pictures: each drawing puts the data where its layout says, in the documented colours;
// expected pixels are worked out here from the values (and by hand-computed forward
// passes for the code picture), not by the drawing code.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "test_support.hpp"
#include "tinyae/pictures.hpp"

using namespace tinyae;
using test::Rgb;

namespace {

// Deterministic values in [lo, hi).
std::vector<float> sample_values(std::size_t n, float lo, float hi, std::uint32_t seed) {
  std::vector<float> v(n);
  for (float& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = lo + (hi - lo) * static_cast<float>(seed >> 8) / 16777216.0f;
  }
  return v;
}

void check_close(const Rgb& got, const Rgb& want) {
  INFO("got " << got[0] << "," << got[1] << "," << got[2] << " want " << want[0] << "," << want[1] << ","
              << want[2]);
  for (int k = 0; k < 3; ++k) CHECK(std::abs(got[k] - want[k]) <= 1);
}

// Index of the cell whose colour is the strongest red (largest value) or blue (smallest).
template <class Colour>
int strongest(const Image& image, const Rect& cells, int rows, int cols, Colour score) {
  int best = 0;
  int best_score = -1;
  const int side = cells.width / cols;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const int s = score(test::pixel(image, cells.x + c * side + 1, cells.y + r * side + 1));
      if (s > best_score) {
        best_score = s;
        best = r * cols + c;
      }
    }
  }
  return best;
}

int redness(const Rgb& p) { return p[0] - p[2]; }
int blueness(const Rgb& p) { return p[2] - p[0]; }

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST_CASE("heat_map colours each cell by its value over the largest magnitude", "[pictures]") {
  const int rows = 8;
  const int cols = 3;
  std::vector<float> w = sample_values(rows * cols, -3.0f, 2.0f, 11);
  w[5 * cols + 1] = 4.5f;   // the largest value
  w[2 * cols + 2] = -3.5f;  // the smallest
  HeatMapOptions options;
  options.cell = 20;
  options.title = "weights";
  options.row_name = "in ";
  options.column_name = "h";
  Rect cells;
  const Image image = heat_map(w.data(), rows, cols, options, &cells);
  REQUIRE(image.channels == 3);
  CHECK(cells.width == cols * 20);
  CHECK(cells.height == rows * 20);
  REQUIRE(cells.x + cells.width < image.width);
  REQUIRE(cells.y + cells.height < image.height);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      INFO("cell " << r << "," << c << " value " << w[r * cols + c]);
      const Rgb want = test::heat_colour(w[r * cols + c] / 4.5);
      check_close(test::pixel(image, cells.x + c * 20 + 1, cells.y + r * 20 + 1), want);
      check_close(test::pixel(image, cells.x + c * 20 + 18, cells.y + r * 20 + 18), want);
    }
  }
  CHECK(strongest(image, cells, rows, cols, redness) == 5 * cols + 1);
  CHECK(strongest(image, cells, rows, cols, blueness) == 2 * cols + 2);

  // A fixed limit: values beyond it are full colour, the rest scale by it.
  options.limit = 2.0f;
  const Image limited = heat_map(w.data(), rows, cols, options, &cells);
  check_close(test::pixel(limited, cells.x + 20 + 1, cells.y + 5 * 20 + 1), Rgb{255, 0, 0});
  check_close(test::pixel(limited, cells.x + 1, cells.y + 1), test::heat_colour(w[0] / 2.0));
}

TEST_CASE("first_layer_heat_map shows one row per input and one column per unit", "[pictures]") {
  constexpr NetworkSpec spec = reference::kIdentity838;
  test::OwnedArena memory(arena_bytes(spec, 8));
  Network net;
  REQUIRE(net.setup(spec, 8, memory.arena).ok());
  const std::vector<float> w = sample_values(3 * 8, -1.0f, 1.0f, 5);  // 3 units x 8 inputs
  std::copy(w.begin(), w.end(), net.weights(0));
  float peak = 0;
  for (float v : w) peak = std::max(peak, std::fabs(v));
  HeatMapOptions options;
  options.cell = 48;
  options.show_values = true;  // printed in the middle; the corners keep the colour
  Rect cells;
  Image image;
  REQUIRE(first_layer_heat_map(net, options, &image, &cells).ok());
  CHECK(cells.width == 3 * 48);
  CHECK(cells.height == 8 * 48);
  for (int input = 0; input < 8; ++input) {
    for (int unit = 0; unit < 3; ++unit) {
      INFO("input " << input << " unit " << unit);
      check_close(test::pixel(image, cells.x + unit * 48 + 2, cells.y + input * 48 + 2),
                  test::heat_colour(w[unit * 8 + input] / peak));
    }
  }
  // A first layer without a dense weight matrix is a clear error.
  constexpr NetworkSpec pooled = NetworkSpec(Shape{1, 4, 4}).max_pool2d().code().dense(16, Activation::sigmoid);
  test::OwnedArena pooled_memory(arena_bytes(pooled, 1));
  Network pooled_net;
  REQUIRE(pooled_net.setup(pooled, 1, pooled_memory.arena).ok());
  CHECK(first_layer_heat_map(pooled_net, options, &image).code() == StatusCode::unsupported);
}

TEST_CASE("line_plot draws each point at its height in the axes", "[pictures]") {
  const int n = 12;
  std::vector<double> y(n);
  for (int i = 0; i < n; ++i) y[i] = 40.0 / (i + 1) + (i == 7 ? 3.0 : 0.0);  // falls, with a bump
  for (bool log_scale : {false, true}) {
    INFO("log scale " << log_scale);
    PlotOptions options;
    options.width = 400;
    options.height = 300;
    options.log_scale = log_scale;
    options.title = "loss";
    options.x_label = "epoch";
    Rect axes;
    const Image image = line_plot(y.data(), n, options, &axes);
    REQUIRE(image.width == 400);
    REQUIRE(image.height == 300);
    REQUIRE(axes.width > 200);
    REQUIRE(axes.height > 150);
    auto f = [&](double v) { return log_scale ? std::log10(v) : v; };
    const double lo = f(y[n - 1]);
    const double hi = f(y[0]);
    for (int i = 0; i < n; ++i) {
      const int x = axes.x + static_cast<int>(std::lround(double(i) * (axes.width - 1) / (n - 1)));
      const int want = axes.y + axes.height - 1 -
                       static_cast<int>(std::lround((f(y[i]) - lo) / (hi - lo) * (axes.height - 1)));
      INFO("point " << i << " expected at row " << want);
      CHECK(test::pixel(image, x, want) == Rgb{20, 80, 200});
      // Nothing of the curve far above or below the point in its column.
      for (int row = axes.y; row < axes.y + axes.height; row += 1) {
        if (std::abs(row - want) > 40) REQUIRE(test::pixel(image, x, row) != Rgb{20, 80, 200});
      }
    }
  }
  // A log scale with a value that is not positive falls back to linear.
  std::vector<double> with_zero = {4.0, 2.0, 0.0};
  PlotOptions options;
  options.log_scale = true;
  Rect axes;
  const Image image = line_plot(with_zero.data(), 3, options, &axes);
  const int middle = axes.x + (axes.width - 1) / 2;
  CHECK(test::pixel(image, middle, axes.y + (axes.height - 1) / 2) == Rgb{20, 80, 200});
}

TEST_CASE("code_picture shows each input beside its code and its reconstruction", "[pictures]") {
  constexpr NetworkSpec spec = NetworkSpec(Shape{1, 4, 4}).dense(5, Activation::relu).code().dense(16, Activation::sigmoid);
  TrainConfig config;
  config.batch_size = 4;  // inference runs in chunks of 4: the picture has 5 samples
  test::OwnedArena memory(arena_bytes(spec, config));
  Network net;
  REQUIRE(net.setup(spec, config, memory.arena).ok());
  const int n = 5;
  const std::vector<float> x = sample_values(n * 16, 0.0f, 1.0f, 3);
  const std::vector<float> clean = sample_values(n * 16, 0.0f, 1.0f, 4);

  // The forward pass by hand, in double.
  std::vector<double> code(n * 5);
  std::vector<double> out(n * 16);
  double peak = 0;
  for (int i = 0; i < n; ++i) {
    for (int u = 0; u < 5; ++u) {
      double a = net.biases(0)[u];
      for (int k = 0; k < 16; ++k) a += double(net.weights(0)[u * 16 + k]) * x[i * 16 + k];
      code[i * 5 + u] = std::max(0.0, a);
      peak = std::max(peak, code[i * 5 + u]);
    }
    for (int o = 0; o < 16; ++o) {
      double a = net.biases(1)[o];
      for (int u = 0; u < 5; ++u) a += double(net.weights(1)[o * 5 + u]) * code[i * 5 + u];
      out[i * 16 + o] = sigmoid(a);
    }
  }
  REQUIRE(peak > 0);

  for (const float* targets : {static_cast<const float*>(nullptr), clean.data()}) {
    const int parts = targets == nullptr ? 3 : 4;
    INFO(parts << " panels per sample");
    CodePictureOptions options;
    options.upscale = 3;
    options.columns = 2;
    Image image;
    std::vector<Rect> panels;
    REQUIRE(code_picture(net, x.data(), targets, n, options, &image, &panels).ok());
    REQUIRE(panels.size() == std::size_t(n * parts));
    for (const Rect& r : panels) {
      REQUIRE(r.x >= 0);
      REQUIRE(r.y >= 0);
      REQUIRE(r.x + r.width <= image.width);
      REQUIRE(r.y + r.height <= image.height);
    }
    auto gray = [](double v) {
      const int level = static_cast<int>(std::lround(std::min(1.0, std::max(0.0, v)) * 255));
      return Rgb{level, level, level};
    };
    for (int i = 0; i < n; ++i) {
      const Rect& in = panels[i * parts];
      const Rect& c = panels[i * parts + 1];
      const Rect& rec = panels[i * parts + 2];
      REQUIRE(in.width == 4 * 3);
      REQUIRE(in.height == 4 * 3);
      REQUIRE(rec.width == 4 * 3);
      const int side = c.width / 5;  // 5 code values: one row of cells
      REQUIRE(c.height == side);
      for (int p = 0; p < 16; ++p) {
        INFO("sample " << i << " pixel " << p);
        const int px = (p % 4) * 3 + 1;
        const int py = (p / 4) * 3 + 1;
        check_close(test::pixel(image, in.x + px, in.y + py), gray(x[i * 16 + p]));
        check_close(test::pixel(image, rec.x + px, rec.y + py), gray(out[i * 16 + p]));
        if (parts == 4) {
          const Rect& target = panels[i * parts + 3];
          check_close(test::pixel(image, target.x + px, target.y + py), gray(clean[i * 16 + p]));
        }
      }
      for (int u = 0; u < 5; ++u) {
        INFO("sample " << i << " code " << u << " = " << code[i * 5 + u]);
        check_close(test::pixel(image, c.x + u * side + side / 2, c.y + side / 2),
                    test::heat_colour(code[i * 5 + u] / peak));
      }
    }
  }
  Image image;
  CHECK(code_picture(net, x.data(), nullptr, 0, CodePictureOptions{}, &image).code() ==
        StatusCode::invalid_argument);
}
