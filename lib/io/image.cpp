// Images in: PNG through libpng, JPEG through libjpeg-turbo (Debian's libpng-dev and
// libjpeg62-turbo-dev, hardened and fuzzed upstream; stb_image was not safe for users'
// files), binary netpbm and uncompressed BMP through the small strict readers below.
// PNG out through libpng. Every reader checks the declared size against the caps before
// it allocates the pixels.
//
// libpng and libjpeg report errors by longjmp. A longjmp must not skip a C++ destructor,
// so each library call runs inside guarded(): the only frame between its setjmp and the
// library's longjmp is the step function, and steps keep only plain C data (the reader
// structs below). Buffers are allocated by the callers, outside any guarded step.
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <cstring>

#include <jpeglib.h>
#include <png.h>

#include <algorithm>

#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

constexpr std::int64_t kMaxImageSide = 1 << 14;
// 16384 x 8192: 512 MiB as RGBA, and libjpeg's whole-image buffer for a progressive
// JPEG stays under 1 GiB.
constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 27;
// Each progressive scan revisits every block, so many tiny scans make a small file cost
// minutes; libjpeg-turbo's own fuzzers stop at 500. Real encoders write about 10.
constexpr int kMaxJpegScans = 500;
// Deflate codes at most 258 bytes in 2 bits, so n compressed bytes inflate to at most
// 1032 n: a PNG declaring more pixel bytes than that is truncated or lying.
constexpr std::int64_t kMaxDeflateRatio = 1032;

Status check_size(const std::string& path, const char* format, std::int64_t width,
                  std::int64_t height) {
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide ||
      width * height > kMaxImagePixels) {
    return Status::error(StatusCode::unsupported, path.c_str(), ": ", format, " of ", width, "x",
                         height, " pixels; this loader reads 1 to ", kMaxImageSide,
                         " on a side and at most ", kMaxImagePixels, " pixels");
  }
  return Status();
}

// Sizes checked by check_size.
void make_image(std::int64_t width, std::int64_t height, std::int32_t channels, Image* image) {
  image->width = static_cast<std::int32_t>(width);
  image->height = static_cast<std::int32_t>(height);
  image->channels = channels;
  image->pixels.resize(static_cast<std::size_t>(width * height * channels));
}

// The library's own reason, after "<path>: cannot decode <format> (".
Status decode_error(const std::string& path, const char* format, const char* reason) {
  return Status::error(StatusCode::corrupt_data, path.c_str(), ": cannot decode ", format, " (",
                       reason, ")");
}

// Binary netpbm (P5 gray, P6 RGB, maxval 1..255), read here with bounded numbers
// (stb's PNM header parser overflowed a signed int on long digit strings).
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
  TINYAE_RETURN_IF_ERROR(check_size(path, "PGM/PPM", width, height));
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

// Uncompressed BMP (BI_RGB; BITMAPINFOHEADER or its V4/V5 extensions): 24- and 32-bit
// (the fourth byte is unused, as the format says) and 8-bit paletted, bottom-up or
// top-down, always as RGB. Every field is checked before it is used.
bool is_bmp(const std::string& bytes) {
  return bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M';
}

std::uint32_t read_le16(const unsigned char* p) { return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8); }

