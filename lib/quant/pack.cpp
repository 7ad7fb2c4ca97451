#include "pack.hpp"

namespace tinyae::kernels {

void pack_n16k4(std::int32_t n, std::int32_t k, const std::int8_t* w, const std::int32_t* bias,
                std::int32_t input_offset, void* packed, std::int32_t* packed_bias) {
  auto* out = static_cast<std::int8_t*>(packed);
  const std::int32_t groups = (k + 3) / 4;
  const std::int32_t blocks = (n + 15) / 16;
  for (std::int32_t b = 0; b < blocks; ++b) {
    for (std::int32_t g = 0; g < groups; ++g) {
      std::int8_t* dst = out + (std::int64_t{b} * groups + g) * 64;
      for (std::int32_t c = 0; c < 16; ++c) {
        const std::int32_t j = b * 16 + c;
        for (std::int32_t d = 0; d < 4; ++d) {
          const std::int32_t p = g * 4 + d;
          dst[c * 4 + d] = j < n && p < k ? w[std::int64_t{j} * k + p] : std::int8_t{0};
        }
      }
    }
  }
  for (std::int32_t j = 0; j < n; ++j) {
    std::int32_t sum = 0;
    for (std::int32_t p = 0; p < k; ++p) sum += w[std::int64_t{j} * k + p];
    packed_bias[j] = bias[j] + input_offset * sum;
  }
}

}  // namespace tinyae::kernels

namespace tinyae::kernels {

BlockConstants block_constants(const I8DenseParams& p, std::int32_t j0, std::int32_t n) {
  BlockConstants c{};
  for (std::int32_t j = j0; j < n && j < j0 + 16; ++j) {
    c.bias[j - j0] = p.bias[j];
    c.multiplier[j - j0] = p.multiplier[j];
    c.shift[j - j0] = p.shift[j];
  }
  return c;
}

void apply_table(std::int32_t m, std::int32_t n, const std::uint8_t* table, std::uint8_t* y,
                 std::int32_t ldy) {
  for (std::int32_t i = 0; i < m; ++i) {
    std::uint8_t* row = y + std::int64_t{i} * ldy;
    for (std::int32_t j = 0; j < n; ++j) row[j] = table[row[j]];
  }
}

}  // namespace tinyae::kernels
