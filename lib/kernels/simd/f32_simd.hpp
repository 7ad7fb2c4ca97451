// The vectorized float kernels, written once for any xsimd architecture.
//
// Only the per-ISA sources (avx512/, avx2/, neon/) include this header, each compiled
// with its own -m flags. Everything here has internal linkage (anonymous namespace),
// so copies built for different ISAs are never merged by the linker.
//
// GEMM scheme: the k dimension is split into blocks of at most KC; for each block and
// each strip of NR = NV vectors of columns, B is packed (zero-padded to NR) into a
// stack buffer that stays in L1, then every MR-row tile of C is computed in registers
// by the micro-kernel, which broadcasts A straight from the caller's memory (row- or
// column-major through two strides). The last k block applies the fused epilogue
// (bias + activation, or the hidden delta) before the tile is stored.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <xsimd/xsimd.hpp>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "../f32_kernels.hpp"
#include "../pool_windows.hpp"

namespace tinyae::kernels {
namespace {

using Index = std::ptrdiff_t;

// Tile helpers must inline, or the accumulators are spilled to pass them by pointer.
#define TINYAE_KERNEL_INLINE __attribute__((always_inline)) inline

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
struct SimdF32 {
  using V = xsimd::batch<float, Arch>;
  static constexpr int W = static_cast<int>(V::size);
  static constexpr int NR = NV * W;
  static constexpr int kAlign = W * 4 > 16 ? W * 4 : 16;

  // ---- vector math -------------------------------------------------------------

  // The elementwise math below works on U vectors at once: U independent dependency
  // chains, interleaved, keep the pipes busy where one chain of ~20 dependent
  // operations would wait on latency (the epilogues call it with U = 2 to 8).
#define TINYAE_EACH(u) _Pragma("GCC unroll 16") for (int u = 0; u < U; ++u)

  // x with |x| clamped to c: one vrangeps with AVX-512DQ, else a min and a max.
  TINYAE_KERNEL_INLINE static V clamp_abs(V x, float c) {
#if defined(__AVX512DQ__)
    if constexpr (W == 16) return V(_mm512_range_ps(x, _mm512_set1_ps(c), 0x02));
#endif
    return xsimd::min(xsimd::max(x, V(-c)), V(c));
  }

  // exp(-x), x clamped to [-86.5, 86.5] (so exp(-100) gives 2.7e-38, not 0, and 2^n
  // stays a normal float). Cody-Waite: -x = n ln2 - r with |r| <= ln2/2; exp(-r) - 1 =
  // q by a degree-5 fit (relative error 1.1e-7); the result is 2^n + 2^n q. The rounding
  // constant carries the exponent bias, so t's low bits hold n + 127 and t << 23 is 2^n.
  // Inline and branch-free, 14 operations: xsimd::exp's range selects and ldexp cost
  // about three times as much, and where it is not inlined the call spills every vector.
  template <int U>
  TINYAE_KERNEL_INLINE static void exp_neg(V* x) {
    using I = xsimd::batch<std::int32_t, Arch>;
    const V magic(12582912.0f + 127.0f);  // 1.5 * 2^23 + 127
    V t[U], n[U], r[U], q[U];
    TINYAE_EACH(u) x[u] = clamp_abs(x[u], 86.5f);
    TINYAE_EACH(u) t[u] = xsimd::fma(x[u], V(-1.44269504088896341f), magic);
    TINYAE_EACH(u) n[u] = t[u] - magic;
    TINYAE_EACH(u) r[u] = xsimd::fma(n[u], V(0.693359375f), x[u]);
    TINYAE_EACH(u) r[u] = xsimd::fma(n[u], V(-2.12194440e-4f), r[u]);
    // q = -r + r^2 (c2 - c3 r + c4 r^2 - c5 r^3), the fit of exp(-r) - 1.
    TINYAE_EACH(u) q[u] = xsimd::fma(V(-0.00831252709f), r[u], V(0.0418901145f));
    TINYAE_EACH(u) q[u] = xsimd::fma(q[u], r[u], V(-0.166671142f));
    TINYAE_EACH(u) q[u] = xsimd::fma(q[u], r[u], V(0.499992311f));
    TINYAE_EACH(u) q[u] = xsimd::fms(q[u], r[u] * r[u], r[u]);
    TINYAE_EACH(u) {
      const V p = xsimd::bitwise_cast<V>(xsimd::bitwise_cast<I>(t[u]) << 23);
      x[u] = xsimd::fma(p, q[u], p);
    }
  }

