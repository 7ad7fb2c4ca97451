// The tiling of the int8 dense kernels that work on one or two 16-channel blocks at a
// time (AVX2, AVX-VNNI, NEON, NEON dot product), written once over a Dot policy that holds
// everything ISA-specific. Included only by ISA files, after their intrinsics; all of it
// has internal linkage, so copies compiled with different flags never mix.
//   Dot::Acc, Dot::kAccs          accumulator vector type, accumulators per row and block
//   Dot::kBlocks                  blocks of 16 channels per tile (1 or 2)
//   Dot::kRows                    rows per tile; Dot::kSingleRowSets: independent
//                                 accumulator sets over the depth for batch 1
//   Dot::kMidRows                 rows per tile for what kRows tiles leave (0: none)
//   Dot::kTailRowSets             accumulator sets for the single rows left after that
//   Dot::zero(), Dot::add(a, b)
//   Dot::Weights Dot::load(w64)   a block's 16 x 4 weights of one group of depths
//   Dot::broadcast(p, bytes)      4 input bytes (fewer in the last, partial group of
//                                 depths, whose weights are zero) as the multiplier
//                                 (any type step() takes)
//   Dot::step(acc, weights, input)       acc += products, exactly
//   Dot::Channels Dot::channels(params, j0, n), Dot::Output Dot::output(params)
//   Dot::store(acc, channels, output, y, count)  reduce, requantize, store count bytes
#pragma once

#include <cstdint>

#include "pack.hpp"

namespace tinyae::kernels {
namespace {

// MR rows x NV blocks of 16 channels; KU independent accumulator sets over the depth.
// Row r's group of depths g (4 bytes) is at x + r * ldx + g * ldg: ldg = 4 for a dense
// row, the grid's row for a thin convolution's window (dense_windows).
// Not inlined, and its small loops unrolled: then the compiler keeps the accumulators
// in registers (inlined with rolled loops, GCC 12 spills them on every step).
// count: the channels of the last block that exist.
template <class Dot, int MR, int NV, int KU>
__attribute__((noinline)) void tile(std::int32_t k, const std::uint8_t* x, std::int32_t ldx,
                                    std::int32_t ldg, const std::int8_t* w, std::int64_t block_bytes,
                                    const typename Dot::Channels* c, const typename Dot::Output& o,
                                    std::uint8_t* y, std::int32_t ldy, std::int32_t count) {
  typename Dot::Acc acc[KU][MR][NV][Dot::kAccs];
  #pragma GCC unroll 16
  for (int u = 0; u < KU; ++u) {
    #pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      #pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) {
        #pragma GCC unroll 16
        for (int a = 0; a < Dot::kAccs; ++a) acc[u][r][v][a] = Dot::zero();
      }
    }
  }
  const std::int32_t full = k / 4;
  std::int32_t g = 0;
  for (; g + KU <= full; g += KU) {
    #pragma GCC unroll 16
    for (int u = 0; u < KU; ++u) {
      typename Dot::Weights wv[NV];
      #pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) wv[v] = Dot::load(w + v * block_bytes + (g + u) * 64);
      #pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const auto xb = Dot::broadcast(x + std::int64_t{r} * ldx + std::int64_t{g + u} * ldg, 4);
        #pragma GCC unroll 16
        for (int v = 0; v < NV; ++v) Dot::step(acc[u][r][v], wv[v], xb);
      }
    }
  }
  for (; g < (k + 3) / 4; ++g) {
    const std::int32_t bytes = g < full ? 4 : k - 4 * g;
    typename Dot::Weights wv[NV];
    #pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) wv[v] = Dot::load(w + v * block_bytes + g * 64);
    #pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const auto xb = Dot::broadcast(x + std::int64_t{r} * ldx + std::int64_t{g} * ldg, bytes);
      #pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) Dot::step(acc[0][r][v], wv[v], xb);
    }
  }
  #pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    #pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      #pragma GCC unroll 16
      for (int u = 1; u < KU; ++u) {
        #pragma GCC unroll 16
        for (int a = 0; a < Dot::kAccs; ++a) acc[0][r][v][a] = Dot::add(acc[0][r][v][a], acc[u][r][v][a]);
      }
      Dot::store(acc[0][r][v], c[v], o, y + std::int64_t{r} * ldy + 16 * v, v + 1 < NV ? 16 : count);
    }
  }
}

