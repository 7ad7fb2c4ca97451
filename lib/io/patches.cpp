// Natural-image patches: sampling from photographs, loading stored sets, and the
// sparse-patches seed's preprocessing.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "../core/random.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

// Keeps count * size * size far from overflow and from absurd allocations.
constexpr std::int64_t kMaxPatchValues = std::int64_t{1} << 28;
// Seed stream of the patch sampler (the core uses 1..3).
constexpr std::uint64_t kStreamPatches = 4;

float luma(float r, float g, float b) { return 0.2126f * r + 0.7152f * g + 0.0722f * b; }

// Gray value in [0, 1] of pixel (x, y).
float gray_at(const Image& image, std::int32_t x, std::int32_t y) {
  const unsigned char* p =
      image.pixels.data() + (std::int64_t{y} * image.width + x) * image.channels;
  if (image.channels < 3) return static_cast<float>(p[0]) / 255.0f;
  return luma(p[0], p[1], p[2]) / 255.0f;
}

bool has_image_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm" ||
         ext == ".ppm";
}

Status list_images(const std::string& path, std::vector<std::string>* files) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    if (!std::filesystem::exists(path, ec)) {
      return Status::error(StatusCode::io_error, path.c_str(), ": no such file or folder");
    }
    files->push_back(path);
    return Status();
  }
  for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && has_image_extension(it->path())) {
      files->push_back(it->path().string());
    }
  }
  if (ec) {
    return Status::error(StatusCode::io_error, path.c_str(), ": cannot list the folder (",
                         ec.message().c_str(), ")");
  }
  if (files->empty()) {
    return Status::error(StatusCode::invalid_argument, path.c_str(),
                         ": no images (.png, .jpg, .jpeg, .bmp, .pgm, .ppm) in this folder");
  }
  std::sort(files->begin(), files->end());
  return Status();
}

// Uniform in [0, n) (Lemire's multiply; the bias is below 2^-32 * n).
std::uint32_t uniform_below(Pcg32* rng, std::uint32_t n) {
  return static_cast<std::uint32_t>((std::uint64_t{rng->next_u32()} * n) >> 32);
}

Status check_patch_request(std::int32_t size, std::int64_t count) {
  if (size < 1 || count < 1) {
    return Status::error(StatusCode::invalid_argument, "patch size and count must be positive, got ",
                         size, " and ", count);
  }
  if (count * size * size > kMaxPatchValues || size > (1 << 14)) {
    return Status::error(StatusCode::invalid_argument, count, " patches of ", size, "x", size,
                         " are more than this loader accepts (", kMaxPatchValues, " values)");
  }
  return Status();
}

Status finish(Matrix originals, std::int32_t size, bool preprocess, Patches* out) {
  Patches p;
  p.size = size;
  p.values = originals;
  if (preprocess) {
    preprocess_patches(p.values.values.data(), p.values.rows, p.values.cols);
  }
  p.originals = std::move(originals);
  *out = std::move(p);
  return Status();
}

}  // namespace

void preprocess_patches(float* values, std::int64_t count, std::int32_t pixels) {
  const std::int64_t n = count * pixels;
  if (n <= 0) return;
  double sum2 = 0;
  for (std::int64_t r = 0; r < count; ++r) {
    float* row = values + r * pixels;
    double mean = 0;
    for (std::int32_t i = 0; i < pixels; ++i) mean += row[i];
    mean /= pixels;
    for (std::int32_t i = 0; i < pixels; ++i) {
      row[i] = static_cast<float>(row[i] - mean);
      sum2 += static_cast<double>(row[i]) * row[i];
    }
  }
  // The values have mean 0 now, so sigma is the root mean square.
  const double limit = 3.0 * std::sqrt(sum2 / static_cast<double>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    double v = limit > 0 ? values[i] / limit : 0.0;
    v = v < -1.0 ? -1.0 : (v > 1.0 ? 1.0 : v);
    values[i] = static_cast<float>((v + 1.0) * 0.4 + 0.1);
  }
}