  // log(1 + e) for e in [0, 1]: e * g(e), g a degree-8 least-squares fit of log1p(e)/e
  // (relative error below 2e-7 in float), so it stays accurate as e -> 0.
  template <int U>
  TINYAE_KERNEL_INLINE static void log1p_unit(const V* e, V* out) {
    V g[U];
    TINYAE_EACH(u) g[u] = xsimd::fma(V(0.0051058256f), e[u], V(-0.028991956f));
    TINYAE_EACH(u) g[u] = xsimd::fma(g[u], e[u], V(0.077380739f));
    TINYAE_EACH(u) g[u] = xsimd::fma(g[u], e[u], V(-0.135905996f));
    TINYAE_EACH(u) g[u] = xsimd::fma(g[u], e[u], V(0.190713093f));
    TINYAE_EACH(u) g[u] = xsimd::fma(g[u], e[u], V(-0.248339459f));
    TINYAE_EACH(u) g[u] = xsimd::fma(g[u], e[u], V(0.333179355f));
    TINYAE_EACH(u) g[u] = xsimd::fma(g[u], e[u], V(-0.499994367f));
    TINYAE_EACH(u) g[u] = xsimd::fma(g[u], e[u], V(0.99999994f));
    TINYAE_EACH(u) out[u] = e[u] * g[u];
  }

  template <int U>
  TINYAE_KERNEL_INLINE static void activate(V* z, Activation act) {
    switch (act) {
      case Activation::sigmoid:
        // A division, not a reciprocal estimate and Newton step: on Zen 5 it is cheaper
        // (the divider is not one of the FMA pipes) and exact.
        exp_neg<U>(z);
        TINYAE_EACH(u) z[u] = V(1.0f) / (V(1.0f) + z[u]);
        return;
      case Activation::tanh: TINYAE_EACH(u) z[u] = xsimd::tanh(z[u]); return;
      case Activation::relu: TINYAE_EACH(u) z[u] = xsimd::max(z[u], V(0.0f)); return;
      case Activation::identity: return;
    }
  }
  TINYAE_KERNEL_INLINE static V activate(V z, Activation act) {
    activate<1>(&z, act);
    return z;
  }

  TINYAE_KERNEL_INLINE static V derivative(V a, Activation act) {
    switch (act) {
      case Activation::sigmoid: return a * (V(1.0f) - a);
      case Activation::tanh: return V(1.0f) - a * a;
      case Activation::relu: return xsimd::select(a > V(0.0f), V(1.0f), V(0.0f));
      case Activation::identity: break;
    }
    return V(1.0f);
  }

  TINYAE_KERNEL_INLINE static V kl_term(V rhohat, const Sparsity& s) {
    return V(s.beta) * ((V(1.0f - s.rho) / (V(1.0f) - rhohat)) - V(s.rho) / rhohat);
  }

  // Loads count (0..W) floats, the rest of the vector is fill. x86 uses masked
  // loads and stores (a row tail costs one instruction, and never touches memory past
  // the count); NEON goes through a stack buffer.
  TINYAE_KERNEL_INLINE static V load_partial(const float* p, Index count, float fill) {
#if defined(__AVX512F__)
    if constexpr (W == 16) {
      const auto mask = static_cast<__mmask16>((1u << count) - 1u);
      return V(_mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask, p));
    }
#endif
#if defined(__AVX2__)
    if constexpr (W == 8) {
      const __m256i mask = lane_mask_avx2(count);
      return V(_mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, mask),
                                _mm256_castsi256_ps(mask)));
    }
#endif
    alignas(kAlign) float buf[W];
    for (Index j = 0; j < W; ++j) buf[j] = j < count ? p[j] : fill;
    return V::load_aligned(buf);
  }
  TINYAE_KERNEL_INLINE static void store_partial(V v, float* p, Index count) {
#if defined(__AVX512F__)
    if constexpr (W == 16) {
      _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1u), v);
      return;
    }
#endif
#if defined(__AVX2__)
    if constexpr (W == 8) {
      _mm256_maskstore_ps(p, lane_mask_avx2(count), v);
      return;
    }
#endif
    alignas(kAlign) float buf[W];
    v.store_aligned(buf);
    // Bounded by W, not count: GCC 12 made a count-long memcpy of the loop and warned
    // (aarch64, -Werror) about paths with count >= W, which never get here.
    for (Index j = 0; j < W; ++j) {
      if (j < count) p[j] = buf[j];
    }
  }
