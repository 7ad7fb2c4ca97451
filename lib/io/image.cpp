// PNG/JPEG/PGM/PPM in, PNG out, through Debian's stb headers (libstb-dev). The
// implementation is compiled here with internal linkage, so a cross build needs no
// target copy of libstb and nothing leaks into users' programs.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

#include <algorithm>

#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

constexpr int kMaxImageSide = 1 << 14;

// Binary netpbm (P5 gray, P6 RGB, maxval 1..255), read here with bounded numbers:
// stb's PNM header parser overflows a signed int on long digit strings.
bool is_netpbm(const std::string& bytes) {
  return bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6');
}

Status load_netpbm(const std::string& path, const std::string& bytes, Image* out) {
  std::size_t at = 2;
  long fields[3] = {};
  for (long& field : fields) {
    for (;;) {  // whitespace and comments
      while (at < bytes.size() && (bytes[at] == ' ' || bytes[at] == '\t' || bytes[at] == '\n' ||
                                   bytes[at] == '\r')) {
        ++at;
      }
      if (at < bytes.size() && bytes[at] == '#') {
        while (at < bytes.size() && bytes[at] != '\n') ++at;
        continue;
      }
      break;
    }
    if (at >= bytes.size() || bytes[at] < '0' || bytes[at] > '9') {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": bad PGM/PPM header");
    }
    field = 0;
    while (at < bytes.size() && bytes[at] >= '0' && bytes[at] <= '9') {
      field = field * 10 + (bytes[at++] - '0');
      if (field > kMaxImageSide) {
        return Status::error(StatusCode::corrupt_data, path.c_str(),
                             ": PGM/PPM header value larger than ", kMaxImageSide);
      }
    }
  }
  const long width = fields[0];
  const long height = fields[1];
  const long maxval = fields[2];
  if (width < 1 || height < 1 || maxval < 1 || maxval > 255) {
    return Status::error(StatusCode::unsupported, path.c_str(), ": PGM/PPM of ", width, "x",
                         height, " with maxval ", maxval, " (8-bit, non-empty images only)");
  }
  ++at;  // the single whitespace byte before the pixels
  const int channels = bytes[1] == '5' ? 1 : 3;
  const std::size_t size = static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * channels;
  if (at > bytes.size() || bytes.size() - at < size) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": PGM/PPM pixel data truncated");
  }
  Image image;
  image.width = static_cast<std::int32_t>(width);
  image.height = static_cast<std::int32_t>(height);
  image.channels = channels;
  image.pixels.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                      bytes.begin() + static_cast<std::ptrdiff_t>(at + size));
  if (maxval != 255) {
    for (unsigned char& v : image.pixels) v = static_cast<unsigned char>(std::min<long>(v, maxval) * 255 / maxval);
  }
  *out = std::move(image);
  return Status();
}

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
}

}  // namespace

Status load_image(const std::string& path, Image* out) {
  std::string bytes;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, std::size_t{1} << 30, &bytes));
  if (is_netpbm(bytes)) return load_netpbm(path, bytes, out);
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
