// Scalar int8 kernels: plain loops over row-major weights. The reference of every other
// table, and the Cortex-M path.
#include <cstring>

#include "../i8_kernels.hpp"
#include "../requantize.hpp"

namespace tinyae::kernels {
namespace {

std::int32_t requantize_clamp(std::int32_t acc, std::int32_t j, const I8DenseParams& p) {
  std::int32_t v = quant::requantize(acc, p.multiplier[j], p.shift[j]) + p.output_zero_point;
  v = v < p.clamp_min ? p.clamp_min : v;
  return v > p.clamp_max ? p.clamp_max : v;
}

void pack_rows(std::int32_t n, std::int32_t k, const std::int8_t* w, const std::int32_t* bias,
               void* packed, std::int32_t* packed_bias) {
  std::memcpy(packed, w, static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
  std::memcpy(packed_bias, bias, static_cast<std::size_t>(n) * sizeof(std::int32_t));
}

void dense(std::int32_t m, std::int32_t n, std::int32_t k, const std::uint8_t* x, std::int32_t ldx,
           const void* packed_weights, const I8DenseParams& p, std::uint8_t* y, std::int32_t ldy) {
  const auto* w = static_cast<const std::int8_t*>(packed_weights);
  for (std::int32_t i = 0; i < m; ++i) {
    const std::uint8_t* xi = x + std::int64_t{i} * ldx;
    std::uint8_t* yi = y + std::int64_t{i} * ldy;
    for (std::int32_t j = 0; j < n; ++j) {
      const std::int8_t* wj = w + std::int64_t{j} * k;
      std::int32_t acc = p.bias[j];
      for (std::int32_t q = 0; q < k; ++q) acc += std::int32_t{wj[q]} * std::int32_t{xi[q]};
      const std::int32_t v = requantize_clamp(acc, j, p);
      yi[j] = p.table != nullptr ? p.table[v] : static_cast<std::uint8_t>(v);
    }
  }
}

void windows(std::int32_t m, std::int32_t n, std::int32_t groups, const std::uint8_t* x, std::int32_t ldx,
             std::int32_t ldg, const void* packed_weights, const I8DenseParams& p, std::uint8_t* y,
             std::int32_t ldy) {
  const auto* w = static_cast<const std::int8_t*>(packed_weights);
  const std::int32_t k = 4 * groups;
  for (std::int32_t i = 0; i < m; ++i) {
    std::uint8_t* yi = y + std::int64_t{i} * ldy;
    for (std::int32_t j = 0; j < n; ++j) {
      const std::int8_t* wj = w + std::int64_t{j} * k;
      std::int32_t acc = p.bias[j];
      for (std::int32_t g = 0; g < groups; ++g) {
        const std::uint8_t* xg = x + std::int64_t{i} * ldx + std::int64_t{g} * ldg;
        for (std::int32_t b = 0; b < 4; ++b) acc += std::int32_t{wj[4 * g + b]} * std::int32_t{xg[b]};
      }
      const std::int32_t v = requantize_clamp(acc, j, p);
      yi[j] = p.table != nullptr ? p.table[v] : static_cast<std::uint8_t>(v);
    }
  }
}

}  // namespace

void quantize_input_scalar(const float* x, std::int64_t n, float scale, float zero_point,
                           std::uint8_t* q) {
  for (std::int64_t i = 0; i < n; ++i) {
    float v = x[i] / scale + zero_point;
    v = v > 0.0f ? v : 0.0f;  // NaN -> 0 as well
    v = v < 255.0f ? v : 255.0f;
    q[i] = static_cast<std::uint8_t>(static_cast<std::int32_t>(v + 0.5f));
  }
}

extern const I8Kernels kI8Scalar;
const I8Kernels kI8Scalar = {"scalar", pack_rows, dense, windows, quantize_input_scalar};

}  // namespace tinyae::kernels
