// The integer kernels of the int8 encoder, as one table of function pointers per ISA.
//
// A dense layer computes, for every row i of x and output channel j,
//   acc = bias[j] + sum_p w[j][p] * x[i][p]            (int32, exact: the quantizer
//                                                       bounds |acc| below 2^31)
//   v   = clamp(requantize(acc, multiplier[j], shift[j]) + output_zero_point,
//               clamp_min, clamp_max)
//   y[i][j] = table ? table[v] : v                     (stored as one byte: uint8, or
//                                                       int8 in two's complement)
// with x uint8 and w int8 in [-127, 127] (requantize: quant/requantize.hpp). Every ISA
// gives the same bytes. Kernels run on weights in their own packed layout (pack());
// they never allocate, start threads or report errors: callers pass valid sizes.
#pragma once

#include <cstdint>

#include "tinyae/status.hpp"

namespace tinyae::kernels {

struct I8DenseParams {
  const std::int32_t* bias;        // n, as the table's pack() wrote it
  const std::int32_t* multiplier;  // n, in [2^30, 2^31), or 0
  const std::int32_t* shift;       // n, in [-31, 30]
  std::int32_t output_zero_point;
  std::int32_t clamp_min;  // within [-128, 255]
  std::int32_t clamp_max;  // within [clamp_min, 255]; with a table, within [0, 255]
  const std::uint8_t* table;  // null, or 256 output bytes indexed by v
};

// y[m x n] = the layer above for x[m x k] (leading dimensions ldx, ldy in bytes).
using I8DenseFn = void (*)(std::int32_t m, std::int32_t n, std::int32_t k, const std::uint8_t* x,
                           std::int32_t ldx, const void* packed_weights,
                           const I8DenseParams& params, std::uint8_t* y, std::int32_t ldy);

// The same layer over windows of a padded image (a thin convolution, i8_conv.hpp): row
// i's depth 4g + b (b < 4) is the byte x[i * ldx + g * ldg + b], for g < groups; the
// weights' depth is 4 * groups.
using I8WindowsFn = void (*)(std::int32_t m, std::int32_t n, std::int32_t groups, const std::uint8_t* x,
                             std::int32_t ldx, std::int32_t ldg, const void* packed_weights,
                             const I8DenseParams& params, std::uint8_t* y, std::int32_t ldy);

// Writes the row-major weights w[n x k] in the kernel's layout to packed
// (packed_weight_bytes(n, k) bytes, 64-byte aligned) and the bias the kernel adds to
// packed_bias[n] (bias[n] plus whatever the layout's input offset needs).
using I8PackFn = void (*)(std::int32_t n, std::int32_t k, const std::int8_t* w,
                          const std::int32_t* bias, void* packed, std::int32_t* packed_bias);

// q[i] = the uint8 input of x[i] on the grid real = scale * (q - zero_point), by the
// float operations QuantizedModel::quantize_input documents (and the exported C header
// repeats): v = x / scale + zero_point, v = v > 0 ? v : 0 (NaN -> 0), v = v < 255 ? v
// : 255, q = (int)(v + 0.5f). Division, not a reciprocal: every ISA rounds alike.
using I8QuantizeFn = void (*)(const float* x, std::int64_t n, float scale, float zero_point,
                              std::uint8_t* q);

struct I8Kernels {
  const char* isa;
  I8PackFn pack;
  I8DenseFn dense;
  I8WindowsFn windows;
  I8QuantizeFn quantize;
};

// The plain loop every I8QuantizeFn equals (kI8Scalar's, and armv7's: its NEON has
// no division and flushes subnormals).
void quantize_input_scalar(const float* x, std::int64_t n, float scale, float zero_point,
                           std::uint8_t* q);

// Bytes of packed weights for n outputs and depth k, the same for every ISA (the SIMD
// layouts pad n to 16 and k to 4: blocks of 16 channels x 4 depths, 64 bytes each).
constexpr std::int64_t packed_weight_bytes(std::int32_t n, std::int32_t k) {
  return (std::int64_t{n} + 15) / 16 * 16 * ((std::int64_t{k} + 3) / 4 * 4);
}

// Plain loops over row-major weights: the reference every other table is tested
// against, and the only path on targets without SIMD (Cortex-M).
extern const I8Kernels kI8Scalar;

// The best table this build and CPU can run.
const I8Kernels& i8_best();

// The table for an ISA by name ("scalar", "avx2", "avxvnni", "avx512vnni", "neon",
// "neondot"), or null when this build lacks it or the CPU cannot run it.
const I8Kernels* i8_for(const char* isa);

// Picks a table by name (null, "" or "auto": the best). Errors say whether the name is
// unknown, the build lacks the ISA, or what the CPU lacks.
Status i8_select(const char* isa, const I8Kernels** out);

// Every int8 ISA name this build knows, best first (null-terminated).
extern const char* const kI8IsaNames[];

}  // namespace tinyae::kernels
