// The float kernels the layers call, as one table of function pointers chosen once.
//
// Matrices are row-major with leading dimensions (elements between rows). Kernels
// never allocate, never start threads and never report errors: callers pass valid
// sizes. "accumulate" adds the product to C instead of overwriting it. Outputs must
// not alias inputs.
#pragma once

#include <cstdint>

#include "tinyae/network_spec.hpp"
#include "tinyae/status.hpp"

namespace tinyae::kernels {

// The three GEMM forms share a signature; each kernel takes its form's empty tag as a
// last argument, so a table entry of one form cannot hold another form's kernel (it
// would not compile). Callers call the field as before (Gemm<Form>::operator() passes
// the tag, which costs nothing: an empty struct is not passed in registers or memory).
struct GemmNt {};  // C[m x n] (+)= A[m x k] * B[n x k]^T
struct GemmNn {};  // C[m x n] (+)= A[m x k] * B[k x n]
struct GemmTn {};  // C[m x n] (+)= A[k x m]^T * B[k x n]
template <class Form>
struct Gemm {
  void (*fn)(std::int32_t m, std::int32_t n, std::int32_t k, const float* a, std::int32_t lda,
             const float* b, std::int32_t ldb, float* c, std::int32_t ldc, bool accumulate,
             Form);
  __attribute__((always_inline)) void operator()(std::int32_t m, std::int32_t n, std::int32_t k,
                                                 const float* a, std::int32_t lda,
                                                 const float* b, std::int32_t ldb, float* c,
                                                 std::int32_t ldc, bool accumulate) const {
    fn(m, n, k, a, lda, b, ldb, c, ldc, accumulate, Form{});
  }
};
using GemmNtFn = Gemm<GemmNt>;
using GemmNnFn = Gemm<GemmNn>;
using GemmTnFn = Gemm<GemmTn>;

// Y[m x n] = act(X[m x k] * W[n x k]^T + bias[n]): a dense layer's forward pass, with
// the bias and activation applied while the output tile is still in registers.
// bias may be null (no bias).
using DenseForwardFn = void (*)(std::int32_t m, std::int32_t n, std::int32_t k, const float* x,
                                std::int32_t ldx, const float* w, std::int32_t ldw,
                                const float* bias, Activation act, float* y, std::int32_t ldy);
// sums[n] (+)= column sums of G[m x n]: a bias gradient.
using ColumnSumFn = void (*)(std::int32_t m, std::int32_t n, const float* g, std::int32_t ldg,
                             float* sums, bool accumulate);

// The sparsity penalties' gradient with respect to the activation a of code unit j:
// beta * (-rho / rhohat[j] + (1 - rho) / (1 - rhohat[j])) when rhohat is not null
// (KL, rhohat in (0, 1)), plus l1 * sign(a). Callers fold the batch mean into beta, l1.
struct Sparsity {
  const float* rhohat;  // mean activation of each of the n units over the batch, or null
  float rho;            // target mean activation
  float beta;           // weight of the KL penalty
  float l1 = 0.0f;      // weight of the L1 activity penalty
};

// G[m x n] = (G + kl(j, A)) * f'(A[m x n]): a hidden layer's delta from the upstream
// product G, in one pass. kl may be null (no sparsity term).
using HiddenDeltaFn = void (*)(std::int32_t m, std::int32_t n, const float* a, std::int32_t lda,
                               float* g, std::int32_t ldg, Activation act, const Sparsity* kl);

// D[m x n] = (G[m x k] * W[k x n] + kl(j, A)) * f'(A[m x n]): the backward product
// through a dense layer with the hidden delta formed in the GEMM's store (fuses
// gemm_nn and hidden_delta). kl may be null.
using DeltaBackwardFn = void (*)(std::int32_t m, std::int32_t n, std::int32_t k, const float* g,
                                 std::int32_t ldg, const float* w, std::int32_t ldw,
                                 const float* a, std::int32_t lda, Activation act,
                                 const Sparsity* kl, float* d, std::int32_t ldd);

// One sample's backward pass through a dense layer fused with its plain SGD step, so
// W[n x k] is read and written once:
//   dx[k] = W^T d (W before the step; dx may be null: the first layer needs none),
//   W[j * ldw + i] -= lr * (d[j] * x[i]),  bias[j] -= lr * d[j]
// with the roundings of delta_backward's product (m = 1), gemm_tn's depth-1 weight
// gradient and sgd_step, so the steps equal the unfused ones bit for bit.
using DenseSgdBackwardFn = void (*)(std::int32_t n, std::int32_t k, const float* d,
                                    const float* x, float* w, std::int32_t ldw, float* bias,
                                    float lr, float* dx);

// p[i] -= lr * g[i] for i < n: a plain SGD step over a parameter block. Vectorized
// ISAs round once (fused multiply-subtract); the scalar table rounds twice.
using SgdStepFn = void (*)(std::int64_t n, float* p, const float* g, float lr);
// Adam's update of n parameters (Kingma & Ba, PyTorch's arrangement):
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;
//   p -= step * m / (sqrt(v) * inv_sqrt_c2 + epsilon)
// with step = lr / (1 - beta1^t) and inv_sqrt_c2 = 1 / sqrt(1 - beta2^t).
struct AdamStep {
  float beta1, beta2, step, inv_sqrt_c2, epsilon;
};
using AdamStepFn = void (*)(std::int64_t n, float* p, const float* g, float* m, float* v,
                            const AdamStep& s);
// y[i] = act(x[i]) for i < n (x and y may be the same array).
using ActivateFn = void (*)(std::int64_t n, const float* x, float* y, Activation act);

// Sum over i < n of the binary cross-entropy of target y[i] against sigmoid(z[i]), from
// the logit: max(z, 0) - z*y + log1p(exp(-|z|)). Vectorized ISAs evaluate the terms in
// float and sum them in double per chunk; the scalar table evaluates them in double.
using BceSumFn = double (*)(std::int64_t n, const float* z, const float* y);

// The loss part of dense_forward_loss: targets, the delta's scale, and the error sums
// the call adds to.
struct OutputLoss {
  const float* target;     // Y, m x n
  std::int32_t ld_target;  // leading dimension of Y
  float scale;             // d(loss)/d(a - y) per element, e.g. 1/(m*n)
  bool bce;                // delta without f' (sigmoid output with cross-entropy)
  double sse = 0;          // += sum of (A - Y)^2
  double bce_sum = 0;      // += sum of the cross-entropy terms (only when bce)
};

// The output layer of a training step in one pass: Z = X[m x k] W[n x k]^T + bias,
// A = act(Z), D[m x n] = scale * (A - Y) * f'(A), or scale * (A - Y) for bce (act must
// be sigmoid then; the cross-entropy terms come from Z so they stay finite). A and Z
// are never stored.
using DenseForwardLossFn = void (*)(std::int32_t m, std::int32_t n, std::int32_t k,
                                    const float* x, std::int32_t ldx, const float* w,
                                    std::int32_t ldw, const float* bias, Activation act,
                                    OutputLoss* loss, float* d, std::int32_t ldd);

// A stride-1 convolution straight from channel planes, vectorized over positions (no
// patch matrix; suits few filters, where a GEMM over channels-last pixels would leave
// vector lanes empty):
//   y[f * ldy + i] = sum over ky, kx < kernel and c < channels of
//       w[f * ldw + (ky * kernel + kx) * channels + c] * x[c * plane + i + ky * row + kx]
// for f < filters and i < count, summed in that (ky, kx, c) order. The caller lays
// each channel of its zero-padded images out as one plane of rows `row` floats long,
// so i runs over the padded grid; x must be readable up to
// (channels - 1) * plane + count - 1 + (kernel - 1) * (row + 1).
using ConvPlanesFn = void (*)(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                              std::int64_t row, std::int64_t plane, std::int64_t count,
                              const float* x, const float* w, std::int32_t ldw, float* y,
                              std::int64_t ldy);

// A stride-1 convolution straight from channels-last pixels, vectorized over filters
// (no patch matrix; suits one-channel inputs and filters filling whole vectors):
//   y[i * ldy + f] = act(bias[f] + sum over ky, kx < kernel and c < channels of
//       wt[((ky * kernel + kx) * channels + c) * ldw + f] * x[(i + ky * row + kx) * channels + c])
// for i < count and f < filters, summed in that (ky, kx, c) order. wt is the weight
// matrix transposed (patch-major, filters contiguous); bias may be null. The caller
// passes one output row of a zero-padded image whose rows are `row` pixels long.
using ConvPixelsFn = void (*)(std::int32_t filters, std::int32_t channels, std::int32_t kernel,
                              std::int64_t row, std::int64_t count, const float* x,
                              const float* wt, std::int32_t ldw, const float* bias,
                              Activation act, float* y, std::int64_t ldy);

// The weight gradient of a conv_pixels convolution over one image of `lines` output
// rows of `width` pixels, in the transposed layout:
//   dwt[((ky * kernel + kx) * channels + c) * lddw + f] (+)= sum over lines l and pixels
//       o < width of dz[(l * width + o) * ldz + f] * x[(l * row + o + ky * row + kx) * channels + c]
// for f < filters, summed over l, then o. x is the zero-padded image (rows `row`
// pixels long), dz the output gradient, channels-last.
using ConvPixelsGradientFn = void (*)(std::int32_t filters, std::int32_t channels,
                                      std::int32_t kernel, std::int64_t row,
                                      std::int64_t lines, std::int64_t width, const float* x,
                                      const float* dz, std::int64_t ldz, float* dwt,
                                      std::int32_t lddw, bool accumulate);

// A stride-1 convolution with one filter, straight from channels-last pixels,
// vectorized over each kernel row's kernel * channels consecutive inputs (a filter
// vector would have one lane in use):
//   y[i] = act(bias[0] + sum over ky < kernel and j < kernel * channels of
//       w[ky * kernel * channels + j] * x[(i + ky * row) * channels + j])
// for i < count; bias may be null. The caller passes one output row of a zero-padded
// image whose rows are `row` pixels long, as for conv_pixels.
using ConvOneFilterFn = void (*)(std::int32_t channels, std::int32_t kernel, std::int64_t row,
                                 std::int64_t count, const float* x, const float* w,
                                 const float* bias, Activation act, float* y);

// The weight gradient of a stride-1 convolution over one zero-padded channels-last
// image of `lines` output rows of `width` pixels (rows `row` pixels long), vectorized
// over each kernel row's kernel * channels consecutive inputs (suits few filters;
// conv_pixels_gradient suits many):
//   dw[f * lddw + ky * kernel * channels + j] (+)= sum over l < lines and o < width of
//       dz[(l * width + o) * ldz + f] * x[((l + ky) * row + o) * channels + j]
// for f < filters.
using ConvRunsGradientFn = void (*)(std::int32_t filters, std::int32_t channels,
                                    std::int32_t kernel, std::int64_t row, std::int64_t lines,
                                    std::int64_t width, const float* x, const float* dz,
                                    std::int64_t ldz, float* dw, std::int32_t lddw,
                                    bool accumulate);

// 2x2 max pooling, stride 2, 'same' padding, over channels-last images (batch x height
// x width x channels) to (height + 1) / 2 x (width + 1) / 2; at an odd edge the window
// repeats its last row or column (pool_windows.hpp).
//   forward: y = the window's maximum (the first one on ties);
//   backward: dx = dy at the window's first maximum in row-major order, 0 at its other
//   places; 0 in the whole window when relu_input and the maximum is not above 0 (the
//   ReLU before the pool passed no gradient there). Writes every element of dx.
using MaxPoolFn = void (*)(std::int32_t batch, std::int32_t height, std::int32_t width,
                           std::int32_t channels, const float* x, float* y);
using MaxPoolBackwardFn = void (*)(std::int32_t batch, std::int32_t height, std::int32_t width,
                                   std::int32_t channels, const float* x, const float* dy,
                                   bool relu_input, float* dx);

// noisy[i] = clean[i] + stddev * z(key, first + i) for i < n, clipped to [0, 1] when
// clip: denoising training's input. z is value first + i of key's N(0, 1) stream, a
// function of (key, index) alone and the same bits on every ISA (gaussian_noise.hpp
// defines it), so parts of a batch can each make their own rows' noise.
struct NoiseKey {
  std::uint32_t k0, k1;
};
using AddNoiseFn = void (*)(std::int64_t n, const float* clean, float stddev, bool clip,
                            const NoiseKey& key, std::uint64_t first, float* noisy);

// One field per line of f32_kernels.inc, named as the kernel.
struct F32Kernels {
  const char* isa;
#define TINYAE_F32_KERNEL(name, Fn) Fn name;
#include "f32_kernels.inc"
#undef TINYAE_F32_KERNEL
};

// The table of ISA `isa` from K, which has a function (or static member function) named
// after every line of f32_kernels.inc: filled by name, so entries cannot be swapped.
template <class K>
constexpr F32Kernels make_f32_table(const char* isa) {
  F32Kernels t{};
  t.isa = isa;
#define TINYAE_F32_KERNEL(name, Fn) t.name = Fn{K::name};
#include "f32_kernels.inc"
#undef TINYAE_F32_KERNEL
  return t;
}

// Plain loops; the reference the vectorized kernels are tested against, and the only
// path on targets without SIMD.
extern const F32Kernels kF32Scalar;

// The table in use: the best the CPU has, unless forced (see tinyae/isa.hpp).
const F32Kernels& f32();
// What TINYAE_FORCE_ISA asks for, checked: ok when it is unset or names an ISA this
// build and CPU can run, else the reason. f32() cannot fail and then uses the best ISA,
// so every set-up returns this error first: a bad name is never a silent fallback.
Status forced_isa_status();

// The table for an ISA by name ("scalar", "avx2", "avx512", "neon"), or null when this
// build lacks it or this CPU cannot run it. Tests use it to check every ISA.
const F32Kernels* f32_for(const char* isa);

// Every ISA this build knows, best first, for tests and benchmarks (null-terminated).
extern const char* const kIsaNames[];

}  // namespace tinyae::kernels