Status load_bmp(const std::string& path, const std::string& bytes, Image* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::int64_t size = static_cast<std::int64_t>(bytes.size());
  constexpr std::int64_t kHeaders = 14 + 40;
  if (size < kHeaders) return io::too_short(path, "BMP ", bytes.size(), kHeaders, true);
  const std::int64_t pixels_at = io::read_le32(b + 10);
  const std::int64_t info_bytes = io::read_le32(b + 14);
  if (info_bytes != 40 && info_bytes != 108 && info_bytes != 124) {
    return Status::error(StatusCode::unsupported, path.c_str(), ": BMP info header of ", info_bytes,
                         " bytes (only BITMAPINFOHEADER, 40, and its V4/V5 forms, 108 and 124)");
  }
  const std::int64_t width = static_cast<std::int32_t>(io::read_le32(b + 18));
  const std::int64_t signed_height = static_cast<std::int32_t>(io::read_le32(b + 22));
  const std::uint32_t planes = read_le16(b + 26);
  const std::uint32_t bits = read_le16(b + 28);
  const std::uint32_t compression = io::read_le32(b + 30);
  const std::int64_t colours_used = io::read_le32(b + 46);
  if (planes != 1) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": BMP with ", planes,
                         " planes (must be 1)");
  }
  if (compression != 0) {
    return Status::error(StatusCode::unsupported, path.c_str(), ": compressed BMP (compression ",
                         compression, "; only uncompressed BI_RGB is read)");
  }
  if (bits != 8 && bits != 24 && bits != 32) {
    return Status::error(StatusCode::unsupported, path.c_str(), ": BMP of ", bits,
                         " bits per pixel (only 8-bit paletted, 24 and 32)");
  }
  const bool top_down = signed_height < 0;
  const std::int64_t height = top_down ? -signed_height : signed_height;
  TINYAE_RETURN_IF_ERROR(check_size(path, "BMP", width, height));
  const std::int64_t palette_at = 14 + info_bytes;
  const std::int64_t colours = bits == 8 ? (colours_used == 0 ? 256 : colours_used) : 0;
  if (colours > 256) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": BMP palette of ", colours,
                         " colours (at most 256)");
  }
  if (pixels_at < palette_at + 4 * colours || pixels_at > size) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": BMP pixel data offset ",
                         pixels_at, " outside ", palette_at + 4 * colours, "..", size,
                         " (after the headers and palette, inside the file)");
  }
  const std::int64_t stride = (width * bits + 31) / 32 * 4;
  if (size - pixels_at < stride * height) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": BMP pixel data truncated (",
                         width, "x", height, " at ", bits, " bits needs ", stride * height,
                         " bytes from offset ", pixels_at, ", the file has ", size - pixels_at, ")");
  }
  Image image;
  make_image(width, height, 3, &image);
  unsigned char* to = image.pixels.data();
  for (std::int64_t y = 0; y < height; ++y) {
    const unsigned char* row = b + pixels_at + stride * (top_down ? y : height - 1 - y);
    for (std::int64_t x = 0; x < width; ++x, to += 3) {
      const unsigned char* bgr = nullptr;
      if (bits == 8) {
        if (row[x] >= colours) {
          return Status::error(StatusCode::corrupt_data, path.c_str(), ": BMP pixel (", x, ", ", y,
                               ") is colour ", row[x], " of a palette of ", colours);
        }
        bgr = b + palette_at + 4 * row[x];
      } else {
        bgr = row + x * (bits / 8);
      }
      to[0] = bgr[2];
      to[1] = bgr[1];
      to[2] = bgr[0];
    }
  }
  *out = std::move(image);
  return Status();
}

bool is_png(const std::string& bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0;
}
bool is_jpeg(const std::string& bytes) {
  return bytes.size() >= 3 && std::memcmp(bytes.data(), "\xff\xd8\xff", 3) == 0;
}

// Runs step(reader) with reader->jump as the target of the library's longjmp; false
// when the library gave up (its reason is in reader->reason then).
template <class Reader>
bool guarded(Reader* reader, void (*step)(Reader*)) {
  if (setjmp(reader->jump) != 0) return false;
  step(reader);
  return true;
}

// PNG: libpng's classic API, so that no colour or gamma conversion touches the samples
// (the simplified API applies gAMA): the stored values, with 1/2/4-bit gray widened, tRNS
// as alpha, 16-bit scaled to 8 with rounding, and palettes expanded here (libpng's own
// expansion turns an index past the palette into black without a word).
struct PngReader {
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  std::size_t at = 0;
  png_structp png = nullptr;
  png_infop info = nullptr;
  int stored_bits_per_pixel = 0;
  bool palette = false;
  int passes = 0;
  unsigned char* pixels = nullptr;
  std::size_t stride = 0;
  std::uint32_t rows = 0;
  std::jmp_buf jump;
  char warning[200] = "";
  char reason[420] = "";
};

