// Every float kernel on every ISA this CPU has, against a double-accumulating naive
// reference: sizes 1..70 with primes and non-multiples of the vector widths, depths
// past the k blocking, leading dimensions wider than the matrix, misaligned pointers,
// and canaries around (and between the rows of) every output.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "kernels/f32_kernels.hpp"
#include "kernels/gaussian_noise.hpp"
#include "tinyae/isa.hpp"
#include "../reference_math.hpp"
#include "../test_skip.hpp"

namespace tk = tinyae::kernels;
using tinyae::Activation;

namespace {

using tinyae::test::activate_double;

constexpr float kCanary = -12345.678f;
const int kSizes[] = {1, 2, 3, 5, 7, 8, 11, 12, 13, 16, 17, 24, 31, 33, 47, 64, 70};
const int kDepths[] = {1, 2, 3, 7, 16, 17, 31, 64, 70, 257, 600};
const Activation kActs[] = {Activation::identity, Activation::sigmoid, Activation::tanh,
                            Activation::relu};

// Small deterministic generator for test data in [-1, 1).
struct Lcg {
  std::uint64_t s;
  float next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>(static_cast<double>(s >> 40) / 8388608.0 - 1.0);
  }
};

// A matrix of rows x cols with leading dimension ld, placed one float past a 64-byte
// boundary (misaligned for every vector width), surrounded by canaries.
struct Buf {
  std::vector<float> mem;
  std::int32_t rows, cols, ld;
  static constexpr std::size_t kPad = 17;
  Buf(std::int32_t r, std::int32_t c, std::int32_t extra_ld, Lcg* rng)
      : mem(kPad + static_cast<std::size_t>(r) * static_cast<std::size_t>(c + extra_ld) + kPad +
                16,
            kCanary),
        rows(r),
        cols(c),
        ld(c + extra_ld) {
    for (std::int32_t i = 0; i < r; ++i) {
      for (std::int32_t j = 0; j < c; ++j) at(i, j) = rng->next();
    }
  }
  float* data() { return mem.data() + kPad; }
  float& at(std::int32_t i, std::int32_t j) {
    return data()[static_cast<std::size_t>(i) * static_cast<std::size_t>(ld) +
                  static_cast<std::size_t>(j)];
  }
  float at(std::int32_t i, std::int32_t j) const {
    return mem[kPad + static_cast<std::size_t>(i) * static_cast<std::size_t>(ld) +
               static_cast<std::size_t>(j)];
  }
  // Every float outside the rows x cols window still holds the canary.
  bool canaries_intact() const {
    for (std::size_t idx = 0; idx < mem.size(); ++idx) {
      const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(idx) - static_cast<std::ptrdiff_t>(kPad);
      bool inside = false;
      if (off >= 0 && ld > 0) {
        const std::ptrdiff_t i = off / ld;
        const std::ptrdiff_t j = off % ld;
        inside = i < rows && j < cols;
      }
      if (!inside && mem[idx] != kCanary) return false;
    }
    return true;
  }
};

double deriv_ref(Activation act, double a) {
  switch (act) {
    case Activation::sigmoid: return a * (1 - a);
    case Activation::tanh: return 1 - a * a;
    case Activation::relu: return a > 0 ? 1 : 0;
    case Activation::identity: break;
  }
  return 1;
}

// Float error bound for a sum of k products whose absolute values sum to mag.
double tolerance(int k, double mag) {
  return 4.0 * 1.2e-7 * std::sqrt(static_cast<double>(k) + 1.0) * (mag + 1e-30) + 1e-7;
}

enum class Form { nt, nn, tn };

