// PNG/JPEG/PGM/PPM in, PNG out, through Debian's stb headers (libstb-dev). The
// implementation is compiled here with internal linkage, so a cross build needs no
// target copy of libstb and nothing leaks into users' programs.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNM
#define STBI_ONLY_BMP
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

constexpr int kMaxImageSide = 1 << 14;

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
}

}  // namespace

Status load_image(const std::string& path, Image* out) {
  std::string bytes;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, std::size_t{1} << 30, &bytes));
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(bytes.size());
  int w = 0;
  int h = 0;
  int channels = 0;
  if (!stbi_info_from_memory(data, length, &w, &h, &channels)) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": not a readable image (",
                         stbi_failure_reason(), ")");
  }
  if (w < 1 || h < 1 || w > kMaxImageSide || h > kMaxImageSide) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": image size ", w, "x", h,
                         " outside 1..", kMaxImageSide);
  }
  stbi_uc* pixels = stbi_load_from_memory(data, length, &w, &h, &channels, 0);
  if (pixels == nullptr) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": cannot decode (",
                         stbi_failure_reason(), ")");
  }
  Image image;
  image.width = w;
  image.height = h;
  image.channels = channels;
  image.pixels.assign(pixels, pixels + std::size_t{static_cast<unsigned>(w)} * h * channels);
  stbi_image_free(pixels);
  *out = std::move(image);
  return Status();
}

Status save_png(const std::string& path, const Image& image) {
  if (image.width < 1 || image.height < 1 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != std::size_t{static_cast<unsigned>(image.width)} * image.height * image.channels) {
    return Status::error(StatusCode::invalid_argument, "save_png: image of ", image.width, "x",
                         image.height, "x", image.channels, " with ", image.pixels.size(),
                         " bytes is inconsistent");
  }
  std::string png;
  if (!stbi_write_png_to_func(append_bytes, &png, image.width, image.height, image.channels,
                              image.pixels.data(), image.width * image.channels)) {
    return Status::error(StatusCode::io_error, path.c_str(), ": PNG encoding failed");
  }
  return io::write_file_atomic(path, png.data(), png.size());
}

}  // namespace tinyae
