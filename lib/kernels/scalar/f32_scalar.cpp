// Plain-loop float kernels: the scalar path (Cortex-M and ISAs without SIMD).
#include <cmath>

#include "../activation.hpp"
#include "../f32_kernels.hpp"
#include "../gaussian_noise.hpp"
#include "../pool_windows.hpp"

namespace tinyae::kernels {
namespace {
namespace scalar {

using kernels::activate;  // activation.hpp's per-element helper, beside the kernel below

void gemm_nt(std::int32_t m, std::int32_t n, std::int32_t k, const float* a, std::int32_t lda,
             const float* b, std::int32_t ldb, float* c, std::int32_t ldc, bool accumulate,
             GemmNt) {
  for (std::int32_t i = 0; i < m; ++i) {
    const float* ai = a + std::int64_t{i} * lda;
    float* ci = c + std::int64_t{i} * ldc;
    for (std::int32_t j = 0; j < n; ++j) {
      const float* bj = b + std::int64_t{j} * ldb;
      float sum = 0.0f;
      for (std::int32_t p = 0; p < k; ++p) sum += ai[p] * bj[p];
      ci[j] = accumulate ? ci[j] + sum : sum;
    }
  }
}

void gemm_nn(std::int32_t m, std::int32_t n, std::int32_t k, const float* a, std::int32_t lda,
             const float* b, std::int32_t ldb, float* c, std::int32_t ldc, bool accumulate,
             GemmNn) {
  for (std::int32_t i = 0; i < m; ++i) {
    float* ci = c + std::int64_t{i} * ldc;
    if (!accumulate) {
      for (std::int32_t j = 0; j < n; ++j) ci[j] = 0.0f;
    }
    const float* ai = a + std::int64_t{i} * lda;
    for (std::int32_t p = 0; p < k; ++p) {
      const float aip = ai[p];
      const float* bp = b + std::int64_t{p} * ldb;
      for (std::int32_t j = 0; j < n; ++j) ci[j] += aip * bp[j];
    }
  }
}

void gemm_tn(std::int32_t m, std::int32_t n, std::int32_t k, const float* a, std::int32_t lda,
             const float* b, std::int32_t ldb, float* c, std::int32_t ldc, bool accumulate,
             GemmTn) {
  if (!accumulate) {
    for (std::int32_t i = 0; i < m; ++i) {
      for (std::int32_t j = 0; j < n; ++j) c[std::int64_t{i} * ldc + j] = 0.0f;
    }
  }
  for (std::int32_t p = 0; p < k; ++p) {
    const float* ap = a + std::int64_t{p} * lda;
    const float* bp = b + std::int64_t{p} * ldb;
    for (std::int32_t i = 0; i < m; ++i) {
      const float api = ap[i];
      float* ci = c + std::int64_t{i} * ldc;
      for (std::int32_t j = 0; j < n; ++j) ci[j] += api * bp[j];
    }
  }
}

void dense_forward(std::int32_t m, std::int32_t n, std::int32_t k, const float* x,
                   std::int32_t ldx, const float* w, std::int32_t ldw, const float* bias,
                   Activation act, float* y, std::int32_t ldy) {
  for (std::int32_t i = 0; i < m; ++i) {
    const float* xi = x + std::int64_t{i} * ldx;
    float* yi = y + std::int64_t{i} * ldy;
    for (std::int32_t j = 0; j < n; ++j) {
      const float* wj = w + std::int64_t{j} * ldw;
      float sum = 0.0f;
      for (std::int32_t p = 0; p < k; ++p) sum += xi[p] * wj[p];
      yi[j] = activate(act, bias != nullptr ? sum + bias[j] : sum);
    }
  }
}

void column_sum(std::int32_t m, std::int32_t n, const float* g, std::int32_t ldg, float* sums,
                bool accumulate) {
  if (!accumulate) {
    for (std::int32_t j = 0; j < n; ++j) sums[j] = 0.0f;
  }
  for (std::int32_t i = 0; i < m; ++i) {
    const float* gi = g + std::int64_t{i} * ldg;
    for (std::int32_t j = 0; j < n; ++j) sums[j] += gi[j];
  }
}

void hidden_delta(std::int32_t m, std::int32_t n, const float* a, std::int32_t lda, float* g,
                  std::int32_t ldg, Activation act, const Sparsity* kl) {
  for (std::int32_t i = 0; i < m; ++i) {
    const float* ai = a + std::int64_t{i} * lda;
    float* gi = g + std::int64_t{i} * ldg;
    for (std::int32_t j = 0; j < n; ++j) {
      float up = gi[j];
      if (kl != nullptr && kl->rhohat != nullptr) {
        const float r = kl->rhohat[j];
        up += kl->beta * ((1.0f - kl->rho) / (1.0f - r) - kl->rho / r);
      }
      if (kl != nullptr && kl->l1 != 0.0f) {
        up += ai[j] > 0.0f ? kl->l1 : ai[j] < 0.0f ? -kl->l1 : 0.0f;
      }
      gi[j] = up * derivative_from_output(act, ai[j]);
    }
  }
}

void delta_backward(std::int32_t m, std::int32_t n, std::int32_t k, const float* g,
                    std::int32_t ldg, const float* w, std::int32_t ldw, const float* a,
                    std::int32_t lda, Activation act, const Sparsity* kl, float* d,
                    std::int32_t ldd) {
  gemm_nn(m, n, k, g, ldg, w, ldw, d, ldd, false, GemmNn{});
  hidden_delta(m, n, a, lda, d, ldd, act, kl);
}

void sgd_step(std::int64_t n, float* p, const float* g, float lr) {
  for (std::int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
}

// gemm_nn's sums (m = 1), gemm_tn's products (k = 1) and sgd_step's update, per element.
void dense_sgd_backward(std::int32_t n, std::int32_t k, const float* d, const float* x, float* w,
                        std::int32_t ldw, float* bias, float lr, float* dx) {
  if (dx != nullptr) {
    for (std::int32_t i = 0; i < k; ++i) dx[i] = 0.0f;
  }
  for (std::int32_t j = 0; j < n; ++j) {
    const float dj = d[j];
    float* wj = w + std::int64_t{j} * ldw;
    for (std::int32_t i = 0; i < k; ++i) {
      const float wji = wj[i];
      if (dx != nullptr) dx[i] += dj * wji;
      const float g = 0.0f + dj * x[i];  // as gemm_tn forms it: 0, then += the product
      wj[i] = wji - lr * g;
    }
  }
  sgd_step(n, bias, d, lr);
}

void adam_step(std::int64_t n, float* p, const float* g, float* m, float* v, const AdamStep& s) {
  for (std::int64_t i = 0; i < n; ++i) {
    m[i] = s.beta1 * m[i] + (1.0f - s.beta1) * g[i];
    v[i] = s.beta2 * v[i] + (1.0f - s.beta2) * g[i] * g[i];
    p[i] -= s.step * m[i] / (std::sqrt(v[i]) * s.inv_sqrt_c2 + s.epsilon);
  }
}

void activate(std::int64_t n, const float* x, float* y, Activation act) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = activate(act, x[i]);
}

double bce_sum(std::int64_t n, const float* z, const float* y) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double zd = z[i];
    sum += (zd > 0 ? zd : 0.0) - zd * y[i] + std::log1p(std::exp(-std::fabs(zd)));
  }
  return sum;
}

void dense_forward_loss(std::int32_t m, std::int32_t n, std::int32_t k, const float* x,
                        std::int32_t ldx, const float* w, std::int32_t ldw, const float* bias,
                        Activation act, OutputLoss* loss, float* d, std::int32_t ldd) {
  dense_forward(m, n, k, x, ldx, w, ldw, bias, Activation::identity, d, ldd);
  double sse = 0;
  double bce = 0;
  for (std::int32_t i = 0; i < m; ++i) {
    const float* yi = loss->target + std::int64_t{i} * loss->ld_target;
    float* di = d + std::int64_t{i} * ldd;
    for (std::int32_t j = 0; j < n; ++j) {
      const float z = di[j];
      const float a = activate(act, z);
      const float diff = a - yi[j];
      sse += static_cast<double>(diff) * diff;
      if (loss->bce) {
        const double zd = z;
        bce += (zd > 0 ? zd : 0.0) - zd * yi[j] + std::log1p(std::exp(-std::fabs(zd)));
        di[j] = loss->scale * diff;
      } else {
        di[j] = loss->scale * diff * derivative_from_output(act, a);
      }
    }
  }
  loss->sse += sse;
  loss->bce_sum += bce;
}

void conv_planes(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                 std::int64_t row, std::int64_t plane, std::int64_t count, const float* x,
                 const float* w, std::int32_t ldw, float* y, std::int64_t ldy) {
  for (std::int32_t f = 0; f < filters; ++f) {
    const float* wf = w + std::int64_t{f} * ldw;
    for (std::int64_t i = 0; i < count; ++i) {
      float sum = 0.0f;
      for (std::int32_t ky = 0; ky < kernel; ++ky) {
        for (std::int32_t kx = 0; kx < kernel; ++kx) {
          const float* wt = wf + (ky * kernel + kx) * channels;
          const float* xt = x + i + ky * row + kx;
          for (std::int32_t c = 0; c < channels; ++c) sum += wt[c] * xt[c * plane];
        }
      }
      y[f * ldy + i] = sum;
    }
  }
}

void conv_pixels(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                 std::int64_t row, std::int64_t count, const float* x, const float* wt,
                 std::int32_t ldw, const float* bias, Activation act, float* y,
                 std::int64_t ldy) {
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int32_t f = 0; f < filters; ++f) {
      float sum = 0.0f;
      for (std::int32_t ky = 0; ky < kernel; ++ky) {
        for (std::int32_t kx = 0; kx < kernel; ++kx) {
          const float* xt = x + (i + ky * row + kx) * channels;
          const float* wk = wt + std::int64_t{(ky * kernel + kx) * channels} * ldw + f;
          for (std::int32_t c = 0; c < channels; ++c) sum += wk[std::int64_t{c} * ldw] * xt[c];
        }
      }
      if (bias != nullptr) sum += bias[f];
      y[i * ldy + f] = activate(act, sum);
    }
  }
}

