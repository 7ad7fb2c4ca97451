// Images: PNG (libpng), JPEG (libjpeg-turbo), BMP and netpbm. Expected pixels come from
// an independent source each time: the PPM copy of a photo, PNGs and BMPs this file
// encodes itself (zlib plus the format's rules), JPEGs made by cjpeg and decoded by
// djpeg, or values worked out by hand.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

std::string message_of(const Status& s) { return s.message(); }
using test::be32;
using test::read_all;
std::string le16(std::uint32_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }
std::string le32(std::uint32_t v) { return le16(v & 0xffffu) + le16(v >> 16); }
std::uint32_t get_be32(const std::string& s, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(s[at])} << 24) |
         (std::uint32_t{static_cast<unsigned char>(s[at + 1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(s[at + 2])} << 8) | static_cast<unsigned char>(s[at + 3]);
}
std::uint32_t crc_of(const std::string& bytes) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// --- A PNG encoder and decoder of our own, from the PNG specification and zlib.

std::string chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc_of(type + data));
}
std::string ihdr(std::uint32_t width, std::uint32_t height, int depth, int colour, int interlace = 0) {
  return chunk("IHDR", be32(width) + be32(height) + std::string{static_cast<char>(depth), static_cast<char>(colour), 0, 0, static_cast<char>(interlace)});
}
std::string deflate(const std::string& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string out(size, '\0');
  REQUIRE(compress(reinterpret_cast<Bytef*>(&out[0]), &size, reinterpret_cast<const Bytef*>(raw.data()),
                   static_cast<uLong>(raw.size())) == Z_OK);
  out.resize(size);
  return out;
}
const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
// raw: the filtered scanlines (each row: filter byte 0, then the packed samples).
std::string png(const std::string& header, const std::string& raw, const std::string& before_idat = "") {
  return kSignature + header + before_idat + chunk("IDAT", deflate(raw)) + chunk("IEND", "");
}
// Rows of bytes (already packed) with filter type 0.
std::string unfiltered(const std::vector<std::string>& rows) {
  std::string raw;
  for (const std::string& row : rows) raw += '\0' + row;
  return raw;
}

// Decodes an 8-bit, non-interlaced PNG of colour type 0, 2, 4 or 6: chunks with their
// CRCs, IDAT inflated, the five filters undone.
Image decode_png_ourselves(const std::string& file) {
  REQUIRE(file.compare(0, 8, kSignature) == 0);
  Image image;
  std::string idat;
  bool ended = false;
  for (std::size_t at = 8; !ended;) {
    REQUIRE(at + 12 <= file.size());
    const std::uint32_t length = get_be32(file, at);
    const std::string type = file.substr(at + 4, 4);
    const std::string data = file.substr(at + 8, length);
    REQUIRE(get_be32(file, at + 8 + length) == crc_of(type + data));
    if (type == "IHDR") {
      image.width = static_cast<std::int32_t>(get_be32(data, 0));
      image.height = static_cast<std::int32_t>(get_be32(data, 4));
      REQUIRE(data[8] == 8);
      REQUIRE(data[12] == 0);
      const int colour = data[9];
      image.channels = colour == 0 ? 1 : colour == 4 ? 2 : colour == 2 ? 3 : 4;
      REQUIRE((colour == 0 || colour == 2 || colour == 4 || colour == 6));
    }
    if (type == "IDAT") idat += data;
    ended = type == "IEND";
    at += 12 + length;
  }
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  std::string raw((stride + 1) * image.height, '\0');
  uLongf size = static_cast<uLongf>(raw.size());
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(&raw[0]), &size, reinterpret_cast<const Bytef*>(idat.data()),
                     static_cast<uLong>(idat.size())) == Z_OK);
  REQUIRE(size == raw.size());
  const auto bpp = static_cast<std::size_t>(image.channels);
  image.pixels.assign(stride * image.height, 0);
  for (std::size_t y = 0; y < static_cast<std::size_t>(image.height); ++y) {
    const auto filter = static_cast<unsigned char>(raw[y * (stride + 1)]);
    REQUIRE(filter <= 4);
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? image.pixels[y * stride + x - bpp] : 0;
      const int b = y > 0 ? image.pixels[(y - 1) * stride + x] : 0;
      const int c = x >= bpp && y > 0 ? image.pixels[(y - 1) * stride + x - bpp] : 0;
      int predicted = 0;
      if (filter == 1) predicted = a;
      if (filter == 2) predicted = b;
      if (filter == 3) predicted = (a + b) / 2;
      if (filter == 4) {
        const int p = a + b - c;
        const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      image.pixels[y * stride + x] =
          static_cast<unsigned char>(static_cast<unsigned char>(raw[y * (stride + 1) + 1 + x]) + predicted);
    }
  }
  return image;
}