[[noreturn]] void png_failed(png_structp png, png_const_charp message) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  if (r->warning[0] != '\0') {
    std::snprintf(r->reason, sizeof r->reason, "%s; %s", r->warning, message);
  } else {
    std::snprintf(r->reason, sizeof r->reason, "%s", message);
  }
  std::longjmp(r->jump, 1);
}
// What libpng only warns about (chunks it skips, profiles it dislikes) never changes a
// pixel: errors and benign errors, which do, are errors below. A warning is kept for the
// error that may follow it, as libpng says what it checked in warnings (e.g. "Image
// width exceeds user limit in IHDR", then "Invalid IHDR data").
void png_warned(png_structp png, png_const_charp message) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(r->warning, sizeof r->warning, "%s", message);
}

void png_read_memory(png_structp png, png_bytep to, std::size_t bytes) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (bytes > r->size - r->at) png_error(png, "the file ends inside a chunk");
  std::memcpy(to, r->data + r->at, bytes);
  r->at += bytes;
}

void png_header_step(PngReader* r) {
  r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, png_failed, png_warned);
  if (r->png == nullptr) {
    std::snprintf(r->reason, sizeof r->reason, "out of memory");
    std::longjmp(r->jump, 1);
  }
  r->info = png_create_info_struct(r->png);
  if (r->info == nullptr) png_error(r->png, "out of memory");
  png_set_read_fn(r->png, r, png_read_memory);
  // A bad CRC in any chunk, extra image data or an out-of-range palette index refuses
  // the file; ancillary chunks that cannot change the pixels are skipped unparsed.
  png_set_crc_action(r->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  png_set_benign_errors(r->png, 0);
  png_set_keep_unknown_chunks(r->png, PNG_HANDLE_CHUNK_NEVER, nullptr, -1);
  png_read_info(r->png, r->info);
  const int type = png_get_color_type(r->png, r->info);
  const int depth = png_get_bit_depth(r->png, r->info);
  r->stored_bits_per_pixel = depth * png_get_channels(r->png, r->info);
  r->palette = type == PNG_COLOR_TYPE_PALETTE;
  if (r->palette) {
    png_set_packing(r->png);  // one index per byte
  } else {
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(r->png);
    if (png_get_valid(r->png, r->info, PNG_INFO_tRNS) != 0) png_set_tRNS_to_alpha(r->png);
  }
  if (depth == 16) png_set_scale_16(r->png);
  r->passes = png_set_interlace_handling(r->png);
  png_read_update_info(r->png, r->info);
}

void png_pixels_step(PngReader* r) {
  // Each pass fills its pixels of the same rows, so the last one leaves the full image.
  for (int pass = 0; pass < r->passes; ++pass) {
    for (std::uint32_t y = 0; y < r->rows; ++y) png_read_row(r->png, r->pixels + y * r->stride, nullptr);
  }
  png_read_end(r->png, nullptr);  // the chunks after the pixels, through IEND, CRCs checked
}

