// Vector math for the float kernels, written once for any xsimd architecture: the
// activations and their derivatives (exp and log1p by inline polynomials), the
// sparsity terms, partial loads and stores of row tails, and horizontal sums. The
// x86 intrinsics behind some of them live in arch_avx2.hpp and arch_avx512.hpp.
// Included by the other simd/ headers only; internal linkage, as f32_simd.hpp says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <xsimd/xsimd.hpp>

#include "../f32_kernels.hpp"

// Tile helpers must inline, or the accumulators are spilled to pass them by pointer.
#define TINYAE_KERNEL_INLINE __attribute__((always_inline)) inline

#include "arch_avx2.hpp"
#include "arch_avx512.hpp"

namespace tinyae::kernels {
namespace {

using Index = std::ptrdiff_t;

template <class Arch>
struct VMath {
  using V = xsimd::batch<float, Arch>;
  static constexpr int W = static_cast<int>(V::size);
  static constexpr int kAlign = W * 4 > 16 ? W * 4 : 16;

  // ---- vector math -------------------------------------------------------------

  // The elementwise math below works on U vectors at once: U independent dependency
  // chains, interleaved, keep the pipes busy where one chain of ~20 dependent
  // operations would wait on latency (the epilogues call it with U = 2 to 8).
#define TINYAE_EACH(u) _Pragma("GCC unroll 16") for (int u = 0; u < U; ++u)

  // x with |x| clamped to c: one vrangeps with AVX-512DQ, else a min and a max.
  TINYAE_KERNEL_INLINE static V clamp_abs(V x, float c) {
#if defined(__AVX512DQ__)
    if constexpr (W == 16) return V(clamp_abs_avx512(x, c));
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
    if constexpr (W == 16) return V(load_partial_avx512(p, count, fill));
#endif
#if defined(__AVX2__)
    if constexpr (W == 8) return V(load_partial_avx2(p, count, fill));
#endif
    alignas(kAlign) float buf[W];
    for (Index j = 0; j < W; ++j) buf[j] = j < count ? p[j] : fill;
    return V::load_aligned(buf);
  }
  TINYAE_KERNEL_INLINE static void store_partial(V v, float* p, Index count) {
#if defined(__AVX512F__)
    if constexpr (W == 16) {
      store_partial_avx512(v, p, count);
      return;
    }
#endif
#if defined(__AVX2__)
    if constexpr (W == 8) {
      store_partial_avx2(v, p, count);
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


  // Lanes of vector v of a strip with nvalid columns: 0..W.
  TINYAE_KERNEL_INLINE static Index lanes(Index nvalid, int v) {
    const Index left = nvalid - v * W;
    return left <= 0 ? 0 : (left < W ? left : W);
  }

  // v with the lanes from count on set to zero.
  TINYAE_KERNEL_INLINE static V load_partial_of(V v, Index count) {
    alignas(kAlign) float buf[W];
    v.store_aligned(buf);
    return load_partial(buf, count, 0.0f);
  }

  static void activate(std::int64_t n, const float* x, float* y, Activation act) {
    for (std::int64_t i = 0; i < n; i += W) {
      const Index count = n - i < W ? static_cast<Index>(n - i) : W;
      store_n(activate(load_n(x + i, count, 0.0f), act), y + i, count);
    }
  }
};

}  // namespace
}  // namespace tinyae::kernels
