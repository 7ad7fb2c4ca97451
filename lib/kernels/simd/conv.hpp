// The direct convolutions (no patch matrix): over channel planes (conv_planes),
// over channels-last pixels (conv_pixels and its weight gradient), with one filter
// (conv_one_filter), and the weight gradient over kernel-row runs (conv_runs_gradient).
// f32_kernels.hpp documents each; the tile sizes follow the register count (MR x NV).
#pragma once

#include <array>
#include <utility>

#include "gemv.hpp"

namespace tinyae::kernels {
namespace {

template <class Arch, int MR, int NV, int KC>
struct F32Conv : F32Gemv<Arch, MR, NV, KC> {
  using Base = F32Gemv<Arch, MR, NV, KC>;
  using typename Base::V;
  using Base::NR;
  using Base::W;
  using Base::activate;
  using Base::gemm;
  using Base::lanes;
  using Base::load_n;
  using Base::load_partial;
  using Base::store_n;
  using Base::sum_rows;
  using Base::tile;

  // ---- direct convolution over channel planes -------------------------------------

  // Vectors of positions per tile: three where the registers hold 8 x 3 accumulators
  // (AVX-512, aarch64), else one.
  static constexpr int kConvVecs = MR * NV >= 24 ? 3 : 1;

  // R filters x P vectors of positions at x, y (the first `count` of them valid when
  // not kFull): the accumulators stay in registers over every tap and channel.
  template <int R, int P, bool kFull>
  TINYAE_KERNEL_INLINE static void conv_tile(Index channels, Index kernel, Index row, Index plane,
                                             Index count, const float* x, const float* w,
                                             Index ldw, float* y, Index ldy) {
    V acc[R][P];
    for (int r = 0; r < R; ++r) {
      for (int v = 0; v < P; ++v) acc[r][v] = V(0.0f);
    }
    for (Index ky = 0; ky < kernel; ++ky) {
      for (Index kx = 0; kx < kernel; ++kx) {
        const float* xt = x + ky * row + kx;
        const float* wt = w + (ky * kernel + kx) * channels;
        for (Index c = 0; c < channels; ++c, xt += plane) {
          V xv[P];
#pragma GCC unroll 3
          for (int v = 0; v < P; ++v) {
            xv[v] = kFull ? V::load_unaligned(xt + v * W) : load_n(xt + v * W, count - v * W, 0.0f);
          }
#pragma GCC unroll 8
          for (int r = 0; r < R; ++r) {
            const V b(wt[r * ldw + c]);
#pragma GCC unroll 3
            for (int v = 0; v < P; ++v) acc[r][v] = xsimd::fma(b, xv[v], acc[r][v]);
          }
        }
      }
    }
    for (int r = 0; r < R; ++r) {
      for (int v = 0; v < P; ++v) {
        if (kFull) acc[r][v].store_unaligned(y + r * ldy + v * W);
        else store_n(acc[r][v], y + r * ldy + v * W, count - v * W);
      }
    }
  }

  template <int R>
  static void conv_rows(Index channels, Index kernel, Index row, Index plane, Index count,
                        const float* x, const float* w, Index ldw, float* y, Index ldy) {
    constexpr Index kStep = kConvVecs * W;
    Index i = 0;
    for (; i + kStep <= count; i += kStep) {
      conv_tile<R, kConvVecs, true>(channels, kernel, row, plane, kStep, x + i, w, ldw, y + i, ldy);
    }
    for (; i < count; i += W) {
      conv_tile<R, 1, false>(channels, kernel, row, plane, count - i, x + i, w, ldw, y + i, ldy);
    }
  }

