// NetworkSpec: the architecture of an autoencoder, as a constexpr-buildable value.
//
//   constexpr auto spec = tinyae::NetworkSpec(tinyae::Shape::vector(8))
//                             .dense(3, tinyae::Activation::sigmoid).code()
//                             .dense(8, tinyae::Activation::sigmoid);
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
TINYAE_EXPORT Status parse_activation(const char* name, Activation* out);
TINYAE_EXPORT const char* activation_name(Activation activation);

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

enum class LayerKind : std::uint8_t { dense };

struct LayerSpec {
  LayerKind kind = LayerKind::dense;
  Activation activation = Activation::identity;
  Shape output{};
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
    NetworkSpec s = *this;
    if (s.num_layers >= kMaxLayers) {
      s.builder_error = true;
      return s;
    }
    s.layers[s.num_layers] = LayerSpec{LayerKind::dense, activation, Shape::vector(units)};
    ++s.num_layers;
    return s;
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

  // Trainable values of one layer: weights (out x in, row-major) and biases.
  constexpr std::int64_t weight_count(std::int32_t layer) const {
    return layers[layer].output.size() * layer_input(layer).size();
  }
  constexpr std::int64_t bias_count(std::int32_t layer) const {
    return layers[layer].output.size();
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

  static constexpr std::int64_t padded_floats(std::int64_t n) {
    constexpr std::int64_t per_line = static_cast<std::int64_t>(kAlignment / sizeof(float));
    return (n + per_line - 1) / per_line * per_line;
  }
};

// Checks a spec: at least one layer, positive sizes, a code layer, output shape equal
// to the input shape (an autoencoder reconstructs its input), sizes that fit memory.
TINYAE_EXPORT Status validate(const NetworkSpec& spec);

}  // namespace tinyae