// A test image: every channel a different function of (x, y), alpha 0 included.
Image pattern(std::int32_t width, std::int32_t height, std::int32_t channels) {
  Image image{width, height, channels, {}};
  for (std::int32_t y = 0; y < height; ++y) {
    for (std::int32_t x = 0; x < width; ++x) {
      for (std::int32_t c = 0; c < channels; ++c) {
        image.pixels.push_back(static_cast<unsigned char>((x * 37 + y * 101 + c * 59 + x * y) % 256));
      }
    }
  }
  return image;
}

// --- JPEGs: cjpeg's, and a progressive one put together here.

// cjpeg -quality 100 -sample 1x1 -optimize of a 16x8 RGB image with pixel (x, y) =
// (16 x, 32 y, (8 x + 16 y) mod 256).
const std::string kRgbJpeg(
    "\xff\xd8\xff\xe0\x00\x10\x4a\x46\x49\x46\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43"
    "\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\xff\xdb\x00\x43\x01\x01\x01"
    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\xff\xc0\x00\x11\x08\x00\x08\x00\x10\x03"
    "\x01\x11\x00\x02\x11\x01\x03\x11\x01\xff\xc4\x00\x14\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x09\xff\xc4\x00\x23\x10\x00\x00\x02\x09\x05\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x41\x07\x09\x11\x26\x31\x34\x44\x52\x71\x01\x12\x51\x62\x81\xff\xc4\x00\x17"
    "\x01\x00\x03\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06\x07\x08\x09\xff\xc4\x00"
    "\x2c\x11\x00\x00\x02\x04\x0c\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x31\x00\x11\x41\x51"
    "\x05\x06\x08\x09\x23\x25\x32\x34\x44\x53\x71\x81\x21\x22\x42\x62\x91\xc1\xf0\xff\xda\x00\x0c\x03"
    "\x01\x00\x02\x11\x03\x11\x00\x3f\x00\x37\xd0\xba\xa1\xe5\x1d\x8b\x28\xf0\x7b\x3c\x69\x10\x1a\x81"
    "\xe3\x85\x9a\x57\x37\xd2\xf7\x53\x44\xd2\x31\x93\xcc\xe1\x77\x1a\xf3\x2f\x11\xa7\x73\xd8\x62\x27"
    "\xc1\x16\xd4\x2e\xa8\x79\x47\x5e\xca\x3c\x74\x3e\x22\xc8\xea\x1a\x90\x3c\x70\xb1\x4a\xee\xaf\x89"
    "\xe4\xb2\x04\xdd\x69\x3c\xce\x19\x71\xaf\x32\xf1\x3a\x1f\x37\x91\xd8\x13\xff\xd9", 404);
// cjpeg -quality 95 -grayscale -optimize of an 8x8 gray image with pixel (x, y) = 32 x + 2 y.
const std::string kGrayJpeg(
    "\xff\xd8\xff\xe0\x00\x10\x4a\x46\x49\x46\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43"
    "\x00\x02\x01\x01\x01\x01\x01\x02\x01\x01\x01\x02\x02\x02\x02\x02\x04\x03\x02\x02\x02\x02\x05\x04"
    "\x04\x03\x04\x06\x05\x06\x06\x06\x05\x06\x06\x06\x07\x09\x08\x06\x07\x09\x07\x06\x06\x08\x0b\x08"
    "\x09\x0a\x0a\x0a\x0a\x0a\x06\x08\x0b\x0c\x0b\x0a\x0c\x09\x0a\x0a\x0a\xff\xc0\x00\x0b\x08\x00\x08"
    "\x00\x08\x01\x01\x11\x00\xff\xc4\x00\x14\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x06\xff\xc4\x00\x1b\x10\x00\x00\x07\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x06\x0a\x23\x35\x41\x53\x71\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x36\x9b\x82\xd4\x03"
    "\x79\x57\x07\xff\xd9", 173);
