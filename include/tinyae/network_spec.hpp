// NetworkSpec: the architecture of an autoencoder, as a constexpr-buildable value.
//
//   constexpr auto spec = tinyae::NetworkSpec(tinyae::Shape::vector(8))
//                             .dense(3, tinyae::Activation::sigmoid).code()
//                             .dense(8, tinyae::Activation::sigmoid);
//
// Image layers: conv2d(filters, kernel, stride, padding, activation), max_pool2d()
// (2x2, stride 2, 'same': 7 -> 4) and resize(height, width) (nearest neighbour).
// Images are stored channels-last (pixel by pixel, the C values of a pixel together);
// a dense layer after an image layer reads it flattened in that order.
//
// A spec is a plain value with fixed capacity (no heap), so firmware can size its
// arena at compile time with tinyae::arena_bytes(spec, ...).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tinyae/status.hpp"

namespace tinyae {

inline constexpr std::int32_t kMaxLayers = 16;
// Every buffer and every parameter tensor starts on this boundary (one cache line,
// one AVX-512 register).
inline constexpr std::size_t kAlignment = 64;

constexpr std::size_t align_up(std::size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

enum class Activation : std::uint8_t { identity, sigmoid, tanh, relu };

// Names: "identity" (also "linear"), "sigmoid", "tanh", "relu".
Status parse_activation(const char* name, Activation* out);
const char* activation_name(Activation activation);

// Channels x height x width. Dense layers use {units, 1, 1}.
struct Shape {
  std::int32_t channels = 0;
  std::int32_t height = 0;
  std::int32_t width = 0;

  static constexpr Shape vector(std::int32_t n) { return Shape{n, 1, 1}; }
  constexpr std::int64_t size() const {
    return std::int64_t{channels} * height * width;
  }
  constexpr bool operator==(const Shape& o) const {
    return channels == o.channels && height == o.height && width == o.width;
  }
};

enum class LayerKind : std::uint8_t { dense, conv2d, max_pool2d, resize };
// Names: "dense", "conv2d", "max_pool2d", "resize".
const char* layer_kind_name(LayerKind kind);

// 'same': output = ceil(input / stride), zeros around the input split as TensorFlow and
// PyTorch do (an odd one goes after); 'valid': no padding.
enum class Padding : std::uint8_t { valid, same };

// Output size of a convolution along one axis (0 when the kernel does not fit).
constexpr std::int32_t conv_output_size(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                                        Padding padding) {
  if (kernel < 1 || stride < 1) return 0;
  if (padding == Padding::same) return (in + stride - 1) / stride;
  return in >= kernel ? (in - kernel) / stride + 1 : 0;
}

// Zero rows (or columns) a convolution adds before the first input row.
constexpr std::int32_t conv_pad_before(std::int32_t in, std::int32_t kernel, std::int32_t stride,
                                       Padding padding) {
  if (padding == Padding::valid) return 0;
  const std::int32_t total = (conv_output_size(in, kernel, stride, padding) - 1) * stride + kernel - in;
  return total > 0 ? total / 2 : 0;
}

// Largest kernel and stride (the model file keeps them in 8 and 4 bits).
inline constexpr std::int32_t kMaxKernel = 255;
inline constexpr std::int32_t kMaxStride = 15;

struct LayerSpec {
  LayerKind kind = LayerKind::dense;
  Activation activation = Activation::identity;
  Shape output{};
  // conv2d: square kernel size, stride and padding; max_pool2d: 2, 2, same.
  std::int32_t kernel = 0;
  std::int32_t stride = 0;
  Padding padding = Padding::valid;
};

struct NetworkSpec {
  Shape input{};
  LayerSpec layers[kMaxLayers] = {};
  std::int32_t num_layers = 0;
  // Index of the bottleneck layer; encode() runs layers 0..code_layer.
  std::int32_t code_layer = -1;
  // Set when a builder call was invalid (too many layers, code() with no layer);
  // validate() reports it.
  bool builder_error = false;

  constexpr NetworkSpec() = default;
  constexpr explicit NetworkSpec(Shape input_shape) : input(input_shape) {}

  // Appends a fully connected layer with `units` outputs (input is flattened).
  constexpr NetworkSpec dense(std::int32_t units, Activation activation) const {
    return append(LayerSpec{LayerKind::dense, activation, Shape::vector(units)});
  }

  // Appends a 2-D convolution: `filters` kernels of kernel x kernel x C (C = channels
  // of the previous output), with biases and a fused activation.
  constexpr NetworkSpec conv2d(std::int32_t filters, std::int32_t kernel, std::int32_t stride,
                               Padding padding, Activation activation) const {
    const Shape in = output();
    const Shape out{filters, conv_output_size(in.height, kernel, stride, padding),
                    conv_output_size(in.width, kernel, stride, padding)};
    return append(LayerSpec{LayerKind::conv2d, activation, out, kernel, stride, padding});
  }

  // Appends 2x2 max pooling with stride 2 and 'same' padding: H x W -> ceil(H/2) x ceil(W/2).
  constexpr NetworkSpec max_pool2d() const {
    const Shape in = output();
    const Shape out{in.channels, (in.height + 1) / 2, (in.width + 1) / 2};
    return append(LayerSpec{LayerKind::max_pool2d, Activation::identity, out, 2, 2, Padding::same});
  }

  // Appends a nearest-neighbour resize to height x width (output pixel (y, x) copies
  // input pixel (floor(y * H / height), floor(x * W / width)), as PyTorch's 'nearest').
  constexpr NetworkSpec resize(std::int32_t height, std::int32_t width) const {
    const Shape out{output().channels, height, width};
    return append(LayerSpec{LayerKind::resize, Activation::identity, out, 0, 0, Padding::valid});
  }

  // Marks the most recently added layer as the code (bottleneck) layer.
  constexpr NetworkSpec code() const {
    NetworkSpec s = *this;
    if (s.num_layers == 0) s.builder_error = true;
    s.code_layer = s.num_layers - 1;
    return s;
  }

  constexpr Shape layer_input(std::int32_t layer) const {
    return layer == 0 ? input : layers[layer - 1].output;
  }
  constexpr Shape output() const {
    return num_layers == 0 ? input : layers[num_layers - 1].output;
  }
  constexpr Shape code_shape() const {
    return code_layer < 0 ? Shape{} : layers[code_layer].output;
  }

  // Trainable values of one layer and their layout: dense: weights out x in
  // (row-major) and one bias per output; conv2d: weights filters x (kernel rows x
  // kernel columns x input channels) and one bias per filter; pooling and resizing
  // have none.
  constexpr std::int64_t weight_count(std::int32_t layer) const {
    const LayerSpec& l = layers[layer];
    switch (l.kind) {
      case LayerKind::dense: return l.output.size() * layer_input(layer).size();
      case LayerKind::conv2d:
        return std::int64_t{l.output.channels} * l.kernel * l.kernel * layer_input(layer).channels;
      case LayerKind::max_pool2d:
      case LayerKind::resize: break;
    }
    return 0;
  }
  constexpr std::int64_t bias_count(std::int32_t layer) const {
    const LayerSpec& l = layers[layer];
    switch (l.kind) {
      case LayerKind::dense: return l.output.size();
      case LayerKind::conv2d: return l.output.channels;
      case LayerKind::max_pool2d:
      case LayerKind::resize: break;
    }
    return 0;
  }
  // Inputs and outputs one weight connects, for Glorot initialisation (as Keras:
  // a convolution's fans are kernel x kernel x channels in and filters).
  constexpr std::int64_t fan_in(std::int32_t layer) const {
    const LayerSpec& l = layers[layer];
    return l.kind == LayerKind::conv2d ? std::int64_t{l.kernel} * l.kernel * layer_input(layer).channels
                                       : layer_input(layer).size();
  }
  constexpr std::int64_t fan_out(std::int32_t layer) const {
    const LayerSpec& l = layers[layer];
    return l.kind == LayerKind::conv2d ? std::int64_t{l.kernel} * l.kernel * l.output.channels
                                       : l.output.size();
  }
  constexpr bool all_dense() const {
    for (std::int32_t l = 0; l < num_layers; ++l) {
      if (layers[l].kind != LayerKind::dense) return false;
    }
    return true;
  }
  // Parameters are stored in one block: for each layer its weights, then its biases,
  // each starting on a kAlignment boundary. These give offsets in floats.
  constexpr std::int64_t weight_offset(std::int32_t layer) const {
    std::int64_t off = 0;
    for (std::int32_t l = 0; l < layer; ++l) {
      off += padded_floats(weight_count(l)) + padded_floats(bias_count(l));
    }
    return off;
  }
  constexpr std::int64_t bias_offset(std::int32_t layer) const {
    return weight_offset(layer) + padded_floats(weight_count(layer));
  }
  // Length of the parameter block in floats, padding included.
  constexpr std::int64_t parameter_floats() const { return weight_offset(num_layers); }
  // Number of trainable values, padding excluded.
  constexpr std::int64_t parameter_count() const {
    std::int64_t n = 0;
    for (std::int32_t l = 0; l < num_layers; ++l) n += weight_count(l) + bias_count(l);
    return n;
  }
  // Widest activation (input included), in floats per sample.
  constexpr std::int64_t max_width() const {
    std::int64_t w = input.size();
    for (std::int32_t l = 0; l < num_layers; ++l) {
      if (layers[l].output.size() > w) w = layers[l].output.size();
    }
    return w;
  }

  // Appends a layer as it is (the builders above fill in its output shape).
  constexpr NetworkSpec append(const LayerSpec& layer) const {
    NetworkSpec s = *this;
    if (s.num_layers >= kMaxLayers) {
      s.builder_error = true;
      return s;
    }
    s.layers[s.num_layers] = layer;
    ++s.num_layers;
    return s;
  }

  static constexpr std::int64_t padded_floats(std::int64_t n) {
    constexpr std::int64_t per_line = static_cast<std::int64_t>(kAlignment / sizeof(float));
    return (n + per_line - 1) / per_line * per_line;
  }
};

// Checks a spec: at least one layer, positive sizes, image layers whose parameters
// and output shapes agree with their input, a code layer, output shape equal to the
// input shape (an autoencoder reconstructs its input), sizes that fit memory.
Status validate(const NetworkSpec& spec);

}  // namespace tinyae
