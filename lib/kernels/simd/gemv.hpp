// Batch-1 products (GEMV) and the rank-1 update, which the GEMM entries take for
// m == 1 or k == 1, where packing B would cost more than the product.
#pragma once

#include "gemm.hpp"

namespace tinyae::kernels {
namespace {

template <class Arch, int MR, int NV, int KC>
struct F32Gemv : F32Gemm<Arch, MR, NV, KC> {
  using Base = F32Gemm<Arch, MR, NV, KC>;
  using typename Base::V;
  using Base::W;
  using Base::activate;
  using Base::load_n;
  using Base::load_partial;
  using Base::store_n;
  using Base::store_partial;
  using Base::sum_rows;

  // ---- GEMV (batch 1) ----------------------------------------------------------

  // y[j] (+)= dot(x, W row j) for j < n, then the forward epilogue if bias/act given.
  // Long rows (784->32, 256->64) stream W from L2: it does not fit in L1. With 512-bit
  // loads, reading the rows one after another (one sequential stream) keeps the
  // prefetcher ahead, which four rows read side by side do not. With narrower vectors
  // the extra loads of x cost more than that gains, and short rows gain nothing from
  // it, so they take four rows at a time.
  static void gemv_nt(Index n, Index k, const float* x, const float* w, Index ldw, float* y,
                      bool accumulate, const float* bias, Activation act) {
    if (W >= 16 && k >= 4 * W) gemv_nt_stream(n, k, x, w, ldw, y, accumulate, bias);
    else gemv_nt_rows4(n, k, x, w, ldw, y, accumulate, bias);
    // The activation in a pass of its own (y is in L1): inside the loops its latency
    // would sit on each block's chain and hold the next blocks back.
    if (act != Activation::identity) activate(n, y, y, act);
  }

  // One row after another, four accumulators each; each row's sum is reduced on its
  // own (a few shuffles against at least 16 loads).
  static void gemv_nt_stream(Index n, Index k, const float* x, const float* w, Index ldw,
                             float* y, bool accumulate, const float* bias) {
    const Index kfull = k - k % W;
    const Index ktail = k - kfull;
    const V xt = ktail > 0 ? load_partial(x + kfull, ktail, 0.0f) : V(0.0f);
    for (Index j = 0; j < n; ++j) {
      const float* wr = w + j * ldw;
      V acc0(0.0f), acc1(0.0f), acc2(0.0f), acc3(0.0f);
      Index p = 0;
      for (; p + 4 * W <= kfull; p += 4 * W) {
        acc0 = xsimd::fma(V::load_unaligned(wr + p), V::load_unaligned(x + p), acc0);
        acc1 = xsimd::fma(V::load_unaligned(wr + p + W), V::load_unaligned(x + p + W), acc1);
        acc2 = xsimd::fma(V::load_unaligned(wr + p + 2 * W), V::load_unaligned(x + p + 2 * W), acc2);
        acc3 = xsimd::fma(V::load_unaligned(wr + p + 3 * W), V::load_unaligned(x + p + 3 * W), acc3);
      }
      for (; p < kfull; p += W) acc0 = xsimd::fma(V::load_unaligned(wr + p), V::load_unaligned(x + p), acc0);
      if (ktail > 0) acc1 = xsimd::fma(load_partial(wr + kfull, ktail, 0.0f), xt, acc1);
      float s = xsimd::hadd((acc0 + acc1) + (acc2 + acc3));
      if (accumulate) s += y[j];
      if (bias != nullptr) s += bias[j];
      y[j] = s;
    }
  }

