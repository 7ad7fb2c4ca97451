#include "output_pictures.hpp"

#include <algorithm>

#include "tinyae/pictures.hpp"

namespace tinyae::cli {
namespace {

// The first `count` rows of data, and noisy copies of them when noise_stddev > 0.
void first_rows(const Matrix& data, std::int32_t count, float noise_stddev, std::uint64_t seed,
                std::vector<float>* clean, std::vector<float>* noisy) {
  clean->assign(data.values.begin(), data.values.begin() + std::int64_t{count} * data.cols);
  noisy->clear();
  if (noise_stddev <= 0) return;
  noisy->resize(clean->size());
  add_gaussian_noise(clean->data(), static_cast<std::int64_t>(clean->size()), noise_stddev, true, seed,
                     noisy->data());
}

}  // namespace

void tile_shape(const NetworkSpec& spec, std::int32_t* h, std::int32_t* w) {
  const Shape& in = spec.input;
  if (in.height > 1 || in.width > 1) {
    *h = in.height;
    *w = in.width;
  } else {
    *h = 1;
    *w = in.channels;
  }
}

Status save_curve(const std::string& path, const std::vector<double>& per_epoch, const std::string& title) {
  PlotOptions plot;
  plot.log_scale = true;
  plot.title = title;
  plot.x_label = "epoch";
  return save_png(path, line_plot(per_epoch.data(), static_cast<std::int32_t>(per_epoch.size()), plot));
}

Status save_reconstructions(const std::string& path, Network& net, const Matrix& data,
                            float noise_stddev, std::uint64_t seed) {
  const std::int32_t n = std::min<std::int32_t>(data.rows, 16);
  std::vector<float> shown;
  std::vector<float> noisy;
  first_rows(data, n, noise_stddev, seed, &shown, &noisy);
  const std::vector<float>& input = noisy.empty() ? shown : noisy;
  std::vector<float> out(shown.size());
  TINYAE_RETURN_IF_ERROR(net.reconstruct(input.data(), n, data.cols, out.data()));
  std::vector<float> rows;  // clean | noisy | reconstruction, one group of rows each
  for (const std::vector<float>* part : {&shown, noisy.empty() ? nullptr : &noisy, &out}) {
    if (part != nullptr) rows.insert(rows.end(), part->begin(), part->end());
  }
  std::int32_t h = 0;
  std::int32_t w = 0;
  tile_shape(net.spec(), &h, &w);
  GridOptions grid;
  grid.columns = n;
  grid.upscale = h == 1 ? 8 : std::max(1, 56 / h);
  return save_png(path, tile_grid(rows.data(), static_cast<std::int32_t>(rows.size() / data.cols), h, w, grid));
}

Status save_code_picture(const std::string& path, Network& net, const Matrix& data, std::int32_t count,
                         float noise_stddev, std::uint64_t seed) {
  const std::int32_t n = std::min(data.rows, count);
  std::vector<float> clean;
  std::vector<float> noisy;
  first_rows(data, n, noise_stddev, seed, &clean, &noisy);
  std::int32_t h = 0;
  std::int32_t w = 0;
  tile_shape(net.spec(), &h, &w);
  CodePictureOptions options;
  options.upscale = h == 1 ? 8 : std::max(1, 56 / h);
  options.columns = n > 8 ? 2 : 1;
  Image image;
  TINYAE_RETURN_IF_ERROR(noisy.empty() ? code_picture(net, clean.data(), nullptr, n, options, &image)
                                       : code_picture(net, noisy.data(), clean.data(), n, options, &image));
  return save_png(path, image);
}

Status save_identity_pictures(const std::string& folder, Network& net, const Matrix& one_hot) {
  HeatMapOptions map;
  map.title = "input to hidden weights";
  map.row_name = "in ";
  map.column_name = "h";
  map.show_values = true;
  map.cell = 48;
  Image weights;
  TINYAE_RETURN_IF_ERROR(first_layer_heat_map(net, map, &weights));
  TINYAE_RETURN_IF_ERROR(save_png(folder + "/weights.png", weights));
  const auto code_size = static_cast<std::int32_t>(net.spec().code_shape().size());
  std::vector<float> codes(static_cast<std::size_t>(one_hot.rows) * code_size);
  TINYAE_RETURN_IF_ERROR(net.encode(one_hot.values.data(), one_hot.rows, one_hot.cols, codes.data()));
  map.title = "hidden activations";
  map.limit = 1.0f;  // sigmoid outputs: full colour at 1
  return save_png(folder + "/hidden.png", heat_map(codes.data(), one_hot.rows, code_size, map));
}

}  // namespace tinyae::cli
