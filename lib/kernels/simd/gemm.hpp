// The packed GEMM behind gemm_nt/nn/tn, dense_forward, dense_forward_loss and
// delta_backward: the k dimension is split into blocks of at most KC; for each block
// and each strip of NR = NV vectors of columns, B is packed (zero-padded to NR) into a
// stack buffer that stays in L1, then every MR-row tile of C is computed in registers
// by the micro-kernel, which broadcasts A straight from the caller's memory (row- or
// column-major through two strides). The last k block applies the fused epilogue
// (bias + activation, the hidden delta, or the output loss) before the tile is stored.
#pragma once

#include "vmath.hpp"

namespace tinyae::kernels {
namespace {

// What to do with a finished tile before it is stored.
struct Epilogue {
  enum class Kind : std::uint8_t { forward, backward, loss };
  Kind kind;
  Activation act;
  const float* bias;     // forward, loss: + bias[j] (may be null)
  const float* a;        // backward: * f'(a[i][j]), a being the activation's output
  Index lda;             // backward
  const Sparsity* kl;    // backward: + the KL term of column j before f' (may be null)
  OutputLoss* loss = nullptr;  // loss: targets, scale; receives the error sums
};

template <class Arch, int MR, int NV, int KC>
struct F32Gemm : VMath<Arch> {
  using Base = VMath<Arch>;
  using typename Base::V;
  using Base::W;
  using Base::activate;
  using Base::derivative;
  using Base::exp_neg;
  using Base::kAlign;
  using Base::kl_at;
  using Base::lanes;
  using Base::load_n;
  using Base::load_partial_of;
  using Base::log1p_unit;
  using Base::sparsity_term;
  using Base::store_n;
  static constexpr int NR = NV * W;

  // ---- GEMM --------------------------------------------------------------------


  // Packs B's columns [j0, j0 + nvalid) and rows [pc, pc + kc) as dst[p][NR].
  // nn: B is k x n (row p holds the columns); nt: B is n x k (row j holds the depth).
  static void pack_b(const float* b, Index ldb, bool nt, Index pc, Index kc, Index j0,
                     Index nvalid, float* dst) {
    if (!nt) {
      for (Index p = 0; p < kc; ++p) {
        const float* src = b + (pc + p) * ldb + j0;
        float* d = dst + p * NR;
        if (nvalid == NR) {
          for (int v = 0; v < NV; ++v) V::load_unaligned(src + v * W).store_aligned(d + v * W);
        } else {
          for (int v = 0; v < NV; ++v) {
            const Index count = lanes(nvalid, v);
            (count > 0 ? load_n(src + v * W, count, 0.0f) : V(0.0f)).store_aligned(d + v * W);
          }
        }
      }
      return;
    }
#if defined(__AVX2__)
    if constexpr (W == 16 || W == 8) {
      // By W x W transposes: whole-vector loads and stores instead of one float at a
      // time (the scalar copy below is a large share of a dense training step).
      for (int v = 0; v < NV; ++v) {
        const Index rows = lanes(nvalid, v);  // valid columns j of this vector
        for (Index p0 = 0; p0 < kc; p0 += W) {
          const Index depth = kc - p0 < W ? kc - p0 : W;
          V r[W];
          for (Index jj = 0; jj < W; ++jj) {
            const float* src = b + (j0 + v * W + jj) * ldb + pc + p0;
            r[jj] = jj < rows ? load_n(src, depth, 0.0f) : V(0.0f);
          }
#if defined(__AVX512F__)
          if constexpr (W == 16) transpose_16x16_avx512(r);
#endif
          if constexpr (W == 8) transpose_8x8_avx2(r);
          for (Index pp = 0; pp < depth; ++pp) r[pp].store_aligned(dst + (p0 + pp) * NR + v * W);
        }
      }
      return;
    }
#endif
    for (Index j = 0; j < NR; ++j) {
      if (j < nvalid) {
        const float* src = b + (j0 + j) * ldb + pc;
        for (Index p = 0; p < kc; ++p) dst[p * NR + j] = src[p];
      } else {
        for (Index p = 0; p < kc; ++p) dst[p * NR + j] = 0.0f;
      }
    }
  }

