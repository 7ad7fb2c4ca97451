// The float kernels the layers call, as one table of function pointers chosen once.
//
// Matrices are row-major with leading dimensions (elements between rows). Kernels
// never allocate, never start threads and never report errors: callers pass valid
// sizes. "accumulate" adds the product to C instead of overwriting it.
#pragma once

#include <cstdint>

#include "tinyae/network_spec.hpp"

namespace tinyae::kernels {

// C[m x n] (+)= A[m x k] * B[n x k]^T
using GemmNtFn = void (*)(std::int32_t m, std::int32_t n, std::int32_t k, const float* a,
                          std::int32_t lda, const float* b, std::int32_t ldb, float* c,
                          std::int32_t ldc, bool accumulate);
// C[m x n] (+)= A[m x k] * B[k x n]
using GemmNnFn = GemmNtFn;
// C[m x n] (+)= A[k x m]^T * B[k x n]
using GemmTnFn = GemmNtFn;

// Y[m x n] = act(X[m x k] * W[n x k]^T + bias[n]): a dense layer's forward pass.
using DenseForwardFn = void (*)(std::int32_t m, std::int32_t n, std::int32_t k, const float* x,
                                std::int32_t ldx, const float* w, std::int32_t ldw,
                                const float* bias, Activation act, float* y, std::int32_t ldy);
// G[m x n] *= f'(A), A being the activation's output: dL/da into dL/dz.
using ActivationBackwardFn = void (*)(std::int32_t m, std::int32_t n, const float* a,
                                      std::int32_t lda, float* g, std::int32_t ldg,
                                      Activation act);
// sums[n] (+)= column sums of G[m x n]: a bias gradient.
using ColumnSumFn = void (*)(std::int32_t m, std::int32_t n, const float* g, std::int32_t ldg,
                             float* sums, bool accumulate);

struct F32Kernels {
  const char* isa;
  GemmNtFn gemm_nt;
  GemmNnFn gemm_nn;
  GemmTnFn gemm_tn;
  DenseForwardFn dense_forward;
  ActivationBackwardFn activation_backward;
  ColumnSumFn column_sum;
};

// Plain loops; the reference the vectorized kernels are tested against.
extern const F32Kernels kF32Scalar;

// The table in use.
const F32Kernels& f32();

}  // namespace tinyae::kernels
