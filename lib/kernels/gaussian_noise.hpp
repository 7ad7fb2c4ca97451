// The Gaussian noise stream of denoising training (the add_noise kernel), written once
// for a float (the scalar table, and every ISA's ragged ends) and for an xsimd batch
// (the vector tables), so every ISA gives the same bits.
//
// The stream is counter-based: value i of a key is a function of (key, i) alone, so
// any part of a batch can make its own rows' noise, in any order, on any thread.
//   - Values come in blocks of 32: value i is the cosine (i % 32 < 16) or the sine
//     (i % 32 >= 16) half of Box-Muller pair p = (i / 32) * 16 + i % 16 (mod 2^32),
//     which lets a 4-, 8- or 16-lane vector make whole pairs without shuffles.
//   - Pair p's two uniforms are the top 24 bits of h0 = mix(p ^ key.k0) and of
//     h1 = mix(p ^ key.k1), mix being Wellons's lowbias32 (a bijection of 32 bits).
//   - u = (h0 >> 8) + 1 over 2^24, in (0, 1]; r = sqrt(-2 ln u) (ln by Cephes's logf
//     polynomial, at most 5.77).
//   - The angle 2 pi (h1 >> 8) / 2^24 is split exactly into a quadrant and an offset
//     of at most pi/4, whose sine and cosine come from Cephes's sinf/cosf polynomials.
//   - noisy = fma(r cos or r sin, stddev, clean), clipped to [0, 1] when asked.
// Every step is an exact integer operation, an exact conversion, or one correctly
// rounded float operation (multiply-adds are explicit fmas, so a compiler has no
// product and sum to contract), and no intermediate is subnormal (ARMv7 NEON flushes
// those). Against Box-Muller in double on 2^24 values the error is at most
// 1.4e-7 (1 + |z|) (tests/kernels/test_f32_kernels.cpp checks 2.5e-7).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "f32_kernels.hpp"