  // The output deltas from pre-activations z against targets y, in place, U vectors
  // (count lanes of each valid: count < W only with U = 1); adds (a - y)^2 and the bce
  // terms to sums[0] and sums[1]. For bce, one exp serves both the sigmoid and the
  // cross-entropy: e = exp(-|z|), sigmoid(z) = 1/(1+e) for z >= 0 and e/(1+e) below,
  // bce = max(z, 0) - z y + log(1 + e).
  template <int U>
  TINYAE_KERNEL_INLINE static void loss_delta(V* z, const V* y, Index count,
                                              const OutputLoss& loss, Activation act, V* sums) {
    V diff[U];
    if (loss.bce) {
      V e[U], inv[U], t[U];
      TINYAE_EACH(u) e[u] = xsimd::abs(z[u]);
      Base::template exp_neg<U>(e);
      TINYAE_EACH(u) inv[u] = V(1.0f) / (V(1.0f) + e[u]);
      Base::template log1p_unit<U>(e, t);
      TINYAE_EACH(u) {
        diff[u] = xsimd::select(z[u] >= V(0.0f), inv[u], e[u] * inv[u]) - y[u];
        t[u] += xsimd::max(z[u], V(0.0f)) - z[u] * y[u];
        if (count < W) t[u] = load_partial_of(t[u], count);
        sums[1] += t[u];
        z[u] = V(loss.scale) * diff[u];
      }
    } else {
      V a[U];
      TINYAE_EACH(u) a[u] = z[u];
      Base::template activate<U>(a, act);
      TINYAE_EACH(u) {
        diff[u] = a[u] - y[u];
        z[u] = V(loss.scale) * diff[u] * derivative(a[u], act);
      }
    }
    TINYAE_EACH(u) {
      if (count < W) diff[u] = load_partial_of(diff[u], count);
      sums[0] = xsimd::fma(diff[u], diff[u], sums[0]);
    }
  }

  // The epilogue over a stored tile: rows [i0, i0 + rows) of C, columns [j0, j0 + nvalid).
  // It runs in its own function, after the tile is stored, so its math (exp, divisions,
  // their constants) never competes with the accumulators for registers or forces them
  // to be spilled around a call.
  __attribute__((noinline)) static void finish_tile(int rows, float* c, Index ldc,
                                                    Index nvalid, const Epilogue& ep, Index i0,
                                                    Index j0) {
    if (ep.kind == Epilogue::Kind::backward) {
      finish_delta_tile(rows, c, ldc, nvalid, ep, i0, j0);
      return;
    }
    V sums[2] = {V(0.0f), V(0.0f)};
    if (nvalid == NR) {
      // Two rows of full vectors at a time: 2 * NV independent chains.
      V bias[NV];
      for (int v = 0; v < NV; ++v) {
        bias[v] = ep.bias != nullptr ? V::load_unaligned(ep.bias + j0 + v * W) : V(0.0f);
      }
      int i = 0;
      for (; i + 2 <= rows; i += 2) finish_rows<2>(c + i * ldc, ldc, ep, i0 + i, j0, bias, sums);
      if (i < rows) finish_rows<1>(c + i * ldc, ldc, ep, i0 + i, j0, bias, sums);
    } else {
      for (int v = 0; v < NV; ++v) {
        const Index count = nvalid - v * W;
        if (count <= 0) break;
        const Index j = j0 + v * W;
        const V bias = ep.bias != nullptr ? load_n(ep.bias + j, count, 0.0f) : V(0.0f);
        for (int i = 0; i < rows; ++i) {
          float* ci = c + i * ldc + v * W;
          V r = load_n(ci, count, 0.0f);
          if (ep.kind == Epilogue::Kind::forward) {
            r = activate(r + bias, ep.act);
          } else {
            const OutputLoss& loss = *ep.loss;
            const V y = load_n(loss.target + (i0 + i) * loss.ld_target + j, count, 0.0f);
            r += bias;
            loss_delta<1>(&r, &y, count, loss, ep.act, sums);
          }
          store_n(r, ci, count);
        }
      }
    }
    if (ep.kind == Epilogue::Kind::loss) add_sums(sums, ep.loss);
  }