Status load_png(const std::string& path, const std::string& bytes, Image* out) {
  PngReader r;
  r.data = reinterpret_cast<const unsigned char*>(bytes.data());
  r.size = bytes.size();
  struct Free {
    PngReader* r;
    ~Free() { png_destroy_read_struct(&r->png, &r->info, nullptr); }
  } free_png{&r};
  if (!guarded(&r, png_header_step)) return decode_error(path, "PNG", r.reason);
  const std::int64_t width = png_get_image_width(r.png, r.info);
  const std::int64_t height = png_get_image_height(r.png, r.info);
  TINYAE_RETURN_IF_ERROR(check_size(path, "PNG", width, height));
  const std::int64_t pixel_bytes = width * height * r.stored_bits_per_pixel / 8;
  if (pixel_bytes > kMaxDeflateRatio * static_cast<std::int64_t>(bytes.size())) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": PNG of ", width, "x", height,
                         " pixels needs ", pixel_bytes, " bytes of image data, more than its ",
                         bytes.size(), " bytes can hold (deflate expands at most ", kMaxDeflateRatio,
                         " times); the file is truncated or corrupt");
  }
  const int samples = png_get_channels(r.png, r.info);  // per pixel as read: 1 for an index
  if (png_get_bit_depth(r.png, r.info) != 8 || samples < 1 || samples > 4 ||
      png_get_rowbytes(r.png, r.info) != static_cast<std::size_t>(width * samples)) {
    return decode_error(path, "PNG", "unexpected layout after conversion to 8 bits");
  }
  png_colorp colours = nullptr;
  int num_colours = 0;
  png_bytep alphas = nullptr;
  int num_alphas = 0;
  if (r.palette) {
    png_get_PLTE(r.png, r.info, &colours, &num_colours);  // libpng requires PLTE before IDAT
    png_get_tRNS(r.png, r.info, &alphas, &num_alphas, nullptr);
  }
  Image image;
  std::vector<unsigned char> indices;
  make_image(width, height, r.palette ? (num_alphas > 0 ? 4 : 3) : samples, &image);
  if (r.palette) indices.resize(static_cast<std::size_t>(width * height));
  r.pixels = r.palette ? indices.data() : image.pixels.data();
  r.stride = static_cast<std::size_t>(width * samples);
  r.rows = static_cast<std::uint32_t>(height);
  if (!guarded(&r, png_pixels_step)) return decode_error(path, "PNG", r.reason);
  unsigned char* to = image.pixels.data();
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const int index = indices[i];
    if (index >= num_colours) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": PNG pixel (",
                           static_cast<std::int64_t>(i) % width, ", ", static_cast<std::int64_t>(i) / width,
                           ") has palette index ", index, " of a palette of ", num_colours);
    }
    *to++ = colours[index].red;
    *to++ = colours[index].green;
    *to++ = colours[index].blue;
    if (num_alphas > 0) *to++ = index < num_alphas ? alphas[index] : 255;
  }
  *out = std::move(image);
  return Status();
}

// JPEG: gray or colour (YCbCr or RGB) as 1 or 3 channels, with libjpeg's default
// (accurate integer) decoding, as djpeg does.
struct JpegReader {
  jpeg_decompress_struct info;
  jpeg_error_mgr errors;
  jpeg_progress_mgr progress;
  bool created = false;
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  unsigned char* pixels = nullptr;
  std::size_t stride = 0;
  std::jmp_buf jump;
  char reason[JMSG_LENGTH_MAX] = "";
};

[[noreturn]] void jpeg_failed(j_common_ptr info) {
  auto* r = static_cast<JpegReader*>(info->client_data);
  (*info->err->format_message)(info, r->reason);
  std::longjmp(r->jump, 1);
}
// libjpeg's warnings are damage it would paper over (a truncated file, a bad Huffman
// code, bytes between markers, a bogus progression): errors here. Its trace messages
// and its printing to stderr are silenced.
void jpeg_message(j_common_ptr info, int level) {
  if (level < 0) jpeg_failed(info);
}
void jpeg_no_output(j_common_ptr) {}
void jpeg_count_scans(j_common_ptr info) {
  const auto* d = reinterpret_cast<j_decompress_ptr>(info);
  if (d->input_scan_number > kMaxJpegScans) {
    auto* r = static_cast<JpegReader*>(info->client_data);
    std::snprintf(r->reason, sizeof r->reason, "more than %d scans", kMaxJpegScans);
    std::longjmp(r->jump, 1);
  }
}

void jpeg_header_step(JpegReader* r) {
  r->info.err = jpeg_std_error(&r->errors);
  r->errors.error_exit = jpeg_failed;
  r->errors.emit_message = jpeg_message;
  r->errors.output_message = jpeg_no_output;
  r->info.client_data = r;  // jpeg_create_decompress keeps err and client_data
  jpeg_create_decompress(&r->info);
  r->created = true;
  r->progress.progress_monitor = jpeg_count_scans;
  r->info.progress = &r->progress;
  jpeg_mem_src(&r->info, r->data, static_cast<unsigned long>(r->size));
  jpeg_read_header(&r->info, TRUE);
}