// Checks one GEMM of the given form on one table.
void check_gemm(const tk::F32Kernels& kt, Form form, int m, int n, int k, bool accumulate,
                int extra_ld, std::uint64_t seed) {
  Lcg rng{seed};
  // A is m x k (nt, nn) or k x m (tn); B is n x k (nt) or k x n (nn, tn).
  Buf a = form == Form::tn ? Buf(k, m, extra_ld, &rng) : Buf(m, k, extra_ld, &rng);
  Buf b = form == Form::nt ? Buf(n, k, extra_ld + 1, &rng) : Buf(k, n, extra_ld + 1, &rng);
  Buf c(m, n, extra_ld + 2, &rng);
  Buf c0 = c;
  auto av = [&](int i, int p) { return form == Form::tn ? a.at(p, i) : a.at(i, p); };
  auto bv = [&](int p, int j) { return form == Form::nt ? b.at(j, p) : b.at(p, j); };
  if (form == Form::nt) {
    kt.gemm_nt(m, n, k, a.data(), a.ld, b.data(), b.ld, c.data(), c.ld, accumulate);
  } else if (form == Form::nn) {
    kt.gemm_nn(m, n, k, a.data(), a.ld, b.data(), b.ld, c.data(), c.ld, accumulate);
  } else {
    kt.gemm_tn(m, n, k, a.data(), a.ld, b.data(), b.ld, c.data(), c.ld, accumulate);
  }
  INFO(kt.isa << (form == Form::nt ? " gemm_nt" : form == Form::nn ? " gemm_nn" : " gemm_tn")
               << " m=" << m << " n=" << n << " k=" << k << " accumulate=" << accumulate
               << " extra_ld=" << extra_ld);
  int bad = 0;
  for (int i = 0; i < m && bad < 3; ++i) {
    for (int j = 0; j < n && bad < 3; ++j) {
      double sum = accumulate ? c0.at(i, j) : 0.0;
      double mag = std::fabs(sum);
      for (int p = 0; p < k; ++p) {
        sum += static_cast<double>(av(i, p)) * bv(p, j);
        mag += std::fabs(static_cast<double>(av(i, p)) * bv(p, j));
      }
      if (std::fabs(c.at(i, j) - sum) > tolerance(k, mag)) {
        ++bad;
        INFO("C[" << i << "][" << j << "] = " << c.at(i, j) << ", expected " << sum);
        CHECK(false);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(c.canaries_intact());
}

// conv_planes against a double-accumulating direct convolution, x sized exactly to the
// last float the kernel may read.
void check_conv_planes(const tk::F32Kernels& kt, int filters, int channels, int kernel, int row,
                       int count, int extra, std::uint64_t seed) {
  Lcg rng{seed};
  const std::int64_t reach = count + std::int64_t{kernel - 1} * (row + 1);  // one plane's reads
  const std::int64_t plane = reach + extra;
  std::vector<float> x(static_cast<std::size_t>((channels - 1) * plane + reach));
  for (float& v : x) v = rng.next();
  Buf w(filters, kernel * kernel * channels, extra, &rng);
  Buf y(filters, count, extra + 1, &rng);
  kt.conv_planes(filters, channels, kernel, row, plane, count, x.data(), w.data(), w.ld, y.data(),
                 y.ld);
  INFO(kt.isa << " conv_planes filters=" << filters << " channels=" << channels
               << " kernel=" << kernel << " row=" << row << " count=" << count
               << " extra=" << extra);
  int bad = 0;
  for (int f = 0; f < filters && bad < 3; ++f) {
    for (int i = 0; i < count && bad < 3; ++i) {
      double sum = 0;
      double mag = 0;
      for (int ky = 0; ky < kernel; ++ky) {
        for (int kx = 0; kx < kernel; ++kx) {
          for (int c = 0; c < channels; ++c) {
            const double t = static_cast<double>(w.at(f, (ky * kernel + kx) * channels + c)) *
                             x[static_cast<std::size_t>(c * plane + i + ky * row + kx)];
            sum += t;
            mag += std::fabs(t);
          }
        }
      }
      if (std::fabs(y.at(f, i) - sum) > tolerance(kernel * kernel * channels, mag)) {
        ++bad;
        INFO("y[" << f << "][" << i << "] = " << y.at(f, i) << ", expected " << sum);
        CHECK(false);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(y.canaries_intact());
}

// The two ways the direct-convolution kernels lay out one filter's numbers: conv_pixels
// and conv_pixels_gradient patch-major (w[k][f]), vectorized over filters;
// conv_one_filter and conv_runs_gradient filter-major (w[f][k]), vectorized over each
// kernel row's inputs (conv_one_filter has one filter, its weights contiguous).
enum class ConvLayout { patch_major, filter_major };

// conv_pixels, or with filter_major conv_one_filter (filters = 1), against a
// double-accumulating direct convolution with bias and activation, x sized exactly to
// the last pixel the kernel may read.
void check_direct_conv(const tk::F32Kernels& kt, ConvLayout layout, int filters, int channels,
                       int kernel, int row, int count, Activation act, bool with_bias, int extra,
                       std::uint64_t seed) {
  const bool one_filter = layout == ConvLayout::filter_major;
  Lcg rng{seed};
  const std::int64_t pixels = count + std::int64_t{kernel - 1} * (row + 1);
  std::vector<float> x(static_cast<std::size_t>(pixels * channels));
  for (float& v : x) v = rng.next();
  const int patch = kernel * kernel * channels;
  Buf w = one_filter ? Buf(1, patch, extra, &rng) : Buf(patch, filters, extra, &rng);
  std::vector<float> bias(static_cast<std::size_t>(filters));
  for (float& v : bias) v = rng.next();
  Buf y = one_filter ? Buf(1, count, extra + 1, &rng) : Buf(count, filters, extra + 1, &rng);
  const float* b = with_bias ? bias.data() : nullptr;
  if (one_filter) {
    kt.conv_one_filter(channels, kernel, row, count, x.data(), w.data(), b, act, y.data());
  } else {
    kt.conv_pixels(filters, channels, kernel, row, count, x.data(), w.data(), w.ld, b, act,
                   y.data(), y.ld);
  }
  INFO(kt.isa << (one_filter ? " conv_one_filter" : " conv_pixels") << " filters=" << filters
               << " channels=" << channels << " kernel=" << kernel << " row=" << row
               << " count=" << count << " act=" << static_cast<int>(act) << " bias=" << with_bias
               << " extra=" << extra);
  auto weight = [&](int k, int f) { return one_filter ? w.at(0, k) : w.at(k, f); };
  auto out = [&](int i, int f) { return one_filter ? y.at(0, i) : y.at(i, f); };
  int bad = 0;
  for (int i = 0; i < count && bad < 3; ++i) {
    for (int f = 0; f < filters && bad < 3; ++f) {
      double z = with_bias ? bias[static_cast<std::size_t>(f)] : 0.0;
      double mag = std::fabs(z);
      for (int ky = 0; ky < kernel; ++ky) {
        for (int kx = 0; kx < kernel; ++kx) {
          for (int c = 0; c < channels; ++c) {
            const double t = static_cast<double>(weight((ky * kernel + kx) * channels + c, f)) *
                             x[static_cast<std::size_t>((i + ky * row + kx) * channels + c)];
            z += t;
            mag += std::fabs(t);
          }
        }
      }
      const double want = activate_double(act, z);
      // The activation's slope is at most 1, so the sum's error bound carries over.
      if (std::fabs(out(i, f) - want) > tolerance(patch, mag) + 4e-7 * std::fabs(want)) {
        ++bad;
        INFO("y[" << i << "][" << f << "] = " << out(i, f) << ", expected " << want);
        CHECK(false);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(y.canaries_intact());
}

// conv_pixels_gradient, or with filter_major conv_runs_gradient, against double sums of
// products, with and without accumulating, x sized exactly to the last pixel the kernel
// may read.
void check_conv_weight_gradient(const tk::F32Kernels& kt, ConvLayout layout, int filters,
                                int channels, int kernel, int lines, int width, bool accumulate,
                                int extra, std::uint64_t seed) {
  const bool runs = layout == ConvLayout::filter_major;
  Lcg rng{seed};
  const int row = width + kernel - 1 + extra;
  const std::int64_t pixels = std::int64_t{lines - 1 + kernel - 1} * row + width + kernel - 1;
  std::vector<float> x(static_cast<std::size_t>(pixels * channels));
  for (float& v : x) v = rng.next();
  Buf dz(lines * width, filters, extra, &rng);
  const int patch = kernel * kernel * channels;
  Buf dw = runs ? Buf(filters, patch, extra + 1, &rng) : Buf(patch, filters, extra + 1, &rng);
  const Buf dw0 = dw;
  if (runs) {
    kt.conv_runs_gradient(filters, channels, kernel, row, lines, width, x.data(), dz.data(), dz.ld,
                          dw.data(), dw.ld, accumulate);
  } else {
    kt.conv_pixels_gradient(filters, channels, kernel, row, lines, width, x.data(), dz.data(),
                            dz.ld, dw.data(), dw.ld, accumulate);
  }
  INFO(kt.isa << (runs ? " conv_runs_gradient" : " conv_pixels_gradient")
               << " filters=" << filters << " channels=" << channels << " kernel=" << kernel
               << " lines=" << lines << " width=" << width << " accumulate=" << accumulate
               << " extra=" << extra);
  auto entry = [&](const Buf& m, int k, int f) { return runs ? m.at(f, k) : m.at(k, f); };
  int bad = 0;
  for (int k = 0; k < patch && bad < 3; ++k) {
    const int ky = k / channels / kernel;
    const int kx = k / channels % kernel;
    const int c = k % channels;
    for (int f = 0; f < filters && bad < 3; ++f) {
      double sum = accumulate ? entry(dw0, k, f) : 0.0;
      double mag = std::fabs(sum);
      for (int l = 0; l < lines; ++l) {
        for (int o = 0; o < width; ++o) {
          const double t = static_cast<double>(dz.at(l * width + o, f)) *
                           x[static_cast<std::size_t>(((l + ky) * row + o + kx) * channels + c)];
          sum += t;
          mag += std::fabs(t);
        }
      }
      if (std::fabs(entry(dw, k, f) - sum) > tolerance(lines * width, mag)) {
        ++bad;
        INFO("dw[k=" << k << "][f=" << f << "] = " << entry(dw, k, f) << ", expected " << sum);
        CHECK(false);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(dw.canaries_intact());
}

void check_dense_forward(const tk::F32Kernels& kt, int m, int n, int k, Activation act,
                         bool with_bias, std::uint64_t seed) {
  Lcg rng{seed};
  Buf x(m, k, 3, &rng);
  Buf w(n, k, 1, &rng);
  Buf bias(1, n, 0, &rng);
  Buf y(m, n, 5, &rng);
  kt.dense_forward(m, n, k, x.data(), x.ld, w.data(), w.ld, with_bias ? bias.data() : nullptr,
                   act, y.data(), y.ld);
  INFO(kt.isa << " dense_forward m=" << m << " n=" << n << " k=" << k << " act="
               << tinyae::activation_name(act) << " bias=" << with_bias);
  int bad = 0;
  for (int i = 0; i < m && bad < 3; ++i) {
    for (int j = 0; j < n && bad < 3; ++j) {
      double z = with_bias ? bias.at(0, j) : 0.0;
      double mag = std::fabs(z);
      for (int p = 0; p < k; ++p) {
        z += static_cast<double>(x.at(i, p)) * w.at(j, p);
        mag += std::fabs(static_cast<double>(x.at(i, p)) * w.at(j, p));
      }
      const double want = activate_double(act, z);
      // The activations are 1-Lipschitz; the vectorized exp adds a few ulp.
      if (std::fabs(y.at(i, j) - want) > tolerance(k, mag) + 4e-7 * std::fabs(want)) {
        ++bad;
        INFO("Y[" << i << "][" << j << "] = " << y.at(i, j) << ", expected " << want);
        CHECK(false);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(y.canaries_intact());
}

// The fused output layer against the double computation of Z, A, the delta and sums.
void check_dense_forward_loss(const tk::F32Kernels& kt, int m, int n, int k, Activation act,
                              bool bce, std::uint64_t seed) {
  Lcg rng{seed};
  Buf x(m, k, 3, &rng);
  Buf w(n, k, 1, &rng);
  Buf bias(1, n, 0, &rng);
  Buf y(m, n, 2, &rng);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) y.at(i, j) = 0.5f + 0.5f * y.at(i, j);  // targets in [0, 1]
  }
  Buf d(m, n, 5, &rng);
  const float scale = 1.0f / static_cast<float>(m * n);
  tk::OutputLoss loss{y.data(), y.ld, scale, bce};
  loss.sse = 1.0;  // the call adds to what is there
  kt.dense_forward_loss(m, n, k, x.data(), x.ld, w.data(), w.ld, bias.data(), act, &loss, d.data(),
                        d.ld);
  INFO(kt.isa << " dense_forward_loss m=" << m << " n=" << n << " k=" << k << " act="
               << tinyae::activation_name(act) << " bce=" << bce);
  double sse = 1.0;
  double bce_sum = 0;
  double sse_mag = 1.0;
  double bce_mag = 0;
  int bad = 0;
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double z = bias.at(0, j);
      double mag = std::fabs(z);
      for (int p = 0; p < k; ++p) {
        z += static_cast<double>(x.at(i, p)) * w.at(j, p);
        mag += std::fabs(static_cast<double>(x.at(i, p)) * w.at(j, p));
      }
      const double a = activate_double(act, z);
      const double diff = a - y.at(i, j);
      sse += diff * diff;
      sse_mag += diff * diff + 2 * std::fabs(diff) * (tolerance(k, mag) + 1e-6);
      const double t = (z > 0 ? z : 0.0) - z * y.at(i, j) + std::log1p(std::exp(-std::fabs(z)));
      bce_sum += t;
      bce_mag += std::fabs(t) + tolerance(k, mag);
      const double want = scale * diff * (bce ? 1.0 : deriv_ref(act, a));
      // Z carries the product's rounding; the activations and their slopes are at most
      // 1-Lipschitz (relu: away from the kink) on these ranges.
      const double tol = 4 * scale * (tolerance(k, mag) + 1e-6);
      if (std::fabs(d.at(i, j) - want) > tol && bad < 3) {
        ++bad;
        INFO("D[" << i << "][" << j << "] = " << d.at(i, j) << ", expected " << want);
        CHECK(false);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(d.canaries_intact());
  CHECK(std::fabs(loss.sse - sse) <= 1e-5 * sse_mag);
  if (bce) CHECK(std::fabs(loss.bce_sum - bce_sum) <= 1e-5 * bce_mag);
}

// Activation outputs in the function's range, so derivatives are realistic.
Buf activation_outputs(int m, int n, Activation act, Lcg* rng) {
  Buf a(m, n, 2, rng);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      const float v = a.at(i, j);
      a.at(i, j) = act == Activation::sigmoid ? 0.5f + 0.49f * v
                   : act == Activation::tanh  ? 0.99f * v
                                              : v;
    }
  }
  return a;
}

// Sparsity modes of check_delta.
enum SparsityMode { kNoSparsity = 0, kKl = 1, kL1 = 2, kKlAndL1 = 3 };

void check_delta(const tk::F32Kernels& kt, int m, int n, int k, Activation act, int sparse,
                 std::uint64_t seed) {
  Lcg rng{seed};
  Buf g(m, k, 1, &rng);     // upstream delta
  Buf w(k, n, 2, &rng);     // the layer's weights (out x in)
  Buf a = activation_outputs(m, n, act, &rng);
  Buf rhohat(1, n, 0, &rng);
  for (int j = 0; j < n; ++j) rhohat.at(0, j) = 0.5f + 0.45f * rhohat.at(0, j);
  const bool with_kl = (sparse & kKl) != 0;
  const float l1 = (sparse & kL1) != 0 ? 0.03f : 0.0f;
  const tk::Sparsity kl{with_kl ? rhohat.data() : nullptr, 0.1f, 0.2f, l1};
  const tk::Sparsity* klp = sparse != kNoSparsity ? &kl : nullptr;
  INFO(kt.isa << " delta m=" << m << " n=" << n << " k=" << k << " act="
               << tinyae::activation_name(act) << " sparse=" << sparse);

  // Fused GEMM + delta, against the double reference.
  Buf d(m, n, 3, &rng);
  kt.delta_backward(m, n, k, g.data(), g.ld, w.data(), w.ld, a.data(), a.ld, act, klp, d.data(),
                    d.ld);
  // Unfused: product, then the elementwise hidden delta.
  Buf u(m, n, 3, &rng);
  kt.gemm_nn(m, n, k, g.data(), g.ld, w.data(), w.ld, u.data(), u.ld, false);
  kt.hidden_delta(m, n, a.data(), a.ld, u.data(), u.ld, act, klp);
  int bad = 0;
  for (int i = 0; i < m && bad < 3; ++i) {
    for (int j = 0; j < n && bad < 3; ++j) {
      double sum = 0;
      double mag = 0;
      for (int p = 0; p < k; ++p) {
        sum += static_cast<double>(g.at(i, p)) * w.at(p, j);
        mag += std::fabs(static_cast<double>(g.at(i, p)) * w.at(p, j));
      }
      if (with_kl) {
        const double r = rhohat.at(0, j);
        const double term = 0.2 * (-0.1 / r + 0.9 / (1 - r));
        sum += term;
        mag += std::fabs(term);
      }
      const double ai = a.at(i, j);
      const double sign = ai > 0 ? 1.0 : ai < 0 ? -1.0 : 0.0;
      sum += static_cast<double>(l1) * sign;
      mag += static_cast<double>(l1);
      const double want = sum * deriv_ref(act, a.at(i, j));
      const double tol = tolerance(k, mag) + 1e-6 * std::fabs(want);
      if (std::fabs(d.at(i, j) - want) > tol || std::fabs(u.at(i, j) - want) > tol) {
        ++bad;
        INFO("D[" << i << "][" << j << "]: fused " << d.at(i, j) << ", unfused " << u.at(i, j)
                  << ", expected " << want);
        CHECK(false);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(d.canaries_intact());
  CHECK(u.canaries_intact());
}

void check_column_sum(const tk::F32Kernels& kt, int m, int n, bool accumulate,
                      std::uint64_t seed) {
  Lcg rng{seed};
  Buf g(m, n, 3, &rng);
  Buf s(1, n, 0, &rng);
  Buf s0 = s;
  kt.column_sum(m, n, g.data(), g.ld, s.data(), accumulate);
  INFO(kt.isa << " column_sum m=" << m << " n=" << n << " accumulate=" << accumulate);
  for (int j = 0; j < n; ++j) {
    double sum = accumulate ? s0.at(0, j) : 0.0;
    double mag = std::fabs(sum);
    for (int i = 0; i < m; ++i) {
      sum += g.at(i, j);
      mag += std::fabs(g.at(i, j));
    }
    REQUIRE(std::fabs(s.at(0, j) - sum) <= tolerance(m, mag));
  }
  CHECK(s.canaries_intact());
}

// 2x2 max pooling against windows walked here: each output pixel's distinct input
// pixels, the first maximum in row-major order. Values come from a few levels, so
// ties are common, and half of them are 0 (a ReLU's output) when relu is on.
void check_max_pool(const tk::F32Kernels& kt, int batch, int height, int width, int channels,
                    bool relu, std::uint64_t seed) {
  Lcg rng{seed};
  const int out_h = (height + 1) / 2, out_w = (width + 1) / 2;
  const auto in_size = static_cast<std::size_t>(batch * height * width * channels);
  const auto out_size = static_cast<std::size_t>(batch * out_h * out_w * channels);
  std::vector<float> x(in_size), dy(out_size), y(out_size), dx(in_size, 99.0f);
  for (float& v : x) {
    const float level = std::floor(4.0f * rng.next());  // -4 .. 3
    v = relu && level < 0 ? 0.0f : level;
  }
  for (float& v : dy) v = rng.next();
  kt.max_pool2d(batch, height, width, channels, x.data(), y.data());
  kt.max_pool2d_backward(batch, height, width, channels, x.data(), dy.data(), relu, dx.data());
  std::vector<float> want_dx(in_size, 0.0f);
  const auto at = [&](int s, int py, int px, int c) {
    return static_cast<std::size_t>(((s * height + py) * width + px) * channels + c);
  };
  for (int s = 0; s < batch; ++s) {
    for (int oy = 0; oy < out_h; ++oy) {
      for (int ox = 0; ox < out_w; ++ox) {
        for (int c = 0; c < channels; ++c) {
          std::size_t best = at(s, 2 * oy, 2 * ox, c);
          for (int py = 2 * oy; py < std::min(2 * oy + 2, height); ++py) {
            for (int px = 2 * ox; px < std::min(2 * ox + 2, width); ++px) {
              if (x[at(s, py, px, c)] > x[best]) best = at(s, py, px, c);
            }
          }
          const auto o = static_cast<std::size_t>(((s * out_h + oy) * out_w + ox) * channels + c);
          INFO(kt.isa << " max pool " << height << "x" << width << "x" << channels << " at " << o);
          REQUIRE(y[o] == x[best]);
          if (!relu || x[best] > 0.0f) want_dx[best] = dy[o];
        }
      }
    }
  }
  for (std::size_t i = 0; i < in_size; ++i) {
    INFO(kt.isa << " max pool backward " << height << "x" << width << "x" << channels
                << " relu " << relu << " at " << i);
    REQUIRE(dx[i] == want_dx[i]);
  }
}

// sigmoid/tanh through the kernel's vectorized exp, over the whole useful range and
// past it (saturation must give 0/1/-1, never NaN).
void check_activation_accuracy(const tk::F32Kernels& kt, Activation act) {
  const int count = 4001;
  std::vector<float> z(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) z[static_cast<std::size_t>(i)] = -20.0f + 0.01f * static_cast<float>(i);
  z[0] = -1000.0f;
  z[1] = 1000.0f;
  z[2] = -88.0f;
  z[3] = 89.0f;
  z[4] = 0.0f;
  z[5] = 1e-8f;
  std::vector<float> y(static_cast<std::size_t>(count), kCanary);
  const float one = 1.0f;
  // One input column, weight 1, no bias: y = act(z) for a batch of count rows.
  kt.dense_forward(count, 1, 1, z.data(), 1, &one, 1, nullptr, act, y.data(), 1);
  // The elementwise kernel, over lengths that end at every lane, must agree exactly
  // with the GEMM epilogue (same vector math) and leave what follows untouched.
  for (int n : {1, 3, 7, 15, 17, 33, count}) {
    std::vector<float> e(static_cast<std::size_t>(n) + 5, kCanary);
    kt.activate(n, z.data(), e.data(), act);
    for (int i = 0; i < n; ++i) {
      INFO(kt.isa << " activate n=" << n << " i=" << i);
      REQUIRE(std::memcmp(&e[static_cast<std::size_t>(i)], &y[static_cast<std::size_t>(i)], 4) == 0);
    }
    for (int i = n; i < n + 5; ++i) REQUIRE(e[static_cast<std::size_t>(i)] == kCanary);
  }
  double worst = 0;
  for (int i = 0; i < count; ++i) {
    const double want = activate_double(act, z[static_cast<std::size_t>(i)]);
    const double got = y[static_cast<std::size_t>(i)];
    REQUIRE(std::isfinite(got));
    // Relative to the value, with an absolute floor near zero crossings.
    const double err = std::fabs(got - want) / (std::fabs(want) + 1e-30);
    if (std::fabs(want) > 1e-30) worst = std::max(worst, err);
    INFO(kt.isa << " " << tinyae::activation_name(act) << "(" << z[static_cast<std::size_t>(i)]
                 << ") = " << got << ", expected " << want);
    REQUIRE((err <= 4 * 1.2e-7 || std::fabs(got - want) <= 1e-37));
  }
  std::printf("%s %s: worst relative error %.3g over [-20, 20]\n", kt.isa,
              tinyae::activation_name(act), worst);
}

// One test per line of f32_kernels.inc, named test_<kernel>: a kernel without one does
// not compile. Kernels checked together (a fused kernel against its unfused pair) share
// a check.

// Real layer shapes (the sparse system's scaled down), and k = 0 (clears or keeps C).
struct GemmShape {
  Form form;
  int m, n, k;
  bool accumulate;
  int extra_ld;
  std::uint64_t seed;
};
const GemmShape kGemmShapes[] = {
    {Form::nt, 256, 32, 784, false, 0, 11},  {Form::nn, 256, 784, 32, false, 0, 12},
    {Form::tn, 32, 784, 256, false, 0, 13},  {Form::tn, 64, 256, 1030, true, 1, 14},
    {Form::nt, 1, 784, 32, false, 0, 15},    {Form::nn, 1, 64, 256, true, 0, 16},
    {Form::tn, 1, 50, 64, false, 2, 17},     {Form::nt, 300, 64, 256, false, 0, 25},
    {Form::nn, 301, 50, 100, true, 1, 26},   {Form::nt, 5, 19, 0, false, 1, 18},
    {Form::nn, 5, 19, 0, true, 1, 19},
};

// One GEMM form over sizes 1..70 and depths past the k blocking, then kGemmShapes.
void check_gemm_form(const tk::F32Kernels& kt, Form form) {
  std::uint64_t seed = 1;
  for (int m : kSizes) {
    for (int n : kSizes) {
      for (int k : kDepths) {
        if (k > 70 && (m % 3 != 0 || n % 2 == 0)) continue;  // fewer deep cases
        check_gemm(kt, form, m, n, k, (m + n + k) % 2 == 0, (m * 7 + n) % 5, ++seed);
      }
    }
  }
  for (const GemmShape& g : kGemmShapes) {
    if (g.form == form) check_gemm(kt, form, g.m, g.n, g.k, g.accumulate, g.extra_ld, g.seed);
  }
}

void test_gemm_nt(const tk::F32Kernels& kt) { check_gemm_form(kt, Form::nt); }
void test_gemm_nn(const tk::F32Kernels& kt) { check_gemm_form(kt, Form::nn); }
void test_gemm_tn(const tk::F32Kernels& kt) { check_gemm_form(kt, Form::tn); }

void test_dense_forward(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (Activation act : kActs) {
    for (int m : {1, 2, 13, 37}) {
      for (int n : {1, 3, 16, 17, 32, 50, 70}) {
        for (int k : {1, 8, 31, 64, 300}) check_dense_forward(kt, m, n, k, act, (n + k) % 2 == 1, ++seed);
      }
    }
  }
  check_dense_forward(kt, 1, 32, 784, Activation::relu, true, 21);
  check_dense_forward(kt, 1, 784, 32, Activation::sigmoid, true, 22);
  check_dense_forward(kt, 256, 32, 784, Activation::relu, true, 23);
  check_dense_forward(kt, 300, 64, 256, Activation::sigmoid, true, 27);
}

void test_dense_forward_loss(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (Activation act : kActs) {
    for (bool bce : {false, true}) {
      if (bce && act != Activation::sigmoid) continue;
      for (int m : {1, 2, 13, 37}) {
        for (int n : {1, 3, 16, 17, 50, 70}) {
          for (int k : {1, 8, 31, 300}) check_dense_forward_loss(kt, m, n, k, act, bce, ++seed);
        }
      }
    }
  }
  check_dense_forward_loss(kt, 64, 784, 32, Activation::sigmoid, true, 24);
}

void test_column_sum(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (int m : {1, 2, 5, 64, 257}) {
    for (int n : {1, 15, 16, 17, 70}) {
      check_column_sum(kt, m, n, (m + n) % 2 == 0, ++seed);
      seed += std::size(kActs);  // the seeds the other checks had beside it
    }
  }
}

// delta_backward against gemm_nn + hidden_delta and both against the reference, with KL
// and L1 or none.
void test_delta_backward(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (Activation act : kActs) {
    for (int sparse : {kNoSparsity, kKl, kL1, kKlAndL1}) {
      for (int m : {1, 3, 12, 29}) {
        for (int n : {1, 7, 16, 33, 64}) {
          for (int k : {1, 8, 50, 300}) check_delta(kt, m, n, k, act, sparse, ++seed);
        }
      }
    }
    check_delta(kt, 300, 64, 256, act, kKl, ++seed);
  }
}

void test_hidden_delta(const tk::F32Kernels& kt) { test_delta_backward(kt); }

void test_sgd_step(const tk::F32Kernels& kt) {
  for (int n : {1, 2, 7, 15, 16, 17, 31, 33, 64, 70, 1000}) {
    Lcg rng{static_cast<std::uint64_t>(n) + 99};
    Buf p(1, n, 0, &rng);
    Buf g(1, n, 0, &rng);
    Buf p0 = p;
    const float lr = 0.37f;
    kt.sgd_step(n, p.data(), g.data(), lr);
    INFO(kt.isa << " sgd_step n=" << n);
    for (int i = 0; i < n; ++i) {
      const double want = static_cast<double>(p0.at(0, i)) - static_cast<double>(lr) * g.at(0, i);
      REQUIRE(std::fabs(p.at(0, i) - want) <= 1.2e-7 * (std::fabs(want) + std::fabs(p0.at(0, i)) + 1e-30));
    }
    CHECK(p.canaries_intact());
  }
}

// Against the unfused steps of the same table (bit for bit: delta_backward with an
// identity derivative, gemm_tn of depth 1, sgd_step) and against double.
void test_dense_sgd_backward(const tk::F32Kernels& kt) {
  for (int n : {1, 3, 8, 17, 36, 50}) {
    for (int k : {1, 3, 8, 13, 16, 36, 50, 64, 129, 300}) {
      for (bool with_dx : {true, false}) {
        Lcg rng{static_cast<std::uint64_t>(n * 1000 + k)};
        Buf d(1, n, 0, &rng), x(1, k, 0, &rng), w(n, k, 3, &rng), bias(1, n, 0, &rng);
        Buf dx(1, k, 0, &rng);
        Buf w0 = w, w_ref = w, bias_ref = bias, dx_ref = dx, grad(n, k, 3, &rng);
        const float lr = 0.37f;
        kt.dense_sgd_backward(n, k, d.data(), x.data(), w.data(), w.ld, bias.data(), lr,
                              with_dx ? dx.data() : nullptr);
        if (with_dx) {
          kt.delta_backward(1, k, n, d.data(), n, w_ref.data(), w_ref.ld, x.data(), k,
                            Activation::identity, nullptr, dx_ref.data(), k);
        }
        kt.gemm_tn(n, k, 1, d.data(), n, x.data(), k, grad.data(), grad.ld, false);
        INFO(kt.isa << " dense_sgd_backward n=" << n << " k=" << k << " dx " << with_dx);
        for (int j = 0; j < n; ++j) {
          const float* gj = &grad.at(j, 0);
          // Reference W before its step, for the double check of dx.
          for (int i = 0; i < k; ++i) {
            const float before = w_ref.at(j, i);
            kt.sgd_step(1, &w_ref.at(j, i), gj + i, lr);
            REQUIRE(std::memcmp(&w.at(j, i), &w_ref.at(j, i), sizeof(float)) == 0);
            const double want = before - double{lr} * (double{d.at(0, j)} * x.at(0, i));
            REQUIRE(std::fabs(w.at(j, i) - want) <= 1e-6 * (std::fabs(before) + 1.0));
          }
        }
        kt.sgd_step(n, bias_ref.data(), d.data(), lr);
        REQUIRE(std::memcmp(bias.data(), bias_ref.data(), static_cast<std::size_t>(n) * sizeof(float)) == 0);
        if (with_dx) {
          REQUIRE(std::memcmp(dx.data(), dx_ref.data(), static_cast<std::size_t>(k) * sizeof(float)) == 0);
          for (int i = 0; i < k; ++i) {
            double want = 0, scale = 0;
            for (int j = 0; j < n; ++j) {
              want += double{d.at(0, j)} * w0.at(j, i);
              scale += std::fabs(double{d.at(0, j)} * w0.at(j, i));
            }
            REQUIRE(std::fabs(dx.at(0, i) - want) <= 1e-6 * scale + 1e-30);
          }
        } else {
          CHECK(std::memcmp(dx.data(), dx_ref.data(), static_cast<std::size_t>(k) * sizeof(float)) == 0);  // untouched
        }
        CHECK(w.canaries_intact());
        CHECK(bias.canaries_intact());
        CHECK(dx.canaries_intact());
      }
    }
  }
}

void test_adam_step(const tk::F32Kernels& kt) {
  for (int n : {1, 7, 16, 17, 33, 1000}) {
    Lcg rng{static_cast<std::uint64_t>(n) + 5};
    Buf p(1, n, 0, &rng);
    Buf g(1, n, 0, &rng);
    Buf m(1, n, 0, &rng);
    Buf v(1, n, 0, &rng);
    for (int i = 0; i < n; ++i) v.at(0, i) = std::fabs(v.at(0, i));
    Buf p0 = p;
    Buf m0 = m;
    Buf v0 = v;
    const tk::AdamStep s{0.9f, 0.999f, 0.01f, 3.0f, 1e-8f};
    kt.adam_step(n, p.data(), g.data(), m.data(), v.data(), s);
    INFO(kt.isa << " adam_step n=" << n);
    for (int i = 0; i < n; ++i) {
      const double gi = g.at(0, i);
      // The coefficients as the kernel forms them, in float.
      const double b1 = 0.9f;
      const double c1 = 1.0f - 0.9f;
      const double b2 = 0.999f;
      const double c2 = 1.0f - 0.999f;
      const double mi = b1 * m0.at(0, i) + c1 * gi;
      const double vi = b2 * v0.at(0, i) + c2 * gi * gi;
      const double pi = p0.at(0, i) - double{0.01f} * mi / (std::sqrt(vi) * 3.0 + double{1e-8f});
      REQUIRE(m.at(0, i) == Approx(mi).epsilon(1e-6).margin(1e-7));
      REQUIRE(v.at(0, i) == Approx(vi).epsilon(1e-6).margin(1e-9));
      REQUIRE(p.at(0, i) == Approx(pi).epsilon(1e-6).margin(1e-7));
    }
    CHECK(p.canaries_intact());
    CHECK(m.canaries_intact());
    CHECK(v.canaries_intact());
  }
}

// Vectorized sigmoid and tanh accuracy.
void test_activate(const tk::F32Kernels& kt) {
  check_activation_accuracy(kt, Activation::sigmoid);
  check_activation_accuracy(kt, Activation::tanh);
}

void test_bce_sum(const tk::F32Kernels& kt) {
  for (int n : {1, 5, 16, 17, 63, 784, 3000, 200704}) {
    Lcg rng{static_cast<std::uint64_t>(n) + 7};
    std::vector<float> z(static_cast<std::size_t>(n));
    std::vector<float> y(static_cast<std::size_t>(n));
    double want = 0;
    double mag = 0;
    for (int i = 0; i < n; ++i) {
      const std::size_t u = static_cast<std::size_t>(i);
      z[u] = 30.0f * rng.next();  // saturated logits too
      y[u] = 0.5f * (rng.next() + 1.0f);
      const double zd = z[u];
      const double t = (zd > 0 ? zd : 0.0) - zd * y[u] + std::log1p(std::exp(-std::fabs(zd)));
      want += t;
      mag += std::fabs(t);
    }
    const double got = kt.bce_sum(n, z.data(), y.data());
    INFO(kt.isa << " bce_sum n=" << n << " got " << got << " want " << want);
    REQUIRE(std::fabs(got - want) <= 1e-5 * mag + 1e-30);
  }
}

void test_conv_planes(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (int filters : {1, 2, 3, 7, 8, 9, 16, 17}) {
    for (int channels : {1, 2, 3, 8, 16}) {
      for (int kernel : {1, 2, 3, 5}) {
        for (int count : {1, 5, 15, 16, 17, 47, 48, 49, 97, 200}) {
          if (count > 17 && (filters + channels + kernel) % 3 != 0) continue;  // fewer long rows
          const int row = count % 3 == 0 ? 7 : 30;
          check_conv_planes(kt, filters, channels, kernel, row, count, (filters + count) % 4,
                            ++seed);
        }
      }
    }
  }
}

void test_conv_pixels(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (int filters : {1, 3, 8, 9, 16, 17, 24, 32, 40}) {
    for (int channels : {1, 2, 3, 8, 16}) {
      for (int kernel : {1, 2, 3, 5}) {
        for (int count : {1, 5, 11, 12, 13, 16, 17, 28, 33}) {
          if (count > 17 && (filters + channels + kernel) % 3 != 0) continue;  // fewer long rows
          const Activation act = kActs[(filters + count) % 4];
          check_direct_conv(kt, ConvLayout::patch_major, filters, channels, kernel,
                            count % 2 == 0 ? 30 : 9, count, act, (channels + count) % 3 != 0,
                            (filters + kernel) % 3, ++seed);
        }
      }
    }
  }
}

void test_conv_pixels_gradient(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (int filters : {1, 3, 8, 9, 16, 17, 40}) {
    for (int channels : {1, 2, 3, 4, 8, 16}) {
      for (int kernel : {1, 2, 3, 5}) {
        for (int lines : {1, 3, 7}) {
          const int width = lines == 3 ? 28 : lines + 4;
          check_conv_weight_gradient(kt, ConvLayout::patch_major, filters, channels, kernel,
                                     lines, width, (filters + lines) % 2 == 0,
                                     (channels + kernel) % 3, ++seed);
        }
      }
    }
  }
}

void test_conv_one_filter(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (int channels : {1, 2, 3, 5, 8, 16, 17}) {
    for (int kernel : {1, 2, 3, 5}) {
      for (int count : {1, 5, 8, 15, 16, 17, 28, 33}) {
        const Activation act = kActs[(channels + count) % 4];
        check_direct_conv(kt, ConvLayout::filter_major, 1, channels, kernel,
                          count % 2 == 0 ? 30 : 9, count, act, (channels + count) % 3 != 0,
                          (kernel + count) % 3, ++seed);
      }
    }
  }
}

void test_conv_runs_gradient(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (int filters : {1, 2, 3, 4, 5, 8, 9, 13}) {
    for (int channels : {1, 2, 3, 5, 8, 16, 17}) {
      for (int kernel : {1, 2, 3, 5}) {
        for (int lines : {1, 3, 7}) {
          if (lines == 7 && (filters + channels + kernel) % 2 != 0) continue;  // fewer large images
          const int width = lines == 3 ? 28 : lines + 4;
          check_conv_weight_gradient(kt, ConvLayout::filter_major, filters, channels, kernel,
                                     lines, width, (filters + channels + lines) % 2 == 0,
                                     (channels + kernel) % 3, ++seed);
        }
      }
    }
  }
}

// Forward and backward together, over odd and even sizes and channel tails.
void test_max_pool2d(const tk::F32Kernels& kt) {
  std::uint64_t seed = 1;
  for (int channels : {1, 3, 8, 16, 17, 33}) {
    for (int height : {1, 2, 5, 7, 14}) {
      for (int width : {1, 4, 7}) {
        check_max_pool(kt, 2, height, width, channels, (channels + height) % 2 == 0, ++seed);
      }
    }
  }
}

void test_max_pool2d_backward(const tk::F32Kernels& kt) { test_max_pool2d(kt); }

// The noise stream's definition (gaussian_noise.hpp), in double and written again here.
std::uint32_t lowbias32(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}
double box_muller_value(const tk::NoiseKey& key, std::uint64_t i) {
  const auto p = static_cast<std::uint32_t>((i >> 5) * 16u + (i & 15u));
  const double u = static_cast<double>((lowbias32(p ^ key.k0) >> 8) + 1) / 16777216.0;
  const double theta = 6.283185307179586 * static_cast<double>(lowbias32(p ^ key.k1) >> 8) / 16777216.0;
  const double r = std::sqrt(-2.0 * std::log(u));
  return (i & 16u) == 0 ? r * std::cos(theta) : r * std::sin(theta);
}

void test_add_noise(const tk::F32Kernels& kt) {
  const tk::F32Kernels& ref = *tk::f32_for("scalar");
  const tk::NoiseKey key{0x9e3779b9u, 0x7f4a7c15u};
  // The values themselves (clean 0, stddev 1: noisy is z exactly): against the
  // definition in double, and bit for bit against the scalar table, at every offset
  // of a 32-value block and across the 2^32 wrap of the pair counter.
  for (std::uint64_t first : {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{31}, std::uint64_t{1000003},
                              (std::uint64_t{1} << 33) - 40}) {
    for (int n : {1, 7, 31, 32, 33, 64, 95, 1000}) {
      std::vector<float> zero(static_cast<std::size_t>(n), 0.0f), z(zero.size() + 1, kCanary),
          want(zero.size());
      kt.add_noise(n, zero.data(), 1.0f, false, key, first, z.data());
      ref.add_noise(n, zero.data(), 1.0f, false, key, first, want.data());
      INFO(kt.isa << " add_noise n=" << n << " first=" << first);
      REQUIRE(std::memcmp(z.data(), want.data(), want.size() * sizeof(float)) == 0);
      REQUIRE(z.back() == kCanary);
      for (int i = 0; i < n; ++i) {
        const double exact = box_muller_value(key, first + static_cast<std::uint64_t>(i));
        REQUIRE(std::fabs(z[static_cast<std::size_t>(i)] - exact) <= 2.5e-7 * (1.0 + std::fabs(exact)));
      }
    }
  }
  // The stream is pinned: these bits on every ISA (a change of the definition shows here).
  {
    std::vector<float> zero(64, 0.0f), z(64);
    kt.add_noise(64, zero.data(), 1.0f, false, key, 0, z.data());
    INFO(kt.isa << " add_noise pinned values");
    CHECK(z[0] == 0x1.8eeaf6p+1f);
    CHECK(z[1] == -0x1.9a6ae6p-1f);
    CHECK(z[16] == -0x1.dab1bap-5f);
    CHECK(z[31] == -0x1.6b4a78p-3f);
    CHECK(z[32] == -0x1.a2119ap-1f);
    CHECK(z[63] == 0x1.a0996ep-2f);
  }
  // Clean values, a standard deviation and clipping.
  Lcg rng{77};
  Buf clean(1, 1000, 0, &rng);
  for (int i = 0; i < 1000; ++i) clean.at(0, i) = 0.5f + 0.5f * clean.at(0, i);
  for (bool clip : {false, true}) {
    Buf noisy(1, 1000, 0, &rng);
    std::vector<float> want(1000);
    kt.add_noise(1000, clean.data(), 0.3f, clip, key, 17, noisy.data());
    ref.add_noise(1000, clean.data(), 0.3f, clip, key, 17, want.data());
    INFO(kt.isa << " add_noise clip=" << clip);
    REQUIRE(std::memcmp(noisy.data(), want.data(), want.size() * sizeof(float)) == 0);
    CHECK(noisy.canaries_intact());
    int clipped = 0;
    for (int i = 0; i < 1000; ++i) {
      const double raw = clean.at(0, i) + 0.3 * box_muller_value(key, 17 + static_cast<std::uint64_t>(i));
      const double v = clip ? std::min(1.0, std::max(0.0, raw)) : raw;
      clipped += clip && (raw < 0 || raw > 1);
      REQUIRE(std::fabs(noisy.at(0, i) - v) <= 3e-7);
    }
    if (clip) CHECK(clipped > 20);  // about 1 in 8 of these values leave [0, 1]
  }
  // The distribution: moments and tails of 2^20 values against N(0, 1)'s.
  const std::size_t n = std::size_t{1} << 20;
  std::vector<float> zero(n, 0.0f), z(n);
  kt.add_noise(static_cast<std::int64_t>(n), zero.data(), 1.0f, false, key, 0, z.data());
  double m1 = 0, m2 = 0, m4 = 0;
  std::size_t beyond2 = 0, beyond4 = 0;
  for (float v : z) {
    m1 += v;
    m2 += static_cast<double>(v) * v;
    m4 += static_cast<double>(v) * v * v * v;
    beyond2 += std::fabs(v) > 2.0f;
    beyond4 += std::fabs(v) > 4.0f;
  }
  const auto count = static_cast<double>(n);
  INFO(kt.isa << " mean " << m1 / count << " variance " << m2 / count << " fourth moment " << m4 / count
              << ", beyond 2: " << beyond2 << ", beyond 4: " << beyond4);
  CHECK(std::fabs(m1 / count) < 5.0 / std::sqrt(count));      // 5 standard errors
  CHECK(std::fabs(m2 / count - 1.0) < 5.0 * std::sqrt(2.0 / count));
  CHECK(std::fabs(m4 / count - 3.0) < 5.0 * std::sqrt(96.0 / count));
  CHECK(std::fabs(static_cast<double>(beyond2) / count - 0.0455003) < 0.001);  // 2 P(Z > 2)
  CHECK(beyond4 > 20);                                                       // 66 expected
  CHECK(beyond4 < 120);
}

void run_all(const char* isa) {
  const tk::F32Kernels* kt = tk::f32_for(isa);
  if (kt == nullptr) {
    tinyae::Status s = tinyae::force_isa(isa);
    std::printf("ISA %s: not available here (%s); skipped\n", isa, s.message());
    tinyae::test::skip(s.message());
    return;
  }
  std::printf("ISA %s: testing every float kernel\n", isa);
#define TINYAE_F32_KERNEL(name, Fn) \
  SECTION(#name) { test_##name(*kt); }
#include "kernels/f32_kernels.inc"
#undef TINYAE_F32_KERNEL
}

}  // namespace

// One test case per float ISA of isa_list.inc; CTest shows those this CPU or build lacks
// as skipped.
#define TINYAE_F32_ISA(name, ...) \
  TEST_CASE("f32 kernels on " #name) { run_all(#name); }
#define TINYAE_I8_ISA(...)
#include <tinyae_isa_list.inc>
#undef TINYAE_F32_ISA
#undef TINYAE_I8_ISA

// Where the target has no fma instruction (this x86-64 build's scalar code) the noise
// stream's fma is emulated in double: it must round as libm's fmaf does.
TEST_CASE("the noise stream's fma rounds once, with or without an fma instruction") {
  Lcg rng{2024};
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const float a = rng.next() * 3.0f;
    const float b = rng.next();
    // c near -a*b (cancellation) or near a halfway point of a*b's rounding.
    const float ab = a * b;
    const float c = i % 3 == 0 ? -ab : (i % 3 == 1 ? rng.next() : ab * 1e-8f);
    const float got = tk::noise::fma_float(a, b, c);
    const float want = std::fma(a, b, c);
    REQUIRE(std::memcmp(&got, &want, sizeof got) == 0);
    ++checked;
  }
  // a * b = 1 + 2^-11 + 2^-24, halfway between two floats; c = +-2^-60 decides the
  // rounding, but is lost when the sum is rounded to double first (double rounding).
  const float a = 1.0f + std::ldexp(1.0f, -12);
  for (float c : {std::ldexp(1.0f, -60), -std::ldexp(1.0f, -60), 0.0f}) {
    const float got = tk::noise::fma_float(a, a, c);
    const float want = std::fma(a, a, c);
    INFO("c = " << c);
    CHECK(std::memcmp(&got, &want, sizeof got) == 0);
  }
  CHECK(tk::noise::fma_float(a, a, std::ldexp(1.0f, -60)) != tk::noise::fma_float(a, a, -std::ldexp(1.0f, -60)));
  CHECK(checked == 200000);
}

TEST_CASE("the dispatch picks an available ISA and can be forced") {
  const std::string best = tinyae::best_isa();
  std::printf("best ISA on this machine: %s (active: %s)\n", best.c_str(), tinyae::active_isa());
  REQUIRE(tk::f32_for(best.c_str()) != nullptr);
  REQUIRE(tinyae::force_isa("scalar").ok());
  CHECK(std::string(tinyae::active_isa()) == "scalar");
  CHECK(std::string(tk::f32().isa) == "scalar");
  REQUIRE(tinyae::force_isa("auto").ok());
  CHECK(std::string(tinyae::active_isa()) == best);
  REQUIRE(tinyae::force_isa(nullptr).ok());
  CHECK(std::string(tinyae::active_isa()) == best);
}

TEST_CASE("forcing an ISA the CPU or build lacks is a clear error, not a crash") {
  REQUIRE(tinyae::force_isa("auto").ok());
  const std::string before = tinyae::active_isa();
  for (const char* const* name = tk::kIsaNames; *name != nullptr; ++name) {
    tinyae::Status s = tinyae::force_isa(*name);
    if (tk::f32_for(*name) != nullptr) {
      CHECK(s.ok());
      CHECK(std::string(tinyae::active_isa()) == *name);
    } else {
      CHECK(s.code() == tinyae::StatusCode::unsupported);
      CHECK(std::string(s.message()).find(*name) != std::string::npos);
      std::printf("force_isa(\"%s\"): %s\n", *name, s.message());
    }
    REQUIRE(tinyae::force_isa(before.c_str()).ok());
  }
  tinyae::Status unknown = tinyae::force_isa("sse9");
  CHECK(unknown.code() == tinyae::StatusCode::invalid_argument);
  CHECK(std::string(unknown.message()).find("sse9") != std::string::npos);
  CHECK(std::string(tinyae::active_isa()) == before);
}