Status sample_patches(const std::string& path, std::int32_t size, std::int32_t count,
                      std::uint64_t seed, Patches* out) {
  TINYAE_RETURN_IF_ERROR(check_patch_request(size, count));
  std::vector<std::string> files;
  TINYAE_RETURN_IF_ERROR(list_images(path, &files));
  // Choose every patch's image first, then visit each image once.
  Pcg32 rng(seed, kStreamPatches);
  std::vector<std::uint32_t> image_of(static_cast<std::size_t>(count));
  for (std::uint32_t& i : image_of) i = uniform_below(&rng, static_cast<std::uint32_t>(files.size()));
  Matrix originals;
  originals.rows = count;
  originals.cols = size * size;
  originals.values.resize(static_cast<std::size_t>(std::int64_t{count} * size * size));
  for (std::size_t f = 0; f < files.size(); ++f) {
    if (std::find(image_of.begin(), image_of.end(), f) == image_of.end()) continue;
    Image image;
    TINYAE_RETURN_IF_ERROR(load_image(files[f], &image));
    if (image.width < size || image.height < size) {
      return Status::error(StatusCode::invalid_argument, files[f].c_str(), " is ", image.width,
                           "x", image.height, ", smaller than the ", size, "x", size, " patches");
    }
    // Positions come from a stream per image, so the patches do not depend on the
    // order images are visited in.
    Pcg32 positions(seed ^ (0x9e3779b97f4a7c15ull * (f + 1)), kStreamPatches);
    for (std::int32_t r = 0; r < count; ++r) {
      if (image_of[static_cast<std::size_t>(r)] != f) continue;
      const auto x0 = static_cast<std::int32_t>(
          uniform_below(&positions, static_cast<std::uint32_t>(image.width - size + 1)));
      const auto y0 = static_cast<std::int32_t>(
          uniform_below(&positions, static_cast<std::uint32_t>(image.height - size + 1)));
      float* row = originals.row(r);
      for (std::int32_t y = 0; y < size; ++y) {
        for (std::int32_t x = 0; x < size; ++x) row[y * size + x] = gray_at(image, x0 + x, y0 + y);
      }
    }
  }
  return finish(std::move(originals), size, true, out);
}

Status load_patches(const std::string& path, bool preprocess, Patches* out) {
  std::vector<std::int64_t> dims;
  std::vector<float> values;
  const bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  bool bytes = false;
  if (npy) {
    NpyArray a;
    TINYAE_RETURN_IF_ERROR(load_npy(path, &a));
    dims = a.shape;
    values = std::move(a.values);
    bytes = a.item_bytes == 1;
  } else {
    IdxArray a;
    TINYAE_RETURN_IF_ERROR(load_idx(path, &a));
    dims.assign(a.dims.begin(), a.dims.end());
    values = std::move(a.values);
    bytes = a.type == 0x08;
  }
  // n x s*s, n x s x s, or n x s x s x 3.
  std::int64_t side = 0;
  bool rgb = false;
  if (dims.size() == 2) {
    side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(dims[1]))));
    if (side * side != dims[1]) side = 0;
  } else if ((dims.size() == 3 || (dims.size() == 4 && dims[3] == 3)) && dims[1] == dims[2]) {
    side = dims[1];
    rgb = dims.size() == 4;
  }
  if (side < 1 || dims[0] < 1) {
    return Status::error(StatusCode::invalid_argument, path.c_str(),
                         ": expected square patches shaped n x s x s, n x s*s or n x s x s x 3");
  }
  const std::int64_t count = dims[0];
  TINYAE_RETURN_IF_ERROR(check_patch_request(static_cast<std::int32_t>(side), count));
  const float scale = bytes ? 1.0f / 255.0f : 1.0f;
  Matrix originals;
  originals.rows = static_cast<std::int32_t>(count);
  originals.cols = static_cast<std::int32_t>(side * side);
  originals.values.resize(static_cast<std::size_t>(count * side * side));
  for (std::int64_t i = 0; i < count * side * side; ++i) {
    originals.values[static_cast<std::size_t>(i)] =
        rgb ? luma(values[static_cast<std::size_t>(3 * i)], values[static_cast<std::size_t>(3 * i + 1)],
                   values[static_cast<std::size_t>(3 * i + 2)]) * scale
            : values[static_cast<std::size_t>(i)] * scale;
  }
  return finish(std::move(originals), static_cast<std::int32_t>(side), preprocess, out);
}

Status read_patches(const std::string& path, std::int32_t size, std::int32_t count,
                    std::uint64_t seed, Patches* out) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec) || has_image_extension(path)) {
    return sample_patches(path, size, count, seed, out);
  }
  Patches patches;
  TINYAE_RETURN_IF_ERROR(load_patches(path, true, &patches));
  if (patches.size != size) {
    return Status::error(StatusCode::invalid_argument, path.c_str(), " holds ", patches.size, "x",
                         patches.size, " patches, the network needs ", size, "x", size);
  }
  *out = std::move(patches);
  return Status();
}

}  // namespace tinyae