// An 8x8 CMYK JPEG written with libjpeg (in_color_space JCS_CMYK).
const std::string kCmykJpeg(
    "\xff\xd8\xff\xee\x00\x0e\x41\x64\x6f\x62\x65\x00\x64\x00\x00\x00\x00\x00\xff\xdb\x00\x43\x00\x10"
    "\x0b\x0c\x0e\x0c\x0a\x10\x0e\x0d\x0e\x12\x11\x10\x13\x18\x28\x1a\x18\x16\x16\x18\x31\x23\x25\x1d"
    "\x28\x3a\x33\x3d\x3c\x39\x33\x38\x37\x40\x48\x5c\x4e\x40\x44\x57\x45\x37\x38\x50\x6d\x51\x57\x5f"
    "\x62\x67\x68\x67\x3e\x4d\x71\x79\x70\x64\x78\x5c\x65\x67\x63\xff\xc0\x00\x14\x08\x00\x08\x00\x08"
    "\x04\x43\x11\x00\x4d\x11\x00\x59\x11\x00\x4b\x11\x00\xff\xc4\x00\x16\x00\x01\x01\x01\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x04\xff\xc4\x00\x16\x10\x00\x03\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06\x43\xff\xda\x00\x0e\x04\x43\x00\x4d\x00\x59\x00"
    "\x4b\x00\x00\x3f\x00\xce\x95\x30\xd2\xa6\x49\x53\x11\x2a\x67\xff\xd9", 185);

std::string segment(unsigned char marker, const std::string& body) {
  return std::string{'\xff', static_cast<char>(marker)} + be32(static_cast<std::uint32_t>(body.size() + 2)).substr(2) + body;
}
// A progressive gray JPEG whose coefficients are all zero, so every pixel is 128: a DC
// scan, then for each of the 63 AC coefficients a first scan at bit `first_bit` and one
// refinement scan per lower bit. Each Huffman table has the one 1-bit code 0 for symbol
// 0 (DC difference 0; end of band), so every scan's data is that bit once per block.
std::string zero_progressive_jpeg(std::uint32_t width, std::uint32_t height, int first_bit) {
  std::string f = std::string("\xff\xd8", 2);
  f += segment(0xdb, std::string(1, '\0') + std::string(64, '\x01'));
  f += segment(0xc2, std::string{8} + be32(height).substr(2) + be32(width).substr(2) +
                          std::string{1, 1, 0x11, 0});
  std::string one_code = std::string{1} + std::string(15, '\0') + std::string(1, '\0');
  f += segment(0xc4, std::string(1, '\x00') + one_code + std::string(1, '\x10') + one_code);
  auto scan = [&](int first, int last, int high, int low) {
    f += segment(0xda, std::string{1, 1, 0, static_cast<char>(first), static_cast<char>(last),
                                   static_cast<char>(high << 4 | low)});
    // One 0 bit per 8x8 block, then 1s to the byte's end.
    const std::uint32_t blocks = ((width + 7) / 8) * ((height + 7) / 8);
    f += std::string(blocks / 8, '\0');
    if (blocks % 8 != 0) f += static_cast<char>(0xff >> (blocks % 8));
  };
  scan(0, 0, 0, 0);
  for (int k = 1; k < 64; ++k) {
    scan(k, k, 0, first_bit);
    for (int bit = first_bit; bit > 0; --bit) scan(k, k, bit, bit - 1);
  }
  return f + std::string("\xff\xd9", 2);
}

// --- BMP, from Microsoft's BITMAPFILEHEADER and BITMAPINFOHEADER layouts.
std::string bmp(std::int32_t width, std::int32_t height, std::uint32_t bits, const std::string& palette,
                const std::string& pixels, std::uint32_t compression = 0, std::uint32_t colours = 0) {
  const std::string info = le32(40) + le32(static_cast<std::uint32_t>(width)) +
                           le32(static_cast<std::uint32_t>(height)) + le16(1) + le16(bits) +
                           le32(compression) + le32(static_cast<std::uint32_t>(pixels.size())) +
                           le32(2835) + le32(2835) + le32(colours) + le32(0);
  const auto offset = static_cast<std::uint32_t>(14 + info.size() + palette.size());
  return "BM" + le32(offset + static_cast<std::uint32_t>(pixels.size())) + le32(0) + le32(offset) +
         info + palette + pixels;
}

