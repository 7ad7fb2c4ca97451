// The one packed weight layout of the SIMD int8 kernels, and their shared tail. Compiled
// once with the default flags (pack.cpp): ISA files call these, never inline copies,
// so no AVX-512 or dot-product code can leak into a function another file links to.
#pragma once

#include <cstdint>

#include "i8_kernels.hpp"

namespace tinyae::kernels {

// Blocks of 16 output channels; in each, for every group of 4 depths, 16 x 4 bytes:
// channel c's w[c][4g .. 4g+3] at bytes 4c .. 4c+3 (what one vpdpbusd or sdot lane
// multiplies with 4 input bytes). Block b, group g starts at (b * groups + g) * 64,
// groups = ceil(k / 4); padding is zero. packed_bias[j] = bias[j] + input_offset *
// sum_p w[j][p]: kernels that feed x - input_offset (NEON's signed products) add it back.
void pack_n16k4(std::int32_t n, std::int32_t k, const std::int8_t* w, const std::int32_t* bias,
                std::int32_t input_offset, void* packed, std::int32_t* packed_bias);

// The requantization constants of channels j0 .. j0+15, zero past n, for full-width
// vector loads.
struct BlockConstants {
  alignas(64) std::int32_t bias[16];
  alignas(64) std::int32_t multiplier[16];
  alignas(64) std::int32_t shift[16];
};
BlockConstants block_constants(const I8DenseParams& p, std::int32_t j0, std::int32_t n);

// Replaces the stored values of an m x n output by table[v] (layers with sigmoid/tanh).
void apply_table(std::int32_t m, std::int32_t n, const std::uint8_t* table, std::uint8_t* y,
                 std::int32_t ldy);

}  // namespace tinyae::kernels
