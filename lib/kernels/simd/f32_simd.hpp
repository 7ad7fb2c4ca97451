// The vectorized float kernels, written once for any xsimd architecture, and the
// table of them (make_f32_table fills it by the names in f32_kernels.inc).
//
// Only the per-ISA sources (avx512/, avx2/, neon/) include this header, each compiled
// with its own -m flags. Everything here has internal linkage (anonymous namespace),
// so copies built for different ISAs are never merged by the linker. What lives where:
//   vmath.hpp        activations, exp/log1p, sparsity terms, partial loads and stores
//   arch_avx2.hpp, arch_avx512.hpp   the x86 intrinsics vmath and gemm use (NEON needs
//                    none: xsimd covers it, row tails go through a stack buffer)
//   gemm.hpp         packed GEMM, its micro-kernel and fused epilogues
//   gemv.hpp         batch-1 products and the rank-1 update
//   conv.hpp         direct convolutions and their weight gradients
//   pool.hpp         2x2 max pooling
//   f32_simd.hpp     the table's entries (and the elementwise kernels: column sums,
//                    hidden delta, SGD and Adam steps, BCE sum) on top of those
// SimdF32<Arch, MR, NV, KC>: MR x NV vectors is the GEMM micro-kernel's tile, KC its k
// block; the ISA sources name each instantiation by tile and ISA.
#pragma once

#include <limits>
#include <type_traits>

#include "../gaussian_noise.hpp"
#include "pool.hpp"

namespace tinyae::kernels {
namespace {

// gaussian_noise.hpp's operations on vectors: the same correctly rounded steps.
template <class Arch>
struct NoiseOps {
  using F = xsimd::batch<float, Arch>;
  using U = xsimd::batch<std::uint32_t, Arch>;
  using I = xsimd::batch<std::int32_t, Arch>;
  static F fma(F a, F b, F c) {
#if defined(__AVX512F__)
    // xsimd 8 has no AVX-512 fma: its generic a * b + c rounds twice unless contracted.
    if constexpr (F::size == 16) return F(_mm512_fmadd_ps(a, b, c));
#endif
    return xsimd::fma(a, b, c);
  }
  static F sqrt(F x) {
#if defined(__aarch64__)
    // xsimd 8's NEON square root (also neon64's) is an estimate and Newton steps, not
    // correctly rounded; fsqrt is.
    return F(vsqrtq_f32(x));
#elif defined(__ARM_NEON)
    // ARMv7 NEON has no square root instruction: VFP's vsqrt, lane by lane.
    alignas(16) float v[F::size];
    x.store_aligned(v);
    for (float& e : v) e = std::sqrt(e);
    return F::load_aligned(v);
#else
    return xsimd::sqrt(x);
#endif
  }
  static F to_float(I x) { return xsimd::to_float(x); }
  static I to_int(U x) { return xsimd::bitwise_cast<I>(x); }
  static I bits(F x) { return xsimd::bitwise_cast<I>(x); }
  static F from_bits(I b) { return xsimd::bitwise_cast<F>(b); }
  static F select(typename F::batch_bool_type c, F a, F b) { return xsimd::select(c, a, b); }
  static F max(F a, F b) { return xsimd::select(a > b, a, b); }
};

template <class Arch, int MR, int NV, int KC>
struct SimdF32 : F32Pool<Arch, MR, NV, KC> {
  using Base = F32Pool<Arch, MR, NV, KC>;
  using typename Base::V;
  using Base::W;
  using Base::add_sums;
  using Base::delta_of;
  using Base::exp_neg;
  using Base::gemm;
  using Base::gemv_nn;
  using Base::gemv_nt;
  using Base::kl_at;
  using Base::lanes;
  using Base::load_n;
  using Base::load_partial_of;
  using Base::log1p_unit;
  using Base::loss_delta;
  using Base::outer;
  using Base::store_n;
  using Base::activate;
  using Base::hidden_delta;

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
        Base::template loss_delta<1>(&delta, &y, count, *loss, act, sums);
        store_n(delta, d + j, count);
      }
      add_sums(sums, loss);
      return;
    }
    const Epilogue ep{Epilogue::Kind::loss, act, bias, nullptr, 0, nullptr, loss};
    gemm(m, n, k, x, ldx, 1, w, ldw, true, d, ldd, false, &ep);
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

  static void dense_sgd_backward(std::int32_t n, std::int32_t k, const float* d, const float* x,
                                 float* w, std::int32_t ldw, float* bias, float lr, float* dx) {
    Base::gemv_nn_sgd(k, n, d, x, w, ldw, lr, dx);
    sgd_step(n, bias, d, lr);
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
      Base::template exp_neg<1>(&e);
      V t;
      Base::template log1p_unit<1>(&e, &t);
      t += xsimd::max(zv, V(0.0f)) - zv * yv;
      return count < W ? load_partial_of(t, count) : t;
    });
  }


  // Whole blocks of 32 values as 16 / W vectors of pairs; the ragged ends per value.
  static void add_noise(std::int64_t n, const float* clean, float stddev, bool clip,
                        const NoiseKey& key, std::uint64_t first, float* noisy) {
    using Ops = NoiseOps<typename V::arch_type>;
    using U = typename Ops::U;
    static_assert(16 % W == 0, "a block of 32 values is whole vectors of pairs");
    std::int64_t i = 0;
    auto one = [&](std::int64_t at) {
      const float z = noise::value(key, first + static_cast<std::uint64_t>(at));
      noisy[at] = noise::noisy_value(clean[at], z, stddev, clip);
    };
    for (; i < n && ((first + static_cast<std::uint64_t>(i)) & 31u) != 0; ++i) one(i);
    alignas(64) std::uint32_t lane[W];
    for (int l = 0; l < W; ++l) lane[l] = static_cast<std::uint32_t>(l);
    const U iota = U::load_aligned(lane);
    const V sd(stddev), zero(0.0f), one_v(1.0f);
    auto out = [&](V z, std::int64_t at) {
      V v = Ops::fma(z, sd, V::load_unaligned(clean + at));
      if (clip) {
        v = xsimd::select(v > zero, v, zero);
        v = xsimd::select(v > one_v, one_v, v);
      }
      v.store_unaligned(noisy + at);
    };
    for (; i + 32 <= n; i += 32) {
      const auto block = static_cast<std::uint32_t>((first + static_cast<std::uint64_t>(i)) >> 5);
      for (int g = 0; g < 16; g += W) {
        V c, s;
        noise::pair<Ops>(U(block * 16u + static_cast<std::uint32_t>(g)) + iota, key, &c, &s);
        out(c, i + g);
        out(s, i + 16 + g);
      }
    }
    for (; i < n; ++i) one(i);
  }

  static constexpr F32Kernels table(const char* isa) { return make_f32_table<SimdF32>(isa); }
};

}  // namespace
}  // namespace tinyae::kernels

#undef TINYAE_EACH
#undef TINYAE_KERNEL_INLINE