// Loads `file`, written as temporary file `name`, into an image that holds one pixel:
// the load must fail with `code`, name the file first and leave the image as it was.
// Returns the message after "<path>: ".
std::string refusal(const std::string& name, const std::string& file,
                    StatusCode code = StatusCode::corrupt_data) {
  INFO(name << ", " << file.size() << " bytes");
  const std::string path = test::write_temp_file(name, file);
  Image image{1, 1, 1, {42}};
  const Status status = load_image(path, &image);
  const std::string message = status.message();
  CHECK(status.code() == code);
  CHECK(image.width == 1);
  CHECK(image.pixels == std::vector<unsigned char>{42});
  CHECK(message.compare(0, path.size() + 2, path + ": ") == 0);
  return message.substr(std::min(message.size(), path.size() + 2));
}

}  // namespace

TEST_CASE("images: PNG and PPM of the same photo decode to the same pixels", "[io][image]") {
  Image png;
  Image ppm;
  REQUIRE(load_image(test::data_path("photos/chelsea.png"), &png).ok());
  REQUIRE(load_image(test::data_path("photos/chelsea.ppm"), &ppm).ok());
  CHECK(png.width == 451);  // as `file` reports it
  CHECK(png.height == 300);
  CHECK(png.channels == 3);
  CHECK(png.pixels == ppm.pixels);
  Image gray;
  REQUIRE(load_image(test::data_path("natural512/00-camera.pgm"), &gray).ok());
  CHECK(gray.channels == 1);
  CHECK(gray.width == 512);

  const std::string path = test::temp_path("round.png");
  REQUIRE(save_png(path, png).ok());
  Image back;
  REQUIRE(load_image(path, &back).ok());
  CHECK(back.pixels == png.pixels);

  // Netpbm headers with absurd numbers (stb's parser overflowed on these), odd maxval,
  // too few pixels.
  CHECK(message_of(load_image(test::write_temp_file("huge.pgm", "P5 510111111111 2 255\n"), &back)).find("larger than") != std::string::npos);
  // The input the fuzzer found: a maxval of 40 digits.
  CHECK(message_of(load_image(test::write_temp_file("fuzz.pgm", "P5\n511 512\n" + std::string(40, '1') + "\n"), &back)).find("larger than") != std::string::npos);
  CHECK(message_of(load_image(test::write_temp_file("deep.pgm", "P5 2 2 300\n12345678"), &back)).find("maxval 300") != std::string::npos);
  CHECK(message_of(load_image(test::write_temp_file("short.ppm", "P6 2 2 255\nabc"), &back)).find("truncated") != std::string::npos);
  CHECK(message_of(load_image(test::write_temp_file("word.pgm", "P5 two 2 255\n"), &back)).find("bad PGM/PPM header") != std::string::npos);
  REQUIRE(load_image(test::write_temp_file("max15.pgm", "P5\n# comment\n2 1\n15\n\x0f\x05"), &back).ok());
  CHECK(back.pixels == std::vector<unsigned char>{255, 85});
  Image wrong{2, 2, 3, std::vector<unsigned char>(5)};
  CHECK(save_png(path, wrong).code() == StatusCode::invalid_argument);
}

TEST_CASE("PNG: save_png writes standard PNG that load_image reads back exactly, 1 to 4 channels", "[io][image][png]") {
  for (std::int32_t channels = 1; channels <= 4; ++channels) {
    INFO(channels << " channels");
    const Image image = pattern(37, 23, channels);
    const std::string path = test::temp_path("pattern" + std::to_string(channels) + ".png");
    REQUIRE(save_png(path, image).ok());
    const Image ours = decode_png_ourselves(read_all(path));
    CHECK(ours.width == 37);
    CHECK(ours.height == 23);
    CHECK(ours.channels == channels);
    CHECK(ours.pixels == image.pixels);
    Image back;
    REQUIRE(load_image(path, &back).ok());
    CHECK(back.width == 37);
    CHECK(back.height == 23);
    CHECK(back.channels == channels);
    CHECK(back.pixels == image.pixels);
  }
}