void conv_pixels_gradient(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                          std::int64_t row, std::int64_t lines, std::int64_t width,
                          const float* x, const float* dz, std::int64_t ldz, float* dwt,
                          std::int32_t lddw, bool accumulate) {
  const std::int32_t patch = kernel * kernel * channels;
  for (std::int32_t k = 0; k < patch; ++k) {
    const std::int32_t tap = k / channels;
    const std::int64_t offset = ((tap / kernel) * row + tap % kernel) * channels + k % channels;
    for (std::int32_t f = 0; f < filters; ++f) {
      float sum = 0.0f;
      for (std::int64_t l = 0; l < lines; ++l) {
        for (std::int64_t o = 0; o < width; ++o) {
          sum += dz[(l * width + o) * ldz + f] * x[(l * row + o) * channels + offset];
        }
      }
      float* d = dwt + std::int64_t{k} * lddw + f;
      *d = accumulate ? *d + sum : sum;
    }
  }
}

void conv_one_filter(std::int32_t channels, std::int32_t kernel, std::int64_t row,
                     std::int64_t count, const float* x, const float* w, const float* bias,
                     Activation act, float* y) {
  const std::int64_t run = std::int64_t{kernel} * channels;
  for (std::int64_t i = 0; i < count; ++i) {
    float sum = 0.0f;
    for (std::int32_t ky = 0; ky < kernel; ++ky) {
      const float* xk = x + (i + ky * row) * channels;
      for (std::int64_t j = 0; j < run; ++j) sum += w[ky * run + j] * xk[j];
    }
    if (bias != nullptr) sum += bias[0];
    y[i] = activate(act, sum);
  }
}