#if defined(__AVX2__)
  // All-ones in the lanes below count.
  TINYAE_KERNEL_INLINE static __m256i lane_mask_avx2(Index count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
#endif
  TINYAE_KERNEL_INLINE static V load_n(const float* p, Index count, float fill) {
    return count >= W ? V::load_unaligned(p) : load_partial(p, count, fill);
  }
  TINYAE_KERNEL_INLINE static void store_n(V v, float* p, Index count) {
    if (count >= W) v.store_unaligned(p);
    else store_partial(v, p, count);
  }

  // The KL term for the W columns at j (count of them valid); 0 without KL.
  TINYAE_KERNEL_INLINE static V kl_at(const Sparsity& s, Index j, Index count) {
    return s.rhohat != nullptr ? kl_term(load_n(s.rhohat + j, count, 0.5f), s) : V(0.0f);
  }
  // The sparsity penalties' term for activations a: KL (per column, precomputed in
  // klv) plus l1 * sign(a).
  TINYAE_KERNEL_INLINE static V sparsity_term(const Sparsity& s, V klv, V a) {
    if (s.l1 == 0.0f) return klv;
    const V pos = xsimd::select(a > V(0.0f), V(s.l1), V(0.0f));
    return klv + pos - xsimd::select(a < V(0.0f), V(s.l1), V(0.0f));
  }

  // Element r of the result is the sum of rows[r] (r < W). xsimd 8.1's AVX-512 haddp
  // returns rows 2,3 <-> 4,5 and 10,11 <-> 12,13 swapped; feeding it the rows in that
  // (self-inverse) order gives the right result. The kernel tests check every ISA.
  TINYAE_KERNEL_INLINE static V sum_rows(V* rows) {
#if XSIMD_VERSION_MAJOR == 8 && XSIMD_VERSION_MINOR <= 1
    if constexpr (W == 16) {
      for (int base : {2, 10}) {
        for (int r = 0; r < 2; ++r) {
          const V t = rows[base + r];
          rows[base + r] = rows[base + 2 + r];
          rows[base + 2 + r] = t;
        }
      }
    }
#endif
    return xsimd::haddp(rows);
  }

  // ---- GEMM --------------------------------------------------------------------

#if defined(__AVX2__)
  // r[i][j] <- r[j][i] for a W x W tile (W = 16 or 8).
  static void transpose(V* r) {
#if defined(__AVX512F__)
    if constexpr (W == 16) {
      __m512 t[16], u[16];
      for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
      }
      // u[4i + c], in its 128-bit lane L: column 4L + c of rows 4i .. 4i + 3.
      for (int i = 0; i < 4; ++i) {
        u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int c = 0; c < 4; ++c) {
        const __m512 even_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
        const __m512 even_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
        const __m512 odd_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        const __m512 odd_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        r[c] = V(_mm512_shuffle_f32x4(even_lo, even_hi, 0x88));
        r[8 + c] = V(_mm512_shuffle_f32x4(even_lo, even_hi, 0xDD));
        r[4 + c] = V(_mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88));
        r[12 + c] = V(_mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD));
      }
      return;
    }
#endif
    if constexpr (W == 8) {
      __m256 t[8], u[8];
      for (int i = 0; i < 4; ++i) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
      }
      for (int i = 0; i < 2; ++i) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int c = 0; c < 4; ++c) {
        r[c] = V(_mm256_permute2f128_ps(u[c], u[4 + c], 0x20));
        r[4 + c] = V(_mm256_permute2f128_ps(u[c], u[4 + c], 0x31));
      }
    }
  }