TEST_CASE("PNG: every colour type and depth becomes 8-bit samples, unconverted", "[io][image][png]") {
  Image image;
  SECTION("8-bit RGBA, alpha 0 keeps its colour") {
    const Image p = pattern(5, 4, 4);
    std::vector<std::string> rows;
    for (int y = 0; y < 4; ++y) rows.emplace_back(p.pixels.begin() + y * 20, p.pixels.begin() + y * 20 + 20);
    REQUIRE(load_image(test::write_temp_file("rgba.png", png(ihdr(5, 4, 8, 6), unfiltered(rows))), &image).ok());
    CHECK(image.channels == 4);
    CHECK(image.pixels == p.pixels);
  }
  SECTION("16-bit gray is scaled to 8 bits with rounding") {
    const std::vector<std::uint32_t> values = {0, 1, 128, 129, 32767, 32768, 65407, 65535};
    std::string row;
    std::vector<unsigned char> expected;
    for (std::uint32_t v : values) {
      row += be32(v).substr(2);
      expected.push_back(static_cast<unsigned char>(std::lround(v * 255.0 / 65535.0)));
    }
    REQUIRE(load_image(test::write_temp_file("gray16.png", png(ihdr(8, 1, 16, 0), unfiltered({row}))), &image).ok());
    CHECK(image.channels == 1);
    CHECK(image.pixels == expected);
  }
  SECTION("1-bit gray widens to 0 and 255") {
    REQUIRE(load_image(test::write_temp_file("gray1.png", png(ihdr(10, 1, 1, 0), unfiltered({"\xb4\xc0"}))), &image).ok());
    CHECK(image.pixels == std::vector<unsigned char>{255, 0, 255, 255, 0, 255, 0, 0, 255, 255});
  }
  SECTION("2-bit palette with tRNS becomes RGBA") {
    const std::string palette = chunk("PLTE", std::string("\x10\x20\x30\x40\x50\x60\x70\x80\x90", 9)) +
                                chunk("tRNS", std::string("\x00\x7f", 2));
    // indices 2, 0, 1 in the top bits of one byte
    REQUIRE(load_image(test::write_temp_file("palette.png", png(ihdr(3, 1, 2, 3), unfiltered({"\x84"}), palette)), &image).ok());
    CHECK(image.channels == 4);
    CHECK(image.pixels == std::vector<unsigned char>{0x70, 0x80, 0x90, 255, 0x10, 0x20, 0x30, 0, 0x40, 0x50, 0x60, 0x7f});
  }
  SECTION("gray with a tRNS colour gains an alpha channel") {
    REQUIRE(load_image(test::write_temp_file("graytrns.png", png(ihdr(3, 1, 8, 0), unfiltered({"\x05\x07\x09"}), chunk("tRNS", std::string("\x00\x07", 2)))), &image).ok());
    CHECK(image.channels == 2);
    CHECK(image.pixels == std::vector<unsigned char>{5, 255, 7, 0, 9, 255});
  }
  SECTION("a gAMA chunk does not change the samples") {
    REQUIRE(load_image(test::write_temp_file("gamma.png", png(ihdr(3, 1, 8, 0), unfiltered({"\x05\x80\xf0"}), chunk("gAMA", be32(100000)))), &image).ok());
    CHECK(image.pixels == std::vector<unsigned char>{5, 0x80, 0xf0});
  }
  SECTION("Adam7 interlacing gives the same pixels") {
    const Image p = pattern(11, 9, 3);
    // The seven passes: start and step in x and y (PNG specification, section 8.2).
    const int start_x[] = {0, 4, 0, 2, 0, 1, 0}, step_x[] = {8, 8, 4, 4, 2, 2, 1};
    const int start_y[] = {0, 0, 4, 0, 2, 0, 1}, step_y[] = {8, 8, 8, 4, 4, 2, 2};
    std::string raw;
    for (int pass = 0; pass < 7; ++pass) {
      for (int y = start_y[pass]; y < 9; y += step_y[pass]) {
        std::string row;
        for (int x = start_x[pass]; x < 11; x += step_x[pass]) {
          row.append(reinterpret_cast<const char*>(&p.pixels[(y * 11 + x) * 3]), 3);
        }
        if (!row.empty()) raw += '\0' + row;
      }
    }
    REQUIRE(load_image(test::write_temp_file("adam7.png", png(ihdr(11, 9, 8, 2, 1), raw)), &image).ok());
    CHECK(image.pixels == p.pixels);
  }
}