void conv_runs_gradient(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                        std::int64_t row, std::int64_t lines, std::int64_t width, const float* x,
                        const float* dz, std::int64_t ldz, float* dw, std::int32_t lddw,
                        bool accumulate) {
  const std::int64_t run = std::int64_t{kernel} * channels;
  for (std::int32_t f = 0; f < filters; ++f) {
    for (std::int32_t ky = 0; ky < kernel; ++ky) {
      for (std::int64_t j = 0; j < run; ++j) {
        float sum = 0.0f;
        for (std::int64_t l = 0; l < lines; ++l) {
          for (std::int64_t o = 0; o < width; ++o) {
            sum += dz[(l * width + o) * ldz + f] * x[((l + ky) * row + o) * channels + j];
          }
        }
        float* d = dw + std::int64_t{f} * lddw + ky * run + j;
        *d = accumulate ? *d + sum : sum;
      }
    }
  }
}

void max_pool2d(std::int32_t batch, std::int32_t height, std::int32_t width,
                std::int32_t channels, const float* x, float* y) {
  for_each_pool_window(batch, height, width, channels, [&](const std::ptrdiff_t* at,
                                                           std::ptrdiff_t o) {
    for (std::int32_t ch = 0; ch < channels; ++ch) {
      float m = x[at[0] + ch];
      for (int w = 1; w < 4; ++w) m = x[at[w] + ch] > m ? x[at[w] + ch] : m;
      y[o + ch] = m;
    }
  });
}

void max_pool2d_backward(std::int32_t batch, std::int32_t height, std::int32_t width,
                         std::int32_t channels, const float* x, const float* dy,
                         bool relu_input, float* dx) {
  for_each_pool_window(batch, height, width, channels, [&](const std::ptrdiff_t* at,
                                                           std::ptrdiff_t o) {
    for (std::int32_t ch = 0; ch < channels; ++ch) {
      int first = 0;
      for (int w = 1; w < 4; ++w) first = x[at[w] + ch] > x[at[first] + ch] ? w : first;
      const float routed = !relu_input || x[at[first] + ch] > 0.0f ? dy[o + ch] : 0.0f;
      // Last to first, so a place the window repeats keeps its first occurrence's value.
      for (int w = 3; w >= 0; --w) dx[at[w] + ch] = w == first ? routed : 0.0f;
    }
  });
}

void add_noise(std::int64_t n, const float* clean, float stddev, bool clip, const NoiseKey& key,
               std::uint64_t first, float* noisy) {
  for (std::int64_t i = 0; i < n; ++i) {
    const float z = noise::value(key, first + static_cast<std::uint64_t>(i));
    noisy[i] = noise::noisy_value(clean[i], z, stddev, clip);
  }
}

}  // namespace scalar

// The kernels above by the names make_f32_table looks up.
struct ScalarF32 {
#define TINYAE_F32_KERNEL(name, Fn) static constexpr Fn name{scalar::name};
#include "../f32_kernels.inc"
#undef TINYAE_F32_KERNEL
};

}  // namespace

const F32Kernels kF32Scalar = make_f32_table<ScalarF32>("scalar");

}  // namespace tinyae::kernels
