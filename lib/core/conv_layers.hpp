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
#include <cstring>

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
// The copy itself, for any element: floats here, the int8 network's stored bytes.
template <class T>
void resize_nearest_copy(Shape input, std::int32_t height, std::int32_t width, std::int32_t batch,
                         const T* x, T* y) {
  using Index = std::int64_t;
  const Index c = input.channels;
  const Index row_elements = Index{width} * c;
  for (std::int32_t s = 0; s < batch; ++s) {
    for (std::int32_t oy = 0; oy < height; ++oy) {
      const Index iy = Index{oy} * input.height / height;
      T* dst = y + (Index{s} * height + oy) * row_elements;
      if (oy > 0 && Index{oy - 1} * input.height / height == iy) {
        // The same input row as the output row above: copy that whole row at once.
        std::memcpy(dst, dst - row_elements, static_cast<std::size_t>(row_elements) * sizeof(T));
        continue;
      }
      // Pixel by pixel (a few elements each: a loop, not a memcpy call per pixel).
      const T* src = x + (Index{s} * input.height + iy) * input.width * c;
      for (std::int32_t ox = 0; ox < width; ++ox) {
        const T* p = src + Index{ox} * input.width / width * c;
        for (Index ch = 0; ch < c; ++ch) dst[ox * c + ch] = p[ch];
      }
    }
  }
}
// dx (overwritten) = the sum of dy over the output pixels that copy each input pixel.
void resize_nearest_backward(Shape input, std::int32_t height, std::int32_t width,
                             std::int32_t batch, const float* dy, float* dx);

}  // namespace tinyae::conv