  // Four rows side by side, sharing each load of x.
  static void gemv_nt_rows4(Index n, Index k, const float* x, const float* w, Index ldw, float* y,
                            bool accumulate, const float* bias) {
    const Index kfull = k - k % W;
    const Index ktail = k - kfull;
    const V xt = ktail > 0 ? load_partial(x + kfull, ktail, 0.0f) : V(0.0f);
    for (Index j0 = 0; j0 < n; j0 += W) {
      V sums[W];
      // Four rows at a time, two accumulators each, to keep eight FMA chains in flight.
      // Unrolled, so that every index into sums is a constant and it stays in registers.
#pragma GCC unroll 4
      for (Index r0 = 0; r0 < W; r0 += 4) {
        if (j0 + r0 >= n) {  // narrow layers: rows past n are not computed
          for (Index r = 0; r < 4; ++r) sums[r0 + r] = V(0.0f);
          continue;
        }
        const float* wr[4];
        for (Index r = 0; r < 4; ++r) {
          const Index row = j0 + r0 + r < n ? j0 + r0 + r : n - 1;  // clamp: results dropped
          wr[r] = w + row * ldw;
        }
        V acc0[4] = {V(0.0f), V(0.0f), V(0.0f), V(0.0f)};
        V acc1[4] = {V(0.0f), V(0.0f), V(0.0f), V(0.0f)};
        Index p = 0;
        for (; p + 2 * W <= kfull; p += 2 * W) {
          const V x0 = V::load_unaligned(x + p);
          const V x1 = V::load_unaligned(x + p + W);
#pragma GCC unroll 4
          for (int r = 0; r < 4; ++r) {
            acc0[r] = xsimd::fma(V::load_unaligned(wr[r] + p), x0, acc0[r]);
            acc1[r] = xsimd::fma(V::load_unaligned(wr[r] + p + W), x1, acc1[r]);
          }
        }
        if (p < kfull) {
          const V x0 = V::load_unaligned(x + p);
#pragma GCC unroll 4
          for (int r = 0; r < 4; ++r) acc0[r] = xsimd::fma(V::load_unaligned(wr[r] + p), x0, acc0[r]);
        }
        if (ktail > 0) {
#pragma GCC unroll 4
          for (int r = 0; r < 4; ++r) {
            acc1[r] = xsimd::fma(load_partial(wr[r] + kfull, ktail, 0.0f), xt, acc1[r]);
          }
        }
        for (int r = 0; r < 4; ++r) sums[r0 + r] = acc0[r] + acc1[r];
      }
      const Index count = n - j0 < W ? n - j0 : W;
      V s = sum_rows(sums);
      if (accumulate) s += load_n(y + j0, count, 0.0f);
      if (bias != nullptr) s += load_n(bias + j0, count, 0.0f);
      store_n(s, y + j0, count);
    }
  }

  // c[j] (+)= sum_p a[p * as] * B[p][j]: a row vector times a k x n matrix.
  static void gemv_nn(Index n, Index k, const float* a, Index as, const float* b, Index ldb,
                      float* c, bool accumulate) {
    constexpr int kVecs = 8;
    Index j0 = 0;
    for (; j0 + kVecs * W <= n; j0 += kVecs * W) {
      V acc[kVecs];
#pragma GCC unroll 8
      for (int v = 0; v < kVecs; ++v) {
        acc[v] = accumulate ? V::load_unaligned(c + j0 + v * W) : V(0.0f);
      }
      const float* bp = b + j0;
      for (Index p = 0; p < k; ++p, bp += ldb) {
        const V ap(a[p * as]);
#pragma GCC unroll 8
        for (int v = 0; v < kVecs; ++v) acc[v] = xsimd::fma(ap, V::load_unaligned(bp + v * W), acc[v]);
      }
#pragma GCC unroll 8
      for (int v = 0; v < kVecs; ++v) acc[v].store_unaligned(c + j0 + v * W);
    }
    for (; j0 < n; j0 += W) {
      const Index count = n - j0 < W ? n - j0 : W;
      // Four chains over p so the FMA latency is hidden.
      V acc[4] = {V(0.0f), V(0.0f), V(0.0f), V(0.0f)};
      const float* bp = b + j0;
      Index p = 0;
      if (count == W) {
        for (; p + 4 <= k; p += 4) {
#pragma GCC unroll 4
          for (int u = 0; u < 4; ++u) {
            acc[u] = xsimd::fma(V(a[(p + u) * as]), V::load_unaligned(bp + (p + u) * ldb), acc[u]);
          }
        }
      }
      for (; p < k; ++p) acc[0] = xsimd::fma(V(a[p * as]), load_n(bp + p * ldb, count, 0.0f), acc[0]);
      V s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      if (accumulate) s += load_n(c + j0, count, 0.0f);
      store_n(s, c + j0, count);
    }
  }