void jpeg_start_step(JpegReader* r) { jpeg_start_decompress(&r->info); }

void jpeg_pixels_step(JpegReader* r) {
  while (r->info.output_scanline < r->info.output_height) {
    JSAMPROW row = r->pixels + r->info.output_scanline * r->stride;
    jpeg_read_scanlines(&r->info, &row, 1);
  }
  jpeg_finish_decompress(&r->info);  // reads on to EOI
}

Status load_jpeg(const std::string& path, const std::string& bytes, Image* out) {
  JpegReader r;
  r.data = reinterpret_cast<const unsigned char*>(bytes.data());
  r.size = bytes.size();
  struct Free {
    JpegReader* r;
    ~Free() {
      if (r->created) jpeg_destroy_decompress(&r->info);
    }
  } free_jpeg{&r};
  if (!guarded(&r, jpeg_header_step)) return decode_error(path, "JPEG", r.reason);
  TINYAE_RETURN_IF_ERROR(check_size(path, "JPEG", r.info.image_width, r.info.image_height));
  switch (r.info.jpeg_color_space) {
    case JCS_GRAYSCALE: r.info.out_color_space = JCS_GRAYSCALE; break;
    case JCS_YCbCr:
    case JCS_RGB: r.info.out_color_space = JCS_RGB; break;
    default: {
      const J_COLOR_SPACE space = r.info.jpeg_color_space;
      return Status::error(StatusCode::unsupported, path.c_str(), ": ",
                           space == JCS_CMYK ? "CMYK" : space == JCS_YCCK ? "YCCK" : "unknown colour space",
                           " JPEG of ", r.info.num_components,
                           " components (only gray and colour, YCbCr or RGB, JPEGs are read)");
    }
  }
  if (!guarded(&r, jpeg_start_step)) return decode_error(path, "JPEG", r.reason);
  const std::int32_t channels = r.info.output_components;
  Image image;
  make_image(r.info.output_width, r.info.output_height, channels, &image);
  r.pixels = image.pixels.data();
  r.stride = static_cast<std::size_t>(r.info.output_width) * static_cast<std::size_t>(channels);
  if (!guarded(&r, jpeg_pixels_step)) return decode_error(path, "JPEG", r.reason);
  *out = std::move(image);
  return Status();
}

}  // namespace

Status load_image(const std::string& path, Image* out) {
  std::string bytes;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, std::size_t{1} << 30, &bytes));
  if (is_png(bytes)) return load_png(path, bytes, out);
  if (is_jpeg(bytes)) return load_jpeg(path, bytes, out);
  if (is_netpbm(bytes)) return load_netpbm(path, bytes, out);
  if (is_bmp(bytes)) return load_bmp(path, bytes, out);
  return Status::error(StatusCode::corrupt_data, path.c_str(),
                       ": not a readable image (not PNG, JPEG, binary PGM/PPM or BMP; it starts with \"",
                       io::printable(bytes, 8).c_str(), "\")");
}

Status save_png(const std::string& path, const Image& image) {
  if (image.width < 1 || image.height < 1 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != std::size_t{static_cast<unsigned>(image.width)} * image.height * image.channels) {
    return Status::error(StatusCode::invalid_argument, "save_png: image of ", image.width, "x",
                         image.height, "x", image.channels, " with ", image.pixels.size(),
                         " bytes is inconsistent");
  }
  static constexpr png_uint_32 kFormats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                             PNG_FORMAT_RGBA};
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = kFormats[image.channels - 1];
  // The simplified writer stores 8-bit samples as they are (it converts only 16-bit
  // linear input) and handles libpng's errors itself.
  std::string bytes(PNG_IMAGE_PNG_SIZE_MAX(png), '\0');
  png_alloc_size_t size = bytes.size();
  if (png_image_write_to_memory(&png, &bytes[0], &size, 0, image.pixels.data(),
                                image.width * image.channels, nullptr) == 0) {
    return Status::error(StatusCode::io_error, path.c_str(), ": PNG encoding failed (", png.message, ")");
  }
  bytes.resize(size);
  return io::write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace tinyae