namespace tinyae::kernels {
namespace {
namespace noise {

// a * b + c rounded once: the instruction where the target has one; else (baseline
// x86-64) without libm's fmaf, which firmware may lack: a * b is exact in double, and
// the sum rounded to odd and then to float is the correctly rounded result (Boldo and
// Melquiond, "Emulation of FMA and correctly rounded sums", 2008).
inline float fma_float(float a, float b, float c) {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
  return std::fma(a, b, c);
#else
  const double p = static_cast<double>(a) * static_cast<double>(b);
  const double s = p + static_cast<double>(c);
  const double back = s - p;
  const double error = (p - (s - back)) + (static_cast<double>(c) - back);  // TwoSum
  std::uint64_t bits;
  std::memcpy(&bits, &s, sizeof bits);
  if (error != 0.0 && (bits & 1u) == 0) {  // inexact and even: step to the odd neighbour
    bits = (error > 0.0) == (s > 0.0) ? bits + 1 : bits - 1;
  }
  double odd;
  std::memcpy(&odd, &bits, sizeof odd);
  return static_cast<float>(odd);
#endif
}

// ---- the operations, for floats --------------------------------------------------
// (vector versions live in simd/f32_simd.hpp's NoiseOps; both give the same bits)
struct ScalarOps {
  using F = float;
  using U = std::uint32_t;
  using I = std::int32_t;
  static F fma(F a, F b, F c) { return fma_float(a, b, c); }
  static F sqrt(F x) { return std::sqrt(x); }
  static F to_float(I x) { return static_cast<F>(x); }
  static I to_int(U x) { return static_cast<I>(x); }
  static I bits(F x) {
    I b;
    std::memcpy(&b, &x, sizeof b);
    return b;
  }
  static F from_bits(I b) {
    F x;
    std::memcpy(&x, &b, sizeof x);
    return x;
  }
  static F select(bool c, F a, F b) { return c ? a : b; }
  static F max(F a, F b) { return a > b ? a : b; }
};

// Wellons's lowbias32: a bijection of 32 bits with low avalanche bias.
template <class U>
inline U mix(U x) {
  x ^= x >> 16;
  x *= U(0x7feb352du);
  x ^= x >> 15;
  x *= U(0x846ca68bu);
  x ^= x >> 16;
  return x;
}

// The Box-Muller pair p of key: *c = r cos(theta), *s = r sin(theta).
template <class Ops>
inline void pair(typename Ops::U p, const NoiseKey& key, typename Ops::F* c, typename Ops::F* s) {
  using F = typename Ops::F;
  using U = typename Ops::U;
  using I = typename Ops::I;
  const U h0 = mix(p ^ U(key.k0));
  const U h1 = mix(p ^ U(key.k1));

  // ln u = ln j - 24 ln 2 for j = (h0 >> 8) + 1 in [1, 2^24] (exact as a float):
  // j = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = t - t^2/2 + t^3 P(t), t = m - 1.
  const F j = Ops::to_float(Ops::to_int(h0 >> 8) + I(1));
  const I jb = Ops::bits(j);
  F ef = Ops::to_float((jb >> 23) - I(127 + 24));
  F m = Ops::from_bits((jb & I(0x007fffff)) | I(0x3f800000));
  const auto big = m > F(1.41421356f);
  m = Ops::select(big, m * F(0.5f), m);
  ef = Ops::select(big, ef + F(1.0f), ef);
  const F t = m - F(1.0f);  // exact (Sterbenz)
  const F z = t * t;
  F q = F(7.0376836292e-2f);
  q = Ops::fma(q, t, F(-1.1514610310e-1f));
  q = Ops::fma(q, t, F(1.1676998740e-1f));
  q = Ops::fma(q, t, F(-1.2420140846e-1f));
  q = Ops::fma(q, t, F(1.4249322787e-1f));
  q = Ops::fma(q, t, F(-1.6668057665e-1f));
  q = Ops::fma(q, t, F(2.0000714765e-1f));
  q = Ops::fma(q, t, F(-2.4999993993e-1f));
  q = Ops::fma(q, t, F(3.3333331174e-1f));
  F y = (t * z) * q;
  y = Ops::fma(ef, F(-2.12194440e-4f), y);
  y = Ops::fma(z, F(-0.5f), y);
  F ln_u = t + y;
  ln_u = Ops::fma(ef, F(0.693359375f), ln_u);
  const F r = Ops::sqrt(Ops::max(ln_u * F(-2.0f), F(0.0f)));

  // theta = 2 pi a / 2^24 = (k + f) pi/2 with a = h1 >> 8, k = round(a / 2^22) and
  // f = a / 2^22 - k in [-1/2, 1/2), both exact.
  const U a = h1 >> 8;
  const U k = (a + U(1u << 21)) >> 22;
  const F f = Ops::to_float(Ops::to_int(a) - Ops::to_int(k << 22)) * F(1.0f / 4194304.0f);
  const F x = f * F(1.57079632679489662f);
  const F x2 = x * x;
  F ps = F(-1.9515295891e-4f);
  ps = Ops::fma(ps, x2, F(8.3321608736e-3f));
  ps = Ops::fma(ps, x2, F(-1.6666654611e-1f));
  const F sin_x = Ops::fma(ps * x2, x, x);
  F pc = F(2.443315711809948e-5f);
  pc = Ops::fma(pc, x2, F(-1.388731625493765e-3f));
  pc = Ops::fma(pc, x2, F(4.166664568298827e-2f));
  const F cos_x = Ops::fma(x2, F(-0.5f), pc * (x2 * x2)) + F(1.0f);
  // Quadrant k % 4 turns (cos x, sin x) by k right angles.
  // Quadrant k % 4 turns (cos x, sin x) by k right angles (the masks from exact
  // conversions: a denormal bit pattern would read as 0 where denormals flush).
  const auto odd = Ops::to_float(Ops::to_int(k & U(1))) != F(0.0f);
  const auto cos_negative = Ops::to_float(Ops::to_int((k + U(1)) & U(2))) != F(0.0f);  // 1, 2
  const auto sin_negative = Ops::to_float(Ops::to_int(k & U(2))) != F(0.0f);           // 2, 3
  const F cos_abs = Ops::select(odd, sin_x, cos_x);
  const F sin_abs = Ops::select(odd, cos_x, sin_x);
  *c = r * Ops::select(cos_negative, -cos_abs, cos_abs);
  *s = r * Ops::select(sin_negative, -sin_abs, sin_abs);
}

// Value i of key's stream, N(0, 1).
inline float value(const NoiseKey& key, std::uint64_t i) {
  const auto lane = static_cast<std::uint32_t>(i & 15u);
  const auto p = static_cast<std::uint32_t>((i >> 5) * 16u + lane);
  float c, s;
  pair<ScalarOps>(p, key, &c, &s);
  return (i & 16u) == 0 ? c : s;
}

inline float noisy_value(float clean, float z, float stddev, bool clip) {
  const float v = fma_float(z, stddev, clean);
  return clip ? (v > 1.0f ? 1.0f : (v > 0.0f ? v : 0.0f)) : v;
}

}  // namespace noise
}  // namespace
}  // namespace tinyae::kernels