  static void conv_planes(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                          std::int64_t row64, std::int64_t plane64, std::int64_t count64,
                          const float* x, const float* w, std::int32_t ldw, float* y,
                          std::int64_t ldy64) {
    // Sizes of memory the caller holds, so they fit a pointer difference.
    const auto row = static_cast<Index>(row64);
    const auto plane = static_cast<Index>(plane64);
    const auto count = static_cast<Index>(count64);
    const auto ldy = static_cast<Index>(ldy64);
    using Rows = void (*)(Index, Index, Index, Index, Index, const float*, const float*, Index,
                          float*, Index);
    static constexpr Rows kRows[8] = {&conv_rows<1>, &conv_rows<2>, &conv_rows<3>, &conv_rows<4>,
                                      &conv_rows<5>, &conv_rows<6>, &conv_rows<7>, &conv_rows<8>};
    for (std::int32_t f0 = 0; f0 < filters; f0 += 8) {
      const std::int32_t r = filters - f0 < 8 ? filters - f0 : 8;
      kRows[r - 1](channels, kernel, row, plane, count, x, w + std::int64_t{f0} * ldw, ldw,
                   y + f0 * ldy, ldy);
    }
  }

  // ---- direct convolution over channels-last pixels ------------------------------

  // R pixels x the NV vectors of filters at wt, y (nvalid of them valid): broadcast
  // pixel values times weight vectors, the GEMM micro-kernel's scheme with the patch
  // matrix's addresses worked out from the tap instead of read from memory. kC > 0 is
  // the channel count known at compile time: the pixels' offsets become constant
  // displacements (at run time, 16 of them do not fit in registers).
  template <int R, bool kFull, int kC>
  TINYAE_KERNEL_INLINE static void pixel_tile(Index channels_in, Index kernel, Index row,
                                              const float* x, const float* wt, Index ldw,
                                              Index nvalid, const float* bias, Activation act,
                                              float* y, Index ldy) {
    const Index channels = kC > 0 ? kC : channels_in;
    V acc[R][NV];
    for (int r = 0; r < R; ++r) {
      for (int v = 0; v < NV; ++v) acc[r][v] = V(0.0f);
    }
    for (Index ky = 0; ky < kernel; ++ky) {
      for (Index kx = 0; kx < kernel; ++kx) {
        const float* xt = x + (ky * row + kx) * channels;
        const float* wk = wt + (ky * kernel + kx) * channels * ldw;
        for (Index c = 0; c < channels; ++c, wk += ldw) {
          V wv[NV];
          for (int v = 0; v < NV; ++v) {
            wv[v] = kFull ? V::load_unaligned(wk + v * W) : load_n(wk + v * W, lanes(nvalid, v), 0.0f);
          }
#pragma GCC unroll 16
          for (int r = 0; r < R; ++r) {
            const V a(xt[r * channels + c]);
            for (int v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(a, wv[v], acc[r][v]);
          }
        }
      }
    }
    for (int v = 0; v < NV; ++v) {
      const Index count = kFull ? W : lanes(nvalid, v);
      if (count == 0) continue;
      const V b = bias != nullptr ? load_n(bias + v * W, count, 0.0f) : V(0.0f);
      for (int r = 0; r < R; ++r) store_n(activate(acc[r][v] + b, act), y + r * ldy + v * W, count);
    }
  }

  template <int M, bool kFull, int kC>
  static void pixel_edge(int rows, Index channels, Index kernel, Index row, const float* x,
                         const float* wt, Index ldw, Index nvalid, const float* bias,
                         Activation act, float* y, Index ldy) {
    if constexpr (M > 0) {
      if (rows == M) {
        pixel_tile<M, kFull, kC>(channels, kernel, row, x, wt, ldw, nvalid, bias, act, y, ldy);
      } else {
        pixel_edge<M - 1, kFull, kC>(rows, channels, kernel, row, x, wt, ldw, nvalid, bias, act,
                                     y, ldy);
      }
    }
  }

  template <bool kFull, int kC>
  static void pixel_strip(Index channels, Index kernel, Index row, Index count, const float* x,
                          const float* wt, Index ldw, Index nvalid, const float* bias,
                          Activation act, float* y, Index ldy) {
    Index i = 0;
    for (; i + MR <= count; i += MR) {
      pixel_tile<MR, kFull, kC>(channels, kernel, row, x + i * channels, wt, ldw, nvalid, bias,
                                act, y + i * ldy, ldy);
    }
    if (i < count) {
      pixel_edge<MR - 1, kFull, kC>(static_cast<int>(count - i), channels, kernel, row,
                                    x + i * channels, wt, ldw, nvalid, bias, act, y + i * ldy, ldy);
    }
  }

  // f(std::integral_constant<int, C>) with C the channel count when it is one the
  // reference systems' convolutions use (1, 8 or 16: the kernels' pixel offsets become
  // constants), else C = 0 (counted at run time).
  template <class F>
  TINYAE_KERNEL_INLINE static void with_channel_count(Index channels, F f) {
    switch (channels) {
      case 1: f(std::integral_constant<int, 1>{}); return;
      case 8: f(std::integral_constant<int, 8>{}); return;
      case 16: f(std::integral_constant<int, 16>{}); return;
      default: f(std::integral_constant<int, 0>{});
    }
  }

  static void conv_pixels(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                          std::int64_t row64, std::int64_t count64, const float* x,
                          const float* wt, std::int32_t ldw, const float* bias, Activation act,
                          float* y, std::int64_t ldy64) {
    const auto row = static_cast<Index>(row64);
    const auto count = static_cast<Index>(count64);
    const auto ldy = static_cast<Index>(ldy64);
    if constexpr (NV > 1) {
      if (filters <= W) {  // one vector of filters: taller tiles instead (as in gemm)
        constexpr int kRows = MR * NV < 16 ? MR * NV : 16;
        F32Conv<Arch, kRows, 1, KC>::conv_pixels(filters, channels, kernel, row, count, x, wt,
                                                 ldw, bias, act, y, ldy);
        return;
      }
    }
    for (Index j0 = 0; j0 < filters; j0 += NR) {
      const Index nvalid = filters - j0 < NR ? filters - j0 : NR;
      const float* b = bias != nullptr ? bias + j0 : nullptr;
      with_channel_count(channels, [&](auto kc) {
        if (nvalid == NR) {
          pixel_strip<true, kc>(channels, kernel, row, count, x, wt + j0, ldw, nvalid, b, act,
                                y + j0, ldy);
        } else {
          pixel_strip<false, kc>(channels, kernel, row, count, x, wt + j0, ldw, nvalid, b, act,
                                 y + j0, ldy);
        }
      });
    }
  }

  // R patch entries (rows of dwt) x the NV vectors of filters at dz, dwt: one broadcast
  // pixel value times a vector of output gradients per FMA. The entries come in runs of
  // kRun consecutive channels of one tap: entry r is at x offset xoff[r / kRun] + r % kRun
  // (one offset per run keeps them in registers; 16 separate ones spill).
  template <int R, int kRun, bool kFull>
  TINYAE_KERNEL_INLINE static void gradient_tile(const Index* xoff, Index channels, Index row,
                                                 Index lines, Index width, const float* x,
                                                 const float* dz, Index ldz, Index nvalid,
                                                 float* dwt, Index lddw, bool accumulate) {
    constexpr int kRuns = R / kRun;
    V acc[R][NV];
    for (int r = 0; r < R; ++r) {
      for (int v = 0; v < NV; ++v) acc[r][v] = V(0.0f);
    }
    for (Index l = 0; l < lines; ++l) {
      const float* xr[kRuns];  // one pointer per run, read at constant displacements
      for (int j = 0; j < kRuns; ++j) xr[j] = x + l * row * channels + xoff[j];
      const float* dl = dz + l * width * ldz;
      for (Index o = 0; o < width; ++o, dl += ldz) {
        V g[NV];
        for (int v = 0; v < NV; ++v) {
          g[v] = kFull ? V::load_unaligned(dl + v * W) : load_n(dl + v * W, lanes(nvalid, v), 0.0f);
        }
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
          const V a(xr[r / kRun][r % kRun]);
          for (int v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(a, g[v], acc[r][v]);
        }
        for (int j = 0; j < kRuns; ++j) xr[j] += channels;
      }
    }
    for (int v = 0; v < NV; ++v) {
      const Index count = kFull ? W : lanes(nvalid, v);
      if (count == 0) continue;
      for (int r = 0; r < R; ++r) {
        float* d = dwt + r * lddw + v * W;
        store_n(accumulate ? acc[r][v] + load_n(d, count, 0.0f) : acc[r][v], d, count);
      }
    }
  }

  // The tile of `rows` entries (a multiple of kRun).
  template <int M, int kRun, bool kFull>
  static void gradient_edge(int rows, const Index* xoff, Index channels, Index row, Index lines,
                            Index width, const float* x, const float* dz, Index ldz,
                            Index nvalid, float* dwt, Index lddw, bool accumulate) {
    if constexpr (M > 0) {
      if constexpr (M % kRun == 0) {
        if (rows == M) {
          gradient_tile<M, kRun, kFull>(xoff, channels, row, lines, width, x, dz, ldz, nvalid,
                                        dwt, lddw, accumulate);
          return;
        }
      }
      gradient_edge<M - 1, kRun, kFull>(rows, xoff, channels, row, lines, width, x, dz, ldz,
                                        nvalid, dwt, lddw, accumulate);
    }
  }

  // Tiles start at multiples of MR, so with channels and MR multiples of kRun every run
  // of kRun entries stays within one tap.
  template <int kRun, bool kFull>
  static void gradient_strip(Index patch, Index channels, Index kernel, Index row, Index lines,
                             Index width, const float* x, const float* dz, Index ldz,
                             Index nvalid, float* dwt, Index lddw, bool accumulate) {
    for (Index k0 = 0; k0 < patch; k0 += MR) {
      const int rows = static_cast<int>(patch - k0 < MR ? patch - k0 : MR);
      Index xoff[MR];
      for (int j = 0; j * kRun < rows; ++j) {
        const Index k = k0 + j * kRun;
        const Index tap = k / channels;
        xoff[j] = ((tap / kernel) * row + tap % kernel) * channels + k % channels;
      }
      gradient_edge<MR, kRun, kFull>(rows, xoff, channels, row, lines, width, x, dz, ldz, nvalid,
                                     dwt + k0 * lddw, lddw, accumulate);
    }
  }

  template <int kRun>
  static void gradient_strips(Index filters, Index channels, Index kernel, Index row, Index lines,
                              Index width, const float* x, const float* dz, Index ldz, float* dwt,
                              Index lddw, bool accumulate) {
    const Index patch = kernel * kernel * channels;
    for (Index j0 = 0; j0 < filters; j0 += NR) {
      const Index nvalid = filters - j0 < NR ? filters - j0 : NR;
      if (nvalid == NR) {
        gradient_strip<kRun, true>(patch, channels, kernel, row, lines, width, x, dz + j0, ldz,
                                   nvalid, dwt + j0, lddw, accumulate);
      } else {
        gradient_strip<kRun, false>(patch, channels, kernel, row, lines, width, x, dz + j0, ldz,
                                    nvalid, dwt + j0, lddw, accumulate);
      }
    }
  }

  static void conv_pixels_gradient(std::int32_t filters, std::int32_t channels,
                                   std::int32_t kernel, std::int64_t row64, std::int64_t lines64,
                                   std::int64_t width64, const float* x, const float* dz,
                                   std::int64_t ldz64, float* dwt, std::int32_t lddw,
                                   bool accumulate) {
    const auto row = static_cast<Index>(row64);
    const auto lines = static_cast<Index>(lines64);
    const auto width = static_cast<Index>(width64);
    const auto ldz = static_cast<Index>(ldz64);
    if constexpr (NV > 1) {
      if (filters <= W) {  // one vector of filters: more patch entries per tile instead
        constexpr int kRows = MR * NV < 16 ? MR * NV : 16;
        F32Conv<Arch, kRows, 1, KC>::conv_pixels_gradient(filters, channels, kernel, row, lines,
                                                          width, x, dz, ldz, dwt, lddw, accumulate);
        return;
      }
    }
    if (MR % 8 == 0 && channels % 8 == 0) {
      gradient_strips<8>(filters, channels, kernel, row, lines, width, x, dz, ldz, dwt, lddw,
                         accumulate);
    } else if (MR % 4 == 0 && channels % 4 == 0) {
      gradient_strips<4>(filters, channels, kernel, row, lines, width, x, dz, ldz, dwt, lddw,
                         accumulate);
    } else {
      gradient_strips<1>(filters, channels, kernel, row, lines, width, x, dz, ldz, dwt, lddw,
                         accumulate);
    }
  }

  // ---- one-filter convolution over channels-last pixels ---------------------------

  // W output pixels from i (the first n valid) of a one-filter convolution: one
  // accumulator per pixel over the kernel rows' runs, then a transposing sum. kC > 0
  // is the channel count known at compile time (constant pixel offsets, as in
  // pixel_tile); pixels past n read the last valid one and are not stored.
  template <int kC, bool kFullTile>
  TINYAE_KERNEL_INLINE static void one_filter_tile(Index channels_in, Index kernel, Index row,
                                                   Index n, const float* x, const float* w,
                                                   V bias, Activation act, float* y) {
    const Index channels = kC > 0 ? kC : channels_in;
    const Index run = kernel * channels;
    const Index full = run / W;   // whole vectors per kernel row
    const Index tail = run % W;   // lanes of the last, partial one
    V acc[W];
    for (int r = 0; r < W; ++r) acc[r] = V(0.0f);
    for (Index ky = 0; ky < kernel; ++ky) {
      const float* xk = x + ky * row * channels;
      const float* wk = w + ky * run;
      for (Index v = 0; v <= full; ++v) {
        const Index lanes = v < full ? W : tail;
        if (lanes == 0) break;
        const V wv = load_n(wk + v * W, lanes, 0.0f);
#pragma GCC unroll 16
        for (int r = 0; r < W; ++r) {
          const Index pixel = kFullTile || r < n ? r : n - 1;
          acc[r] = xsimd::fma(load_n(xk + pixel * channels + v * W, lanes, 0.0f), wv, acc[r]);
        }
      }
    }
    store_n(activate(sum_rows(acc) + bias, act), y, n);
  }

  template <int kC>
  static void one_filter_row(Index channels, Index kernel, Index row, Index count,
                             const float* x, const float* w, V bias, Activation act, float* y) {
    Index i = 0;
    for (; i + W <= count; i += W) {
      one_filter_tile<kC, true>(channels, kernel, row, W, x + i * channels, w, bias, act, y + i);
    }
    if (i < count) {
      one_filter_tile<kC, false>(channels, kernel, row, count - i, x + i * channels, w, bias, act,
                                 y + i);
    }
  }

  static void conv_one_filter(std::int32_t channels, std::int32_t kernel, std::int64_t row64,
                              std::int64_t count64, const float* x, const float* w,
                              const float* bias, Activation act, float* y) {
    const auto row = static_cast<Index>(row64);
    const auto count = static_cast<Index>(count64);
    const V b(bias != nullptr ? bias[0] : 0.0f);
    with_channel_count(channels, [&](auto kc) {
      one_filter_row<kc>(channels, kernel, row, count, x, w, b, act, y);
    });
  }

  // ---- weight gradients over kernel-row runs (see f32_kernels.hpp) ------------------

  // Filters per pass and vectors of a run per pass: FR * NB accumulators, NB loaded
  // inputs and a broadcast in the registers (32 on AVX-512 and aarch64, else 16).
  static constexpr int kRunFilters = MR * NV >= 24 ? 8 : 4;
  static constexpr int kRunVecs = MR * NV >= 24 ? 3 : 2;

  // FR filters x NB vectors of one kernel row's run (the last with `lanes` lanes when
  // not kFullLast) over every output pixel; with few of them, kSets pixels at a time go
  // to separate accumulators so that at least eight FMA chains are in flight.
  template <int FR, int NB, bool kFullLast>
  static void runs_gradient_block(Index channels, Index row, Index lines, Index width,
                                  const float* x, const float* dz, Index ldz, Index lanes,
                                  float* dw, Index lddw, bool accumulate) {
    constexpr int kSets = FR * NB >= 8 ? 1 : FR * NB >= 4 ? 2 : 4;
    V acc[kSets][FR][NB];
#pragma GCC unroll 4
    for (int s = 0; s < kSets; ++s) {
#pragma GCC unroll 8
      for (int f = 0; f < FR; ++f) {
#pragma GCC unroll 3
        for (int b = 0; b < NB; ++b) acc[s][f][b] = V(0.0f);
      }
    }
    for (Index l = 0; l < lines; ++l) {
      const float* xl = x + l * row * channels;
      const float* dl = dz + l * width * ldz;
      for (Index o = 0; o < width; o += kSets) {
        // The last pixels of a row short of kSets go to the first sets.
        const int sets = width - o < kSets ? static_cast<int>(width - o) : kSets;
#pragma GCC unroll 4
        for (int s = 0; s < kSets; ++s) {
          if (kSets > 1 && s >= sets) break;
          const float* p = xl + (o + s) * channels;
          const float* d = dl + (o + s) * ldz;
          V xv[NB];
#pragma GCC unroll 3
          for (int b = 0; b < NB; ++b) {
            xv[b] = kFullLast || b + 1 < NB ? V::load_unaligned(p + b * W)
                                            : load_partial(p + b * W, lanes, 0.0f);
          }
#pragma GCC unroll 8
          for (int f = 0; f < FR; ++f) {
            const V dv(d[f]);
#pragma GCC unroll 3
            for (int b = 0; b < NB; ++b) acc[s][f][b] = xsimd::fma(dv, xv[b], acc[s][f][b]);
          }
        }
      }
    }
    // Every index constant after unrolling, so the accumulators stay in registers.
#pragma GCC unroll 8
    for (int f = 0; f < FR; ++f) {
#pragma GCC unroll 3
      for (int b = 0; b < NB; ++b) {
        V sum = acc[0][f][b];
#pragma GCC unroll 4
        for (int s = 1; s < kSets; ++s) sum += acc[s][f][b];
        const Index count = kFullLast || b + 1 < NB ? W : lanes;
        float* d = dw + f * lddw + b * W;
        store_n(accumulate ? sum + load_n(d, count, 0.0f) : sum, d, count);
      }
    }
  }

  using RunsBlock = void (*)(Index, Index, Index, Index, const float*, const float*, Index, Index,
                             float*, Index, bool);
  template <bool kFullLast, int... I>
  static constexpr std::array<RunsBlock, sizeof...(I)> runs_blocks(std::integer_sequence<int, I...>) {
    return {{&runs_gradient_block<I / kRunVecs + 1, I % kRunVecs + 1, kFullLast>...}};
  }

  static void conv_runs_gradient(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                                 std::int64_t row64, std::int64_t lines64, std::int64_t width64,
                                 const float* x, const float* dz, std::int64_t ldz64, float* dw,
                                 std::int32_t lddw, bool accumulate) {
    static constexpr auto kBlocks = runs_blocks<false>(std::make_integer_sequence<int, kRunFilters * kRunVecs>{});
    static constexpr auto kFullBlocks = runs_blocks<true>(std::make_integer_sequence<int, kRunFilters * kRunVecs>{});
    const auto row = static_cast<Index>(row64);
    const auto lines = static_cast<Index>(lines64);
    const auto width = static_cast<Index>(width64);
    const auto ldz = static_cast<Index>(ldz64);
    const Index run = Index{kernel} * channels;
    const Index vectors = (run + W - 1) / W;
    for (Index f0 = 0; f0 < filters; f0 += kRunFilters) {
      const Index fr = filters - f0 < kRunFilters ? filters - f0 : kRunFilters;
      for (Index ky = 0; ky < kernel; ++ky) {
        for (Index v0 = 0; v0 < vectors; v0 += kRunVecs) {
          const Index nb = vectors - v0 < kRunVecs ? vectors - v0 : kRunVecs;
          const Index lanes = v0 + nb < vectors || run % W == 0 ? W : run % W;
          const auto& blocks = lanes == W ? kFullBlocks : kBlocks;
          blocks[static_cast<std::size_t>((fr - 1) * kRunVecs + nb - 1)](
              channels, row, lines, width, x + ky * row * channels + v0 * W, dz + f0, ldz, lanes,
              dw + f0 * lddw + ky * run + v0 * W, lddw, accumulate);
        }
      }
    }
  }

};

}  // namespace
}  // namespace tinyae::kernels
