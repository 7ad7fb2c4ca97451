// Host-only helpers (tinyae::tinyae): memory for an arena and data loading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinyae/arena.hpp"
#include "tinyae/status.hpp"

namespace tinyae {

// Memory for an Arena, allocated once on the host (aligned to kAlignment).
class TINYAE_EXPORT ArenaBuffer {
 public:
  // Allocates `bytes`; fails with arena_too_small when the system has no such memory.
  Status allocate(std::size_t bytes);
  Arena& arena() { return arena_; }

 private:
  struct Free {
    void operator()(unsigned char* p) const;
  };
  std::unique_ptr<unsigned char[], Free> memory_;
  Arena arena_;
};

// A row-major float matrix: row i is values[i * cols .. (i + 1) * cols).
struct Matrix {
  std::vector<float> values;
  std::int32_t rows = 0;
  std::int32_t cols = 0;

  float* row(std::int32_t i) { return values.data() + std::int64_t{i} * cols; }
  const float* row(std::int32_t i) const { return values.data() + std::int64_t{i} * cols; }
};

// Reads a CSV file of numbers, plain or gzip-compressed (detected from its first
// bytes), one sample per line, comma-separated, every line the same length. With
// has_header the first line is skipped. Errors name the file, line and field; *out is
// left unchanged on error.
TINYAE_EXPORT Status load_csv(const std::string& path, Matrix* out, bool has_header = false);

}  // namespace tinyae