TEST_CASE("PNG: damaged files are refused with libpng's reason, the image unchanged", "[io][image][png][bad-input]") {
  const std::string raw = unfiltered({std::string(12, 'a'), std::string(12, 'b')});
  const std::string good = png(ihdr(4, 2, 8, 2), raw);
  Image image;
  REQUIRE(load_image(test::write_temp_file("good.png", good), &image).ok());

  std::string bad_crc = good;
  bad_crc[good.size() - 12 - 1] ^= 1;  // the last byte of IDAT's CRC
  CHECK(refusal("idat_crc.png", bad_crc) == "cannot decode PNG (IDAT: CRC error)");
  std::string bad_data = good;
  bad_data[8 + 25 + 8 + 2] ^= 0x40;  // inside IDAT's data: zlib notices before the CRC is reached
  CHECK(refusal("idat_data.png", bad_data) == "cannot decode PNG (IDAT: invalid distance too far back)");
  // An ancillary chunk with a bad CRC is not skipped over either.
  std::string text = chunk("tEXt", std::string("Title\0x", 7));
  text[text.size() - 1] ^= 1;
  CHECK(refusal("text_crc.png", png(ihdr(4, 2, 8, 2), raw, text)) == "cannot decode PNG (tEXt: CRC error)");
  // libpng's own palette expansion turns an index past the palette into black (and its
  // check lets the index just past the end through); the loader refuses both.
  const std::string plte = chunk("PLTE", std::string(6, '\x10'));
  CHECK(refusal("palette_past.png", png(ihdr(2, 1, 8, 3), unfiltered({std::string("\x05\x00", 2)}), plte)) ==
        "PNG pixel (0, 0) has palette index 5 of a palette of 2");
  CHECK(refusal("palette_end.png", png(ihdr(2, 1, 4, 3), unfiltered({"\x12"}), plte)) ==
        "PNG pixel (1, 0) has palette index 2 of a palette of 2");
  CHECK(refusal("short_idat.png", png(ihdr(4, 2, 8, 2), unfiltered({std::string(12, 'a')}))) ==
        "cannot decode PNG (Not enough image data)");
  CHECK(refusal("extra_idat.png", png(ihdr(4, 1, 8, 2), raw)) == "cannot decode PNG (IDAT: Too much image data)");
  // A width libpng itself refuses, before anything is allocated.
  CHECK(refusal("wide.png", png(ihdr(1u << 30, 1, 8, 2), "")) ==
        "cannot decode PNG (Image width exceeds user limit in IHDR; Invalid IHDR data)");

  // Cut anywhere, a PNG is refused (a cut inside the signature is not a PNG at all).
  for (std::size_t length = 0; length < good.size(); ++length) refusal("cut.png", good.substr(0, length));
  CHECK(refusal("cut.png", good.substr(0, good.size() - 1)) == "cannot decode PNG (the file ends inside a chunk)");
}

TEST_CASE("PNG: declared sizes are checked before the pixels are allocated", "[io][image][png][bad-input]") {
  // IHDR, then an IDAT header (png_read_info stops there); the data never comes.
  auto header_only = [](std::uint32_t w, std::uint32_t h, int depth, int colour) {
    return kSignature + ihdr(w, h, depth, colour) + be32(1000) + "IDAT";
  };
  CHECK(refusal("wide20000.png", header_only(20000, 1, 8, 0), StatusCode::unsupported) ==
        "PNG of 20000x1 pixels; this loader reads 1 to 16384 on a side and at most 134217728 pixels");
  CHECK(refusal("big.png", header_only(16384, 16384, 8, 0), StatusCode::unsupported) ==
        "PNG of 16384x16384 pixels; this loader reads 1 to 16384 on a side and at most 134217728 pixels");
  CHECK(refusal("bomb.png", header_only(8192, 8192, 8, 6)) ==
        "PNG of 8192x8192 pixels needs 268435456 bytes of image data, more than its 41 bytes can hold "
        "(deflate expands at most 1032 times); the file is truncated or corrupt");
}