  // The hidden delta on a stored tile. Full tiles row by row, the KL term once per
  // column vector (fewer KL evaluations than the column-by-column pass); partial ones
  // through that pass, hidden_delta, with the KL term's columns moved to the tile's.
  static void finish_delta_tile(int rows, float* c, Index ldc, Index nvalid, const Epilogue& ep,
                                Index i0, Index j0) {
    const float* a = ep.a + i0 * ep.lda + j0;
    Sparsity kl{};
    if (ep.kl != nullptr) {
      kl = *ep.kl;
      if (kl.rhohat != nullptr) kl.rhohat += j0;
    }
    const Sparsity* klp = ep.kl != nullptr ? &kl : nullptr;
    if (nvalid < NR) {
      hidden_delta(rows, static_cast<std::int32_t>(nvalid), a, static_cast<std::int32_t>(ep.lda),
                   c, static_cast<std::int32_t>(ldc), ep.act, klp);
      return;
    }
    V klv[NV];
    for (int v = 0; v < NV; ++v) klv[v] = klp != nullptr ? kl_at(kl, v * W, W) : V(0.0f);
    for (int i = 0; i < rows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        float* ci = c + i * ldc + v * W;
        const V r = delta_of(V::load_unaligned(ci), V::load_unaligned(a + i * ep.lda + v * W),
                             klp, klv[v], ep.act);
        r.store_unaligned(ci);
      }
    }
  }

  // (g + the sparsity term) * f'(a): a hidden layer's delta from the upstream product g
  // and the activation a; klv is kl_at's term for these columns (kl may be null).
  TINYAE_KERNEL_INLINE static V delta_of(V g, V a, const Sparsity* kl, V klv, Activation act) {
    if (kl != nullptr) g += sparsity_term(*kl, klv, a);
    return g * derivative(a, act);
  }

  // The forward or loss epilogue on R full rows of a strip (R * NV vectors at once).
  template <int R>
  TINYAE_KERNEL_INLINE static void finish_rows(float* c, Index ldc, const Epilogue& ep,
                                               Index gi, Index j0, const V* bias, V* sums) {
    constexpr int U = R * NV;
    V r[U];
    TINYAE_EACH(u) r[u] = V::load_unaligned(c + (u / NV) * ldc + (u % NV) * W) + bias[u % NV];
    if (ep.kind == Epilogue::Kind::forward) {
      Base::template activate<U>(r, ep.act);
    } else {
      const OutputLoss& loss = *ep.loss;
      V y[U];
      TINYAE_EACH(u) {
        y[u] = V::load_unaligned(loss.target + (gi + u / NV) * loss.ld_target + j0 + (u % NV) * W);
      }
      loss_delta<U>(r, y, W, loss, ep.act, sums);
    }
    TINYAE_EACH(u) r[u].store_unaligned(c + (u / NV) * ldc + (u % NV) * W);
  }