// All rows of NV blocks of channels: tiles of Dot::kRows rows, then of Dot::kMidRows,
// then single rows.
template <class Dot, int NV>
void rows(std::int32_t m, std::int32_t k, const std::uint8_t* x, std::int32_t ldx, std::int32_t ldg,
          const std::int8_t* w, std::int64_t block_bytes, const typename Dot::Channels* c,
          const typename Dot::Output& o, std::uint8_t* y, std::int32_t ldy, std::int32_t count) {
  if (m == 1) {
    tile<Dot, 1, NV, Dot::kSingleRowSets>(k, x, ldx, ldg, w, block_bytes, c, o, y, ldy, count);
    return;
  }
  std::int32_t i = 0;
  for (; i + Dot::kRows <= m; i += Dot::kRows) {
    tile<Dot, Dot::kRows, NV, 1>(k, x + std::int64_t{i} * ldx, ldx, ldg, w, block_bytes, c, o,
                                 y + std::int64_t{i} * ldy, ldy, count);
  }
  if constexpr (Dot::kMidRows > 0) {
    for (; i + Dot::kMidRows <= m; i += Dot::kMidRows) {
      tile<Dot, Dot::kMidRows, NV, 1>(k, x + std::int64_t{i} * ldx, ldx, ldg, w, block_bytes, c, o,
                                      y + std::int64_t{i} * ldy, ldy, count);
    }
  }
  for (; i < m; ++i) {
    tile<Dot, 1, NV, Dot::kTailRowSets>(k, x + std::int64_t{i} * ldx, ldx, ldg, w, block_bytes, c, o,
                                        y + std::int64_t{i} * ldy, ldy, count);
  }
}

// Channels in steps of Dot::kBlocks blocks of 16 (fewer at the end).
template <class Dot>
void tiles(std::int32_t m, std::int32_t n, std::int32_t k, const std::uint8_t* x, std::int32_t ldx,
           std::int32_t ldg, const void* packed_weights, const I8DenseParams& p, std::uint8_t* y,
           std::int32_t ldy) {
  static_assert(Dot::kBlocks == 1 || Dot::kBlocks == 2, "tiles of 16 or 32 channels");
  const auto* w = static_cast<const std::int8_t*>(packed_weights);
  const std::int64_t block_bytes = std::int64_t{(k + 3) / 4} * 64;
  const typename Dot::Output o = Dot::output(p);
  for (std::int32_t j0 = 0; j0 < n; j0 += 16 * Dot::kBlocks) {
    const std::int32_t blocks = Dot::kBlocks == 2 && n - j0 > 16 ? 2 : 1;
    const typename Dot::Channels c[2] = {Dot::channels(p, j0, n),
                                         Dot::channels(p, blocks == 2 ? j0 + 16 : j0, n)};
    const std::int32_t last = j0 + 16 * (blocks - 1);
    const std::int32_t count = n - last < 16 ? n - last : 16;
    const std::int8_t* wb = w + std::int64_t{j0 / 16} * block_bytes;
    if (blocks == 2) {
      rows<Dot, 2>(m, k, x, ldx, ldg, wb, block_bytes, c, o, y + j0, ldy, count);
    } else {
      rows<Dot, 1>(m, k, x, ldx, ldg, wb, block_bytes, c, o, y + j0, ldy, count);
    }
  }
  if (p.table != nullptr) apply_table(m, n, p.table, y, ldy);
}

// The table's I8DenseFn and I8WindowsFn.
template <class Dot>
void dense_tiles(std::int32_t m, std::int32_t n, std::int32_t k, const std::uint8_t* x,
                 std::int32_t ldx, const void* packed_weights, const I8DenseParams& p,
                 std::uint8_t* y, std::int32_t ldy) {
  tiles<Dot>(m, n, k, x, ldx, 4, packed_weights, p, y, ldy);
}

template <class Dot>
void window_tiles(std::int32_t m, std::int32_t n, std::int32_t groups, const std::uint8_t* x,
                  std::int32_t ldx, std::int32_t ldg, const void* packed_weights,
                  const I8DenseParams& p, std::uint8_t* y, std::int32_t ldy) {
  tiles<Dot>(m, n, 4 * groups, x, ldx, ldg, packed_weights, p, y, ldy);
}

}  // namespace
}  // namespace tinyae::kernels