TEST_CASE("JPEG: libjpeg-turbo decodes as djpeg does", "[io][image][jpeg]") {
  Image image;
  REQUIRE(load_image(test::write_temp_file("rgb.jpg", kRgbJpeg), &image).ok());
  CHECK(image.width == 16);
  CHECK(image.height == 8);
  REQUIRE(image.channels == 3);
  REQUIRE(image.pixels.size() == 16 * 8 * 3);
  // Within 2 of the image cjpeg encoded, everywhere ...
  int worst = 0;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 16; ++x) {
      const test::Rgb encoded{16 * x, 32 * y, (8 * x + 16 * y) % 256};
      for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(test::pixel(image, x, y)[c] - encoded[c]));
    }
  }
  CHECK(worst <= 2);
  // ... and exactly djpeg's decode (djpeg -pnm) where we looked.
  CHECK(test::pixel(image, 0, 0) == test::Rgb{0, 0, 0});
  CHECK(test::pixel(image, 15, 7) == test::Rgb{240, 225, 232});
  CHECK(test::pixel(image, 7, 3) == test::Rgb{112, 97, 104});
  CHECK(test::pixel(image, 9, 5) == test::Rgb{143, 158, 151});

  REQUIRE(load_image(test::write_temp_file("gray.jpg", kGrayJpeg), &image).ok());
  CHECK(image.width == 8);
  CHECK(image.height == 8);
  REQUIRE(image.channels == 1);
  CHECK(image.pixels[0] == 0);
  CHECK(image.pixels[7 * 8 + 7] == 239);
  CHECK(image.pixels[5 * 8 + 3] == 106);

  // A progressive JPEG built by hand: every coefficient 0 is mid-gray everywhere.
  REQUIRE(load_image(test::write_temp_file("zero.jpg", zero_progressive_jpeg(12, 10, 1)), &image).ok());
  CHECK(image.width == 12);
  CHECK(image.height == 10);
  CHECK(image.channels == 1);
  CHECK(image.pixels == std::vector<unsigned char>(120, 128));
}

TEST_CASE("JPEG: damaged and unsupported files are refused, the image unchanged", "[io][image][jpeg][bad-input]") {
  // The fuzzer's input that made Debian's stb_image write out of bounds: a Huffman table
  // segment longer than the file.
  CHECK(refusal("stb_huffman.jpg", std::string("\xff\xd8\xff\xc4\x89\x00\x00\x00\x12\x0a\x1a\x0d\x49\x48\x44\x52\x2c\x00", 18)) ==
        "cannot decode JPEG (Premature end of JPEG file)");
  CHECK(refusal("cmyk.jpg", kCmykJpeg, StatusCode::unsupported) ==
        "CMYK JPEG of 4 components (only gray and colour, YCbCr or RGB, JPEGs are read)");
  // Bytes between two markers: libjpeg warns and goes on; here that is an error.
  CHECK(refusal("extraneous.jpg", kGrayJpeg.substr(0, 20) + std::string(2, '\0') + kGrayJpeg.substr(20)) ==
        "cannot decode JPEG (Corrupt JPEG data: 2 extraneous bytes before marker 0xdb)");
  CHECK(refusal("scans.jpg", zero_progressive_jpeg(8, 8, 8)) == "cannot decode JPEG (more than 500 scans)");
  std::string huge = zero_progressive_jpeg(8, 8, 0);
  REQUIRE(huge.compare(71, 2, "\xff\xc2") == 0);  // after SOI and DQT: SOF2, then height, width
  huge.replace(76, 4, std::string("\x40\x00\x40\x00", 4));
  CHECK(refusal("huge.jpg", huge, StatusCode::unsupported) ==
        "JPEG of 16384x16384 pixels; this loader reads 1 to 16384 on a side and at most 134217728 pixels");
  for (const std::string* jpeg : {&kRgbJpeg, &kGrayJpeg}) {
    for (std::size_t length = 0; length < jpeg->size(); ++length) refusal("cut.jpg", jpeg->substr(0, length));
    CHECK(refusal("cut.jpg", jpeg->substr(0, jpeg->size() - 1)) == "cannot decode JPEG (Premature end of JPEG file)");
  }
}

