// What the convolution layers need to know before any memory exists: their geometry
// and how much scratch their lowering onto the GEMM kernels takes. Internal to tinyae
// (lib/core/conv_layers implements the layers); public only because arena_bytes()
// is constexpr and counts that scratch.
#pragma once

#include <cstdint>

#include "tinyae/network_spec.hpp"

namespace tinyae::conv {

struct Conv2dGeometry {
  Shape input;
  Shape output;  // channels = filters
  std::int32_t kernel = 1;
  std::int32_t stride = 1;
  std::int32_t pad_top = 0;
  std::int32_t pad_left = 0;

  // Length of one patch: a row of the patch matrix and of the weight matrix.
  constexpr std::int32_t patch() const { return kernel * kernel * input.channels; }
  constexpr std::int64_t pixels() const { return std::int64_t{output.height} * output.width; }
};

constexpr Conv2dGeometry conv2d_geometry(Shape input, std::int32_t filters, std::int32_t kernel,
                                         std::int32_t stride, Padding padding) {
  Conv2dGeometry g;
  g.input = input;
  g.output = Shape{filters, conv_output_size(input.height, kernel, stride, padding),
                   conv_output_size(input.width, kernel, stride, padding)};
  g.kernel = kernel;
  g.stride = stride;
  g.pad_top = conv_pad_before(input.height, kernel, stride, padding);
  g.pad_left = conv_pad_before(input.width, kernel, stride, padding);
  return g;
}

// How a convolution is lowered onto the float kernels (see conv_layers.cpp):
//   direct        1x1, stride 1: the input is already the patch matrix.
//   planes        stride 1 with 2 to 8 filters: the input is copied once into
//                 zero-padded channel planes and convolved straight from them by the
//                 conv_planes kernel, vectorized over pixels (vectorized over so few
//                 filters, most lanes of an AVX-512 vector would stay empty).
//   pixels        stride 1 with 9 or more filters: the input is copied once into a
//                 zero-padded image and convolved straight from it by the
//                 conv_pixels kernel, vectorized over filters, an output row at a
//                 time with the bias and activation applied before the store (no
//                 patch matrix, no pass over the output afterwards).
//   one_filter    stride 1 with one filter: the input is copied once into a
//                 zero-padded image and convolved straight from it by the
//                 conv_one_filter kernel, vectorized over each kernel row's
//                 kernel * C consecutive inputs, with the bias and activation applied
//                 before the store.
//   runs          (weight gradients of the planes and one_filter methods) the input is
//                 copied once into a zero-padded image and the conv_runs_gradient kernel
//                 sums dZ times each kernel row's kernel * C consecutive inputs,
//                 vectorized over those inputs.
//   patches       otherwise (strides > 1): an explicit patch matrix.
enum class ConvMethod : std::uint8_t { direct, planes, pixels, one_filter, runs, patches };

constexpr ConvMethod conv2d_method(const Conv2dGeometry& g) {
  if (g.kernel == 1 && g.stride == 1) return ConvMethod::direct;
  if (g.stride != 1) return ConvMethod::patches;
  if (g.output.channels == 1) return ConvMethod::one_filter;
  return g.output.channels <= 8 ? ConvMethod::planes : ConvMethod::pixels;
}

// How the weight gradient dW = dZ^T * patches is formed: the same as the forward pass
// for direct, pixels and patches; by runs after planes and one_filter.
constexpr ConvMethod conv2d_weight_gradient_method(const Conv2dGeometry& g) {
  const ConvMethod m = conv2d_method(g);
  return m == ConvMethod::planes || m == ConvMethod::one_filter ? ConvMethod::runs : m;
}

// Work is done a few samples at a time, about this many floats of scratch, so it stays
// in the L2 cache between being written and being read.
inline constexpr std::int64_t kConvChunkFloats = std::int64_t{1} << 16;

constexpr std::int32_t conv_chunk_samples(std::int64_t floats_per_sample, std::int32_t batch) {
  std::int64_t n = floats_per_sample > 0 ? kConvChunkFloats / floats_per_sample : batch;
  if (n < 1) n = 1;
  return n < batch ? static_cast<std::int32_t>(n) : batch;
}

// Pixels of the zero-padded input grid (every stride-1 method but direct), per sample.
constexpr std::int64_t padded_pixels(const Conv2dGeometry& g) {
  return std::int64_t{g.output.height + g.kernel - 1} * (g.output.width + g.kernel - 1);
}

// Pixels of the zero-padded grid, times the channels in and out: the floats per sample
// of the planes method (padded input planes, output over the grid).
constexpr std::int64_t grid_floats(const Conv2dGeometry& g) {
  return padded_pixels(g) * (g.input.channels + g.output.channels);
}

// Floats per sample of one chunk by a method (padded input and the output over the
// padded grid, or the patch matrix).
constexpr std::int64_t conv2d_chunk_floats(const Conv2dGeometry& g, ConvMethod method) {
  switch (method) {
    case ConvMethod::direct: return 0;
    case ConvMethod::planes: return grid_floats(g);
    case ConvMethod::pixels:
    case ConvMethod::one_filter:
    case ConvMethod::runs: return padded_pixels(g) * g.input.channels;
    case ConvMethod::patches: break;
  }
  return g.pixels() * g.patch();
}

// A copy of the weights (turned for the input gradient, transposed for the pixels
// method and its weight gradient) is kept at the start of the scratch, on a 64-byte
// boundary.
constexpr std::int64_t turned_weight_floats(const Conv2dGeometry& g) {
  return NetworkSpec::padded_floats(std::int64_t{g.patch()} * g.output.channels);
}

// Scratch of a pass by a method: the weights' copy (pixels) and one chunk.
constexpr std::int64_t conv2d_pass_scratch(const Conv2dGeometry& g, ConvMethod method,
                                           std::int32_t batch) {
  const std::int64_t floats = conv2d_chunk_floats(g, method);
  const std::int64_t weights = method == ConvMethod::pixels ? turned_weight_floats(g) : 0;
  return weights + std::int64_t{conv_chunk_samples(floats, batch)} * floats;
}

constexpr std::int64_t conv2d_forward_scratch(const Conv2dGeometry& g, std::int32_t batch) {
  return conv2d_pass_scratch(g, conv2d_method(g), batch);
}

// The input gradient of a stride-1 convolution is itself a stride-1 convolution of
// the output gradient (F channels in, C out) with the kernel turned by 180 degrees
// and padded by kernel - 1 - pad.
constexpr Conv2dGeometry conv2d_transposed(const Conv2dGeometry& g) {
  Conv2dGeometry t;
  t.input = g.output;
  t.output = g.input;
  t.kernel = g.kernel;
  t.stride = 1;
  t.pad_top = g.kernel - 1 - g.pad_top;
  t.pad_left = g.kernel - 1 - g.pad_left;
  return t;
}

// Scratch floats conv2d_forward and conv2d_backward need for up to `batch` samples.
constexpr std::int64_t conv2d_scratch_floats(const Conv2dGeometry& g, std::int32_t batch) {
  if (batch <= 0) return 0;
  std::int64_t need = conv2d_forward_scratch(g, batch);
  const std::int64_t weight_gradient =
      conv2d_pass_scratch(g, conv2d_weight_gradient_method(g), batch);
  if (weight_gradient > need) need = weight_gradient;
  if (g.stride == 1 && conv2d_method(g) != ConvMethod::direct) {
    const std::int64_t input_gradient =
        turned_weight_floats(g) + conv2d_forward_scratch(conv2d_transposed(g), batch);
    if (input_gradient > need) need = input_gradient;
  }
  return need;
}

// The geometry of layer l of spec, a conv2d layer.
constexpr Conv2dGeometry conv2d_geometry(const NetworkSpec& spec, std::int32_t l) {
  const LayerSpec& layer = spec.layers[l];
  return conv2d_geometry(spec.layer_input(l), layer.output.channels, layer.kernel, layer.stride,
                         layer.padding);
}

// Scratch floats every conv2d layer of spec can share for up to `rows` samples.
constexpr std::int64_t scratch_floats(const NetworkSpec& spec, std::int32_t rows) {
  std::int64_t need = 0;
  for (std::int32_t l = 0; l < spec.num_layers && l < kMaxLayers; ++l) {
    if (spec.layers[l].kind != LayerKind::conv2d) continue;
    const std::int64_t n = conv2d_scratch_floats(conv2d_geometry(spec, l), rows);
    if (n > need) need = n;
  }
  return need;
}

}  // namespace tinyae::conv