  // C tile [M x nvalid] (+)= A[M x kc] * Bpacked[kc x NR]; a(i, p) = a[i * rs + p * cs].
  template <int M>
  static void tile(Index kc, const float* a, Index rs, Index cs, const float* bp, Index bs,
                   float* c, Index ldc, Index nvalid, bool load_c, const Epilogue* ep, Index i0,
                   Index j0) {
    V acc[M][NV];
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = V(0.0f);
    }
    for (Index p = 0; p < kc; ++p) {
      V b[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) b[v] = V::load_unaligned(bp + v * W);
      bp += bs;
#pragma GCC unroll 16
      for (int i = 0; i < M; ++i) {
        const V ai(a[i * rs]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = xsimd::fma(ai, b[v], acc[i][v]);
      }
      a += cs;
    }
    if (nvalid == NR) {  // the common case, kept lean
#pragma GCC unroll 16
      for (int i = 0; i < M; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          float* ci = c + i * ldc + v * W;
          (load_c ? acc[i][v] + V::load_unaligned(ci) : acc[i][v]).store_unaligned(ci);
        }
      }
    } else {
#pragma GCC unroll 16
      for (int i = 0; i < M; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          const Index count = nvalid - v * W;
          if (count <= 0) break;
          float* ci = c + i * ldc + v * W;
          store_n(load_c ? acc[i][v] + load_n(ci, count, 0.0f) : acc[i][v], ci, count);
        }
      }
    }
    if (ep != nullptr) finish_tile(M, c, ldc, nvalid, *ep, i0, j0);
  }

  static void add_sums(const V* sums, OutputLoss* loss) {
    loss->sse += static_cast<double>(xsimd::hadd(sums[0]));
    loss->bce_sum += static_cast<double>(xsimd::hadd(sums[1]));
  }

  template <int M>
  static void tile_edge(int rows, Index kc, const float* a, Index rs, Index cs, const float* bp,
                        Index bs, float* c, Index ldc, Index nvalid, bool load_c,
                        const Epilogue* ep, Index i0, Index j0) {
    if constexpr (M > 0) {
      if (rows == M) {
        tile<M>(kc, a, rs, cs, bp, bs, c, ldc, nvalid, load_c, ep, i0, j0);
      } else {
        tile_edge<M - 1>(rows, kc, a, rs, cs, bp, bs, c, ldc, nvalid, load_c, ep, i0, j0);
      }
    }
  }

  // C[m x n] (+)= A * B with a(i, p) = a[i * rs + p * cs] and B k x n (nn) or n x k (nt).
  static void gemm(Index m, Index n, Index k, const float* a, Index rs, Index cs,
                   const float* b, Index ldb, bool b_nt, float* c, Index ldc, bool accumulate,
                   const Epilogue* ep) {
    if (m <= 0 || n <= 0) return;
    if constexpr (NV > 1) {
      // A matrix one vector wide (a convolution's 8 or 16 filters): strips of one
      // vector and taller tiles with as many accumulators, instead of strips whose
      // other vectors hold only zero padding. Same products in the same order.
      // (At most 16 rows: the tile loops unroll 16, and 16 chains hide the FMA latency.)
      if (n <= W) {
        constexpr int kRows = MR * NV < 16 ? MR * NV : 16;
        F32Gemm<Arch, kRows, 1, KC>::gemm(m, n, k, a, rs, cs, b, ldb, b_nt, c, ldc, accumulate, ep);
        return;
      }
    }
    alignas(kAlign) float bpack[KC * NR];
    // Even k blocks, so the last one is not a sliver.
    const Index blocks = k > 0 ? (k + KC - 1) / KC : 1;
    const Index step = (k + blocks - 1) / blocks;
    for (Index pc = 0, blk = 0; blk < blocks; ++blk) {
      const Index kc = k - pc < step ? k - pc : step;
      const bool load_c = accumulate || pc > 0;
      const Epilogue* e = pc + kc == k ? ep : nullptr;
      for (Index j0 = 0; j0 < n; j0 += NR) {
        const Index nvalid = n - j0 < NR ? n - j0 : NR;
        // A whole strip of an nn-form B read by at most six tiles is read in place:
        // packing it cost more than the locality it buys for so few.
        const bool in_place = !b_nt && nvalid == NR && m <= 6 * MR;
        const float* bp = in_place ? b + pc * ldb + j0 : bpack;
        const Index bs = in_place ? ldb : NR;
        if (!in_place) pack_b(b, ldb, b_nt, pc, kc, j0, nvalid, bpack);
        const float* ab = a + pc * cs;
        Index i0 = 0;
        for (; i0 + MR <= m; i0 += MR) {
          tile<MR>(kc, ab + i0 * rs, rs, cs, bp, bs, c + i0 * ldc + j0, ldc, nvalid, load_c, e,
                   i0, j0);
        }
        if (i0 < m) {
          tile_edge<MR - 1>(static_cast<int>(m - i0), kc, ab + i0 * rs, rs, cs, bp, bs,
                            c + i0 * ldc + j0, ldc, nvalid, load_c, e, i0, j0);
        }
      }
      pc += kc;
    }
  }


  // The hidden delta as a pass of its own (f32_kernels.hpp's hidden_delta); also the
  // fused epilogue's path for a strip's partial columns.
  static void hidden_delta(std::int32_t m, std::int32_t n, const float* a, std::int32_t lda,
                           float* g, std::int32_t ldg, Activation act, const Sparsity* kl) {
    for (Index j = 0; j < n; j += W) {
      const Index count = n - j < W ? n - j : W;
      const V klv = kl != nullptr ? kl_at(*kl, j, count) : V(0.0f);
      for (Index i = 0; i < m; ++i) {
        float* gi = g + i * ldg + j;
        store_n(delta_of(load_n(gi, count, 0.0f), load_n(a + i * lda + j, count, 0.0f), kl, klv, act),
                gi, count);
      }
    }
  }
};

}  // namespace
}  // namespace tinyae::kernels
