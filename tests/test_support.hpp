// Small helpers shared by the tests.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

namespace tinyae::test {

// Memory and an Arena of exactly `bytes` usable bytes starting at the aligned `base`.
struct OwnedArena {
  explicit OwnedArena(std::size_t bytes) : storage(bytes + kAlignment) {
    auto p = reinterpret_cast<std::uintptr_t>(storage.data());
    base = storage.data() + (kAlignment - p % kAlignment) % kAlignment;
    arena = Arena(base, bytes);
  }
  std::vector<unsigned char> storage;
  unsigned char* base = nullptr;
  Arena arena;
};

// A path in the temporary folder, for files a test writes.
inline std::string temp_path(const std::string& name) {
  return std::string(P_tmpdir) + "/tinyae_test_" + name;
}

// Writes contents to temp_path(name) and returns that path.
inline std::string write_temp_file(const std::string& name, const std::string& contents) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// The whole file (empty when it cannot be read).
inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// v as 4 big-endian bytes, as IDX and PNG store integers.
inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

inline std::string data_path(const std::string& relative) {
  return std::string(TINYAE_TEST_DATA_DIR) + "/" + relative;
}

using Rgb = std::array<int, 3>;

// The (red, green, blue) of pixel (x, y); gray images give three equal values.
inline Rgb pixel(const Image& image, std::int32_t x, std::int32_t y) {
  const unsigned char* p =
      &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * static_cast<std::size_t>(image.channels)];
  return image.channels >= 3 ? Rgb{p[0], p[1], p[2]} : Rgb{p[0], p[0], p[0]};
}

// The heat-map colour pictures.hpp documents for t = value / limit, worked out in double.
inline Rgb heat_colour(double t) {
  t = std::min(1.0, std::max(-1.0, t));
  const int fade = static_cast<int>(std::lround(255.0 * (1.0 - std::fabs(t))));
  return t >= 0 ? Rgb{255, fade, fade} : Rgb{fade, fade, 255};
}

}  // namespace tinyae::test
