// The image layers: 2-D convolution, 2x2 max pooling and nearest-neighbour resizing,
// forward and backward, on a batch of samples.
//
// Layout: every image is stored channels-last (NHWC): sample s, row y, column x,
// channel c at ((s * H + y) * W + x) * C + c. Shapes are still written C x H x W (as
// NetworkSpec does). Channels-last makes a convolution one GEMM with no transposes:
// the patch matrix (im2col) has one row per output pixel, holding its kernel x kernel
// x C window as kernel runs of kernel * C contiguous floats, so
//   Y[pixels x F] = act(patches[pixels x K] * W[F x K]^T + bias)
// is exactly the dense layer's fused forward kernel (bias and activation per column =
// per filter), and the output is channels-last again. Pooling and resizing move whole
// pixels of C contiguous floats. With one channel (the input and output images of
// the reference systems) the layout is the plain row-major image.
//
// Weights of a convolution are F x K, K = kernel * kernel * C in (ky, kx, c) order.
//
// Nothing here allocates: the caller passes scratch of conv2d_scratch_floats().
#pragma once

#include <cstdint>

#include "../kernels/f32_kernels.hpp"
#include "tinyae/conv_geometry.hpp"
#include "tinyae/network_spec.hpp"

namespace tinyae::conv {

// y (batch x output) = act(conv(x) + bias); bias may be null.
void conv2d_forward(const kernels::F32Kernels& k, const Conv2dGeometry& g, std::int32_t batch,
                    const float* x, const float* weights, const float* bias, Activation act,
                    float* y, float* scratch);

// From dz = dL/d(pre-activation output) (batch x output): the weight gradient
// dweights (F x K) and bias gradient dbias (F), both overwritten, and dx = dL/dx
// (batch x input, overwritten; null when not needed, e.g. for the first layer).
void conv2d_backward(const kernels::F32Kernels& k, const Conv2dGeometry& g, std::int32_t batch,
                     const float* x, const float* weights, const float* dz, float* dweights,
                     float* dbias, float* dx, float* scratch);

// 2x2 max pooling, stride 2, 'same' padding: H x W -> ceil(H/2) x ceil(W/2), the last
// window of an odd size holding the one remaining row or column.
constexpr Shape max_pool2d_output(Shape input) {
  return Shape{input.channels, (input.height + 1) / 2, (input.width + 1) / 2};
}

void max_pool2d_forward(Shape input, std::int32_t batch, const float* x, float* y);
// dx (overwritten) = dy routed to each window's maximum (the first in row-major order
// on ties), found again from x, so the forward pass keeps no indices. With relu_input
// (x is a ReLU's output), also times the ReLU's derivative: nothing is routed where
// the maximum is 0, so the caller needs no pass over dx for it.
void max_pool2d_backward(Shape input, std::int32_t batch, const float* x, const float* dy,
                         bool relu_input, float* dx);

// Nearest-neighbour resize to height x width: output (oy, ox) copies input
// (floor(oy * H / height), floor(ox * W / width)), PyTorch's mode='nearest'.
void resize_nearest_forward(Shape input, std::int32_t height, std::int32_t width,
                            std::int32_t batch, const float* x, float* y);
// dx (overwritten) = the sum of dy over the output pixels that copy each input pixel.
void resize_nearest_backward(Shape input, std::int32_t height, std::int32_t width,
                             std::int32_t batch, const float* dy, float* dx);

}  // namespace tinyae::conv