TEST_CASE("BMP: uncompressed 8-, 24- and 32-bit, bottom-up and top-down", "[io][image][bmp]") {
  Image image;
  // 3x2 at 24 bits: rows of 9 bytes padded to 12, stored bottom row first, as B, G, R.
  const std::string rows24 = std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\0\0\0", 12) +
                             std::string("\x11\x12\x13\x14\x15\x16\x17\x18\x19\0\0\0", 12);
  REQUIRE(load_image(test::write_temp_file("rgb24.bmp", bmp(3, 2, 24, "", rows24)), &image).ok());
  CHECK(image.width == 3);
  CHECK(image.height == 2);
  CHECK(image.channels == 3);
  CHECK(image.pixels == std::vector<unsigned char>{0x13, 0x12, 0x11, 0x16, 0x15, 0x14, 0x19, 0x18, 0x17,
                                                   3, 2, 1, 6, 5, 4, 9, 8, 7});
  // The same rows with a negative height are top-down.
  REQUIRE(load_image(test::write_temp_file("top24.bmp", bmp(3, -2, 24, "", rows24)), &image).ok());
  CHECK(image.pixels == std::vector<unsigned char>{3, 2, 1, 6, 5, 4, 9, 8, 7, 0x13, 0x12, 0x11,
                                                   0x16, 0x15, 0x14, 0x19, 0x18, 0x17});
  // 32 bits: B, G, R and an unused byte.
  REQUIRE(load_image(test::write_temp_file("rgb32.bmp", bmp(2, 1, 32, "", std::string("\x01\x02\x03\xff\x04\x05\x06\x00", 8))), &image).ok());
  CHECK(image.pixels == std::vector<unsigned char>{3, 2, 1, 6, 5, 4});
  // 8 bits: 3 palette entries (B, G, R, 0); rows of 3 indices padded to 4.
  const std::string palette("\x10\x20\x30\x00\x40\x50\x60\x00\x70\x80\x90\x00", 12);
  REQUIRE(load_image(test::write_temp_file("pal8.bmp", bmp(3, 1, 8, palette, std::string("\x02\x00\x01\x00", 4), 0, 3)), &image).ok());
  CHECK(image.pixels == std::vector<unsigned char>{0x90, 0x80, 0x70, 0x30, 0x20, 0x10, 0x60, 0x50, 0x40});
}

TEST_CASE("BMP: every field is checked before it is used", "[io][image][bmp][bad-input]") {
  const std::string rows(24, '\x01');
  CHECK(refusal("short.bmp", "BM" + std::string(30, '\0')) == "BMP file too short (32 bytes; the header needs at least 54)");
  CHECK(refusal("truncated.bmp", bmp(3, 2, 24, "", rows.substr(0, 23))) ==
        "BMP pixel data truncated (3x2 at 24 bits needs 24 bytes from offset 54, the file has 23)");
  CHECK(refusal("rle.bmp", bmp(3, 2, 8, std::string(1024, '\0'), rows, 1), StatusCode::unsupported) ==
        "compressed BMP (compression 1; only uncompressed BI_RGB is read)");
  CHECK(refusal("bits.bmp", bmp(3, 2, 16, "", rows), StatusCode::unsupported) ==
        "BMP of 16 bits per pixel (only 8-bit paletted, 24 and 32)");
  CHECK(refusal("index.bmp", bmp(3, 1, 8, std::string(8, '\0'), std::string("\x00\x01\x02\x00", 4), 0, 2)) ==
        "BMP pixel (2, 0) is colour 2 of a palette of 2");
  CHECK(refusal("colours.bmp", bmp(3, 1, 8, std::string(8, '\0'), rows, 0, 257)) == "BMP palette of 257 colours (at most 256)");
  CHECK(refusal("palette.bmp", bmp(3, 1, 8, std::string(8, '\0'), rows, 0, 0)) ==
        "BMP pixel data offset 62 outside 1078..86 (after the headers and palette, inside the file)");
  CHECK(refusal("huge.bmp", bmp(-2147483647 - 1, -2147483647 - 1, 24, "", rows), StatusCode::unsupported) ==
        "BMP of -2147483648x2147483648 pixels; this loader reads 1 to 16384 on a side and at most 134217728 pixels");
  std::string core = bmp(3, 2, 24, "", rows);
  core[14] = 12;  // an OS/2 BITMAPCOREHEADER
  CHECK(refusal("core.bmp", core, StatusCode::unsupported) ==
        "BMP info header of 12 bytes (only BITMAPINFOHEADER, 40, and its V4/V5 forms, 108 and 124)");
  std::string planes = bmp(3, 2, 24, "", rows);
  planes[26] = 2;
  CHECK(refusal("planes.bmp", planes) == "BMP with 2 planes (must be 1)");
}

TEST_CASE("images: a file in no format this loader reads says so, quoting its start", "[io][image][bad-input]") {
  CHECK(refusal("gif.img", std::string("GIF89a\x01\x00\x01\x00\x80\x00", 12)) ==
        "not a readable image (not PNG, JPEG, binary PGM/PPM or BMP; it starts with \"GIF89a\\x01\\x00...\")");
}
