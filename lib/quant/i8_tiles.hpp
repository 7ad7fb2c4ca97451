// The tiling of the int8 dense kernels that work on one 16-channel block at a time
// (AVX2, AVX-VNNI, NEON, NEON dot product), written once over a Dot policy that holds
// everything ISA-specific. Included only by ISA files, after their intrinsics; all of it
// has internal linkage, so copies compiled with different flags never mix.
//   Dot::Acc, Dot::kAccs          accumulator vector type, accumulators per row
//   Dot::kRows                    rows per tile; Dot::kSingleRowSets: independent
//                                 accumulator sets over the depth for batch 1
//   Dot::zero(), Dot::add(a, b)
//   Dot::Weights Dot::load(w64)   a block's 16 x 4 weights of one group of depths
//   Dot::broadcast(p, bytes)      4 input bytes (fewer in the last, partial group of
//                                 depths, whose weights are zero) as the multiplier
//   Dot::step(acc, weights, input)       acc += products, exactly
//   Dot::Channels Dot::channels(params, j0, n), Dot::Output Dot::output(params)
//   Dot::store(acc, channels, output, y, count)  reduce, requantize, store count bytes
#pragma once

#include <cstdint>

#include "pack.hpp"

namespace tinyae::kernels {
namespace {

// MR rows x one block of 16 channels; KU independent accumulator sets over the depth.
// Not inlined, and its small loops unrolled: then the compiler keeps the accumulators
// in registers (inlined with rolled loops, GCC 12 spills them every step: 2.5x slower).
template <class Dot, int MR, int KU>
__attribute__((noinline)) void tile(std::int32_t k, const std::uint8_t* x, std::int32_t ldx, const std::int8_t* w,
          const typename Dot::Channels& c, const typename Dot::Output& o, std::uint8_t* y,
          std::int32_t ldy, std::int32_t count) {
  typename Dot::Acc acc[KU][MR][Dot::kAccs];
  #pragma GCC unroll 16
  for (int u = 0; u < KU; ++u) {
    #pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      #pragma GCC unroll 16
      for (int a = 0; a < Dot::kAccs; ++a) acc[u][r][a] = Dot::zero();
    }
  }
  const std::int32_t full = k / 4;
  std::int32_t g = 0;
  for (; g + KU <= full; g += KU) {
    #pragma GCC unroll 16
    for (int u = 0; u < KU; ++u) {
      const typename Dot::Weights wv = Dot::load(w + (g + u) * 64);
      #pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        Dot::step(acc[u][r], wv, Dot::broadcast(x + std::int64_t{r} * ldx + 4 * (g + u), 4));
      }
    }
  }
  for (; g < (k + 3) / 4; ++g) {
    const std::int32_t bytes = g < full ? 4 : k - 4 * g;
    const typename Dot::Weights wv = Dot::load(w + g * 64);
    #pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      Dot::step(acc[0][r], wv, Dot::broadcast(x + std::int64_t{r} * ldx + 4 * g, bytes));
    }
  }
  #pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    #pragma GCC unroll 16
    for (int u = 1; u < KU; ++u) {
      #pragma GCC unroll 16
      for (int a = 0; a < Dot::kAccs; ++a) acc[0][r][a] = Dot::add(acc[0][r][a], acc[u][r][a]);
    }
    Dot::store(acc[0][r], c, o, y + std::int64_t{r} * ldy, count);
  }
}

template <class Dot>
void dense_tiles(std::int32_t m, std::int32_t n, std::int32_t k, const std::uint8_t* x,
                 std::int32_t ldx, const void* packed_weights, const I8DenseParams& p,
                 std::uint8_t* y, std::int32_t ldy) {
  const auto* w = static_cast<const std::int8_t*>(packed_weights);
  const std::int64_t block_bytes = std::int64_t{(k + 3) / 4} * 64;
  const typename Dot::Output o = Dot::output(p);
  for (std::int32_t j0 = 0; j0 < n; j0 += 16) {
    const typename Dot::Channels c = Dot::channels(p, j0, n);
    const std::int32_t count = n - j0 < 16 ? n - j0 : 16;
    const std::int8_t* wb = w + std::int64_t{j0 / 16} * block_bytes;
    if (m == 1) {
      tile<Dot, 1, Dot::kSingleRowSets>(k, x, ldx, wb, c, o, y + j0, ldy, count);
      continue;
    }
    std::int32_t i = 0;
    for (; i + Dot::kRows <= m; i += Dot::kRows) {
      tile<Dot, Dot::kRows, 1>(k, x + std::int64_t{i} * ldx, ldx, wb, c, o,
                               y + std::int64_t{i} * ldy + j0, ldy, count);
    }
    for (; i < m; ++i) {
      tile<Dot, 1, 1>(k, x + std::int64_t{i} * ldx, ldx, wb, c, o, y + std::int64_t{i} * ldy + j0,
                      ldy, count);
    }
  }
  if (p.table != nullptr) apply_table(m, n, p.table, y, ldy);
}

}  // namespace
}  // namespace tinyae::kernels