#endif

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
      // time (the scalar copy below took a tenth of an mnist-dense training step).
      for (int v = 0; v < NV; ++v) {
        const Index rows = lanes(nvalid, v);  // valid columns j of this vector
        for (Index p0 = 0; p0 < kc; p0 += W) {
          const Index depth = kc - p0 < W ? kc - p0 : W;
          V r[W];
          for (Index jj = 0; jj < W; ++jj) {
            const float* src = b + (j0 + v * W + jj) * ldb + pc + p0;
            r[jj] = jj < rows ? load_n(src, depth, 0.0f) : V(0.0f);
          }
          transpose(r);
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
      exp_neg<U>(e);
      TINYAE_EACH(u) inv[u] = V(1.0f) / (V(1.0f) + e[u]);
      log1p_unit<U>(e, t);
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
      activate<U>(a, act);
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
  // column vector (4-5% faster on AVX2 than the column-by-column pass); partial ones
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
      activate<U>(r, ep.act);
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
        SimdF32<Arch, kRows, 1, KC>::gemm(m, n, k, a, rs, cs, b, ldb, b_nt, c, ldc, accumulate, ep);
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

  // ---- GEMV (batch 1) ----------------------------------------------------------

  // y[j] (+)= dot(x, W row j) for j < n, then the forward epilogue if bias/act given.
  // Long rows (784->32, 256->64) stream W from L2: it does not fit in L1. With 512-bit
  // loads, reading the rows one after another (one sequential stream) keeps the
  // prefetcher ahead where four rows read side by side did not (Zen 5: 784->32 65 -> 80
  // GFLOP/s, 256->64 55 -> 76). With narrower vectors the extra loads of x cost more than that
  // gains, and short rows gain nothing from it, so they take four rows at a time.
  static void gemv_nt(Index n, Index k, const float* x, const float* w, Index ldw, float* y,
                      bool accumulate, const float* bias, Activation act) {
    if (W >= 16 && k >= 4 * W) gemv_nt_stream(n, k, x, w, ldw, y, accumulate, bias);
    else gemv_nt_rows4(n, k, x, w, ldw, y, accumulate, bias);
    // The activation in a pass of its own (y is in L1): inside the loops its latency
    // was on each block's chain and held the next blocks back.
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
  // Lanes of vector v of a strip with nvalid columns: 0..W.
  TINYAE_KERNEL_INLINE static Index lanes(Index nvalid, int v) {
    const Index left = nvalid - v * W;
    return left <= 0 ? 0 : (left < W ? left : W);
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
        SimdF32<Arch, kRows, 1, KC>::conv_pixels(filters, channels, kernel, row, count, x, wt,
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
        SimdF32<Arch, kRows, 1, KC>::conv_pixels_gradient(filters, channels, kernel, row, lines,
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

  // ---- max pooling over channels-last pixels (see f32_kernels.hpp) ----------------

  static void max_pool2d(std::int32_t batch, std::int32_t height, std::int32_t width,
                         std::int32_t channels, const float* x, float* y) {
    for_each_pool_window(batch, height, width, channels, [&](const Index* at, Index o) {
      for (Index ch = 0; ch < channels; ch += W) {
        const Index count = channels - ch < W ? channels - ch : W;
        V m = load_n(x + at[0] + ch, count, 0.0f);
        for (int w = 1; w < 4; ++w) {
          const V v = load_n(x + at[w] + ch, count, 0.0f);
          m = xsimd::select(v > m, v, m);
        }
        store_n(m, y + o + ch, count);
      }
    });
  }

  // The scalar kernel's rule with selects: the gradient not yet routed passes from
  // place to place until the first maximum takes it (branches here mispredicted on the
  // data and kept the loop from vectorizing).
  static void max_pool2d_backward(std::int32_t batch, std::int32_t height, std::int32_t width,
                                  std::int32_t channels, const float* x, const float* dy,
                                  bool relu_input, float* dx) {
    const V floor(relu_input ? 0.0f : -std::numeric_limits<float>::infinity());
    for_each_pool_window(batch, height, width, channels, [&](const Index* at, Index o) {
      for (Index ch = 0; ch < channels; ch += W) {
        const Index count = channels - ch < W ? channels - ch : W;
        V xv[4];
        for (int w = 0; w < 4; ++w) xv[w] = load_n(x + at[w] + ch, count, 0.0f);
        V m = xv[0];
        for (int w = 1; w < 4; ++w) m = xsimd::select(xv[w] > m, xv[w], m);
        V rest = xsimd::select(m > floor, load_n(dy + o + ch, count, 0.0f), V(0.0f));
        V d[4];
        for (int w = 0; w < 3; ++w) {
          const auto first = xv[w] == m;
          d[w] = xsimd::select(first, rest, V(0.0f));
          rest = xsimd::select(first, V(0.0f), rest);
        }
        d[3] = rest;
        // Last to first, so a place the window repeats keeps its first occurrence's value.
        for (int w = 3; w >= 0; --w) store_n(d[w], dx + at[w] + ch, count);
      }
    });
  }

  // ---- the table's entries -----------------------------------------------------

  static void gemm_nt(std::int32_t m, std::int32_t n, std::int32_t k, const float* a,
                      std::int32_t lda, const float* b, std::int32_t ldb, float* c,
                      std::int32_t ldc, bool accumulate, GemmNt) {
    if (m == 1) {
      gemv_nt(n, k, a, b, ldb, c, accumulate, nullptr, Activation::identity);
      return;
    }
    gemm(m, n, k, a, lda, 1, b, ldb, true, c, ldc, accumulate, nullptr);
  }

  static void gemm_nn(std::int32_t m, std::int32_t n, std::int32_t k, const float* a,
                      std::int32_t lda, const float* b, std::int32_t ldb, float* c,
                      std::int32_t ldc, bool accumulate, GemmNn) {
    if (m == 1) {
      gemv_nn(n, k, a, 1, b, ldb, c, accumulate);
      return;
    }
    if (k == 1) {
      outer(m, n, a, lda, b, c, ldc, accumulate);
      return;
    }
    gemm(m, n, k, a, lda, 1, b, ldb, false, c, ldc, accumulate, nullptr);
  }

  static void gemm_tn(std::int32_t m, std::int32_t n, std::int32_t k, const float* a,
                      std::int32_t lda, const float* b, std::int32_t ldb, float* c,
                      std::int32_t ldc, bool accumulate, GemmTn) {
    if (m == 1) {
      gemv_nn(n, k, a, lda, b, ldb, c, accumulate);
      return;
    }
    if (k == 1) {  // one sample's weight gradient
      outer(m, n, a, 1, b, c, ldc, accumulate);
      return;
    }
    gemm(m, n, k, a, 1, lda, b, ldb, false, c, ldc, accumulate, nullptr);
  }

  static void dense_forward(std::int32_t m, std::int32_t n, std::int32_t k, const float* x,
                            std::int32_t ldx, const float* w, std::int32_t ldw, const float* bias,
                            Activation act, float* y, std::int32_t ldy) {
    if (m == 1) {
      gemv_nt(n, k, x, w, ldw, y, false, bias, act);
      return;
    }
    const Epilogue ep{Epilogue::Kind::forward, act, bias, nullptr, 0, nullptr};
    gemm(m, n, k, x, ldx, 1, w, ldw, true, y, ldy, false, &ep);
  }

  static void dense_forward_loss(std::int32_t m, std::int32_t n, std::int32_t k, const float* x,
                                 std::int32_t ldx, const float* w, std::int32_t ldw,
                                 const float* bias, Activation act, OutputLoss* loss, float* d,
                                 std::int32_t ldd) {
    if (m == 1) {
      gemv_nt(n, k, x, w, ldw, d, false, bias, Activation::identity);
      V sums[2] = {V(0.0f), V(0.0f)};
      for (Index j = 0; j < n; j += W) {
        const Index count = n - j < W ? n - j : W;
        const V z = load_n(d + j, count, 0.0f);
        const V y = load_n(loss->target + j, count, 0.0f);
        V delta = z;
        loss_delta<1>(&delta, &y, count, *loss, act, sums);
        store_n(delta, d + j, count);
      }
      add_sums(sums, loss);
      return;
    }
    const Epilogue ep{Epilogue::Kind::loss, act, bias, nullptr, 0, nullptr, loss};
    gemm(m, n, k, x, ldx, 1, w, ldw, true, d, ldd, false, &ep);
  }

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

  static void column_sum(std::int32_t m, std::int32_t n, const float* g, std::int32_t ldg,
                         float* sums, bool accumulate) {
    for (Index j = 0; j < n; j += W) {
      const Index count = n - j < W ? n - j : W;
      // Two chains over the rows to hide the add latency.
      V s0 = accumulate ? load_n(sums + j, count, 0.0f) : V(0.0f);
      V s1(0.0f);
      Index i = 0;
      for (; i + 2 <= m; i += 2) {
        s0 += load_n(g + i * ldg + j, count, 0.0f);
        s1 += load_n(g + (i + 1) * ldg + j, count, 0.0f);
      }
      if (i < m) s0 += load_n(g + i * ldg + j, count, 0.0f);
      store_n(s0 + s1, sums + j, count);
    }
  }

  static void delta_backward(std::int32_t m, std::int32_t n, std::int32_t k, const float* g,
                             std::int32_t ldg, const float* w, std::int32_t ldw, const float* a,
                             std::int32_t lda, Activation act, const Sparsity* kl, float* d,
                             std::int32_t ldd) {
    if (m == 1) {
      gemv_nn(n, k, g, 1, w, ldw, d, false);
      hidden_delta(1, n, a, lda, d, ldd, act, kl);
      return;
    }
    const Epilogue ep{Epilogue::Kind::backward, act, nullptr, a, lda, kl};
    gemm(m, n, k, g, ldg, 1, w, ldw, false, d, ldd, false, &ep);
  }

  static void adam_step(std::int64_t n, float* p, const float* g, float* m, float* v,
                        const AdamStep& s) {
    const V b1(s.beta1), c1(1.0f - s.beta1), b2(s.beta2), c2(1.0f - s.beta2);
    for (std::int64_t i = 0; i < n; i += W) {
      const Index count = n - i < W ? static_cast<Index>(n - i) : W;
      const V gv = load_n(g + i, count, 0.0f);
      const V mv = b1 * load_n(m + i, count, 0.0f) + c1 * gv;
      const V vv = b2 * load_n(v + i, count, 0.0f) + c2 * gv * gv;
      const V pv = load_n(p + i, count, 0.0f) -
                   V(s.step) * mv / (xsimd::sqrt(vv) * V(s.inv_sqrt_c2) + V(s.epsilon));
      store_n(mv, m + i, count);
      store_n(vv, v + i, count);
      store_n(pv, p + i, count);
    }
  }

  static void sgd_step(std::int64_t n, float* p, const float* g, float lr) {
    const V vlr(lr);
    std::int64_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      const V p0 = xsimd::fnma(vlr, V::load_unaligned(g + i), V::load_unaligned(p + i));
      const V p1 = xsimd::fnma(vlr, V::load_unaligned(g + i + W), V::load_unaligned(p + i + W));
      p0.store_unaligned(p + i);
      p1.store_unaligned(p + i + W);
    }
    for (; i < n; i += W) {
      const Index count = n - i < W ? static_cast<Index>(n - i) : W;
      store_n(xsimd::fnma(vlr, load_n(g + i, count, 0.0f), load_n(p + i, count, 0.0f)), p + i,
              count);
    }
  }

  static void activate(std::int64_t n, const float* x, float* y, Activation act) {
    for (std::int64_t i = 0; i < n; i += W) {
      const Index count = n - i < W ? static_cast<Index>(n - i) : W;
      store_n(activate(load_n(x + i, count, 0.0f), act), y + i, count);
    }
  }

  // Sum over i < n of term(i, count) (a vector whose lanes from count on are zero):
  // float sums in a vector for at most kChunk vectors (a relative error of about
  // kChunk * 2^-24 at worst), then in double.
  template <class Term>
  TINYAE_KERNEL_INLINE static double chunked_sum(std::int64_t n, Term term) {
    constexpr std::int64_t kChunk = 64 * W;
    double total = 0;
    for (std::int64_t c0 = 0; c0 < n; c0 += kChunk) {
      const std::int64_t c1 = n - c0 < kChunk ? n : c0 + kChunk;
      V acc(0.0f);
      for (std::int64_t i = c0; i < c1; i += W) {
        acc += term(i, c1 - i < W ? static_cast<Index>(c1 - i) : W);
      }
      total += static_cast<double>(xsimd::hadd(acc));
    }
    return total;
  }

  static double bce_sum(std::int64_t n, const float* z, const float* y) {
    return chunked_sum(n, [&](std::int64_t i, Index count) {
      const V zv = load_n(z + i, count, 0.0f);
      const V yv = load_n(y + i, count, 0.0f);
      V e = xsimd::abs(zv);
      exp_neg<1>(&e);
      V t;
      log1p_unit<1>(&e, &t);
      t += xsimd::max(zv, V(0.0f)) - zv * yv;
      return count < W ? load_partial_of(t, count) : t;
    });
  }

  // v with the lanes from count on set to zero.
  TINYAE_KERNEL_INLINE static V load_partial_of(V v, Index count) {
    alignas(kAlign) float buf[W];
    v.store_aligned(buf);
    return load_partial(buf, count, 0.0f);
  }

  static constexpr F32Kernels table(const char* isa) { return make_f32_table<SimdF32>(isa); }
};

}  // namespace
}  // namespace tinyae::kernels

#undef TINYAE_KERNEL_INLINE