  // dense_sgd_backward (f32_kernels.hpp): gemv_nn's loop (k = the layer's n outputs,
  // n = its k inputs, the same chains, so the same sums) with each W chunk, once
  // loaded, also stepped: w - lr * (d * x) as outer's product and sgd_step's fnma.
  static void gemv_nn_sgd(Index n, Index k, const float* a, const float* x, float* b, Index ldb,
                          float lr, float* c) {
    const V vlr(lr);
    constexpr int kVecs = 8;
    Index j0 = 0;
    for (; j0 + kVecs * W <= n; j0 += kVecs * W) {
      V acc[kVecs], xv[kVecs];
#pragma GCC unroll 8
      for (int v = 0; v < kVecs; ++v) {
        acc[v] = V(0.0f);
        xv[v] = V::load_unaligned(x + j0 + v * W);
      }
      float* bp = b + j0;
      for (Index p = 0; p < k; ++p, bp += ldb) {
        const V ap(a[p]);
#pragma GCC unroll 8
        for (int v = 0; v < kVecs; ++v) {
          const V wv = V::load_unaligned(bp + v * W);
          acc[v] = xsimd::fma(ap, wv, acc[v]);
          xsimd::fnma(vlr, ap * xv[v], wv).store_unaligned(bp + v * W);
        }
      }
      if (c != nullptr) {
#pragma GCC unroll 8
        for (int v = 0; v < kVecs; ++v) acc[v].store_unaligned(c + j0 + v * W);
      }
    }
    for (; j0 < n; j0 += W) {
      const Index count = n - j0 < W ? n - j0 : W;
      V acc[4] = {V(0.0f), V(0.0f), V(0.0f), V(0.0f)};
      const V xv = load_n(x + j0, count, 0.0f);
      float* bp = b + j0;
      Index p = 0;
      if (count == W) {
        for (; p + 4 <= k; p += 4) {
#pragma GCC unroll 4
          for (int u = 0; u < 4; ++u) {
            const V ap(a[p + u]);
            const V wv = V::load_unaligned(bp + (p + u) * ldb);
            acc[u] = xsimd::fma(ap, wv, acc[u]);
            xsimd::fnma(vlr, ap * xv, wv).store_unaligned(bp + (p + u) * ldb);
          }
        }
      }
      for (; p < k; ++p) {
        const V ap(a[p]);
        const V wv = load_n(bp + p * ldb, count, 0.0f);
        acc[0] = xsimd::fma(ap, wv, acc[0]);
        store_n(xsimd::fnma(vlr, ap * xv, wv), bp + p * ldb, count);
      }
      if (c != nullptr) store_n((acc[0] + acc[1]) + (acc[2] + acc[3]), c + j0, count);
    }
  }

  // C[m x n] (+)= a * b^T for vectors a (stride rs) and b: a GEMM of depth 1, the
  // weight gradient of one sample. Same rounding as the packed path (one product,
  // then the add to C).
  static void outer(Index m, Index n, const float* a, Index rs, const float* b, float* c,
                    Index ldc, bool accumulate) {
    const Index nfull = n - n % W;
    const Index tail = n - nfull;
    for (Index i = 0; i < m; ++i) {
      const V ai(a[i * rs]);
      float* ci = c + i * ldc;
      Index j = 0;
      if (accumulate) {
        for (; j < nfull; j += W) {
          (ai * V::load_unaligned(b + j) + V::load_unaligned(ci + j)).store_unaligned(ci + j);
        }
      } else {
        for (; j + 2 * W <= nfull; j += 2 * W) {
          (ai * V::load_unaligned(b + j)).store_unaligned(ci + j);
          (ai * V::load_unaligned(b + j + W)).store_unaligned(ci + j + W);
        }
        for (; j < nfull; j += W) (ai * V::load_unaligned(b + j)).store_unaligned(ci + j);
      }
      if (tail > 0) {
        const V r = ai * load_partial(b + j, tail, 0.0f);
        store_partial(accumulate ? r + load_partial(ci + j, tail, 0.0f) : r, ci + j, tail);
      }
    }
  }

};

}  // namespace
}  // namespace tinyae::kernels
