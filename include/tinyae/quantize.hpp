// Int8 encoder: post-training quantization of a trained network's encoder (its layers
// from the input to the code layer) and integer-only inference, with no heap.
//
//   std::size_t bytes = tinyae::quantized_model_bytes(spec) + tinyae::quantize_work_bytes(spec);
//   tinyae::QuantizedModel model;
//   tinyae::Status s = tinyae::quantize(net, calibration, rows, cols, {}, arena, &model);
//   tinyae::QuantizedEncoder encoder;
//   s = encoder.setup(model, max_batch, arena);    // quantized_encoder_bytes(spec, max_batch)
//   model.quantize_input(x, rows * cols, in);      // float -> uint8
//   s = encoder.encode(in, rows, code);            // int8 codes; integers only
//   model.dequantize_code(code, rows * code_size, out);
//
// Numbers (all integers at inference):
// - Input: uint8, x = input_scale * (q - input_zero_point). With
//   QuantizeOptions::fixed_input_range over [0, 1], 8-bit pixels are the input as they are.
// - Weights: int8 in [-127, 127], one symmetric scale per output channel.
// - Hidden activations: uint8 with a scale and zero point calibrated on data; the code:
//   int8, code = code_scale * (q - code_zero_point).
// - A layer: acc = bias[j] + sum_i w[j][i] * x[i] in int32 (the input zero point is
//   folded into bias), then v = clamp(requantize(acc, multiplier[j], shift[j]) +
//   output_zero_point, output_min, output_max); ReLU is that clamp (output_min is the
//   zero point); sigmoid and tanh layers requantize to their input's 8-bit grid and look
//   the output up in a 256-entry table built from the layer's scales.
// - Convolutions (channels-last, as the float layers): the same sum per output pixel
//   and filter over its kernel x kernel x C window. Taps in the padding read the input
//   zero point (real 0, the float layer's zero padding), so the folded bias is exact at
//   the borders too. Max pooling compares the stored bytes (monotone in the real value:
//   exact) and keeps its input's scale and zero point. The code is int8: the code layer
//   and, when the code layer is a max pooling, the layer with weights before it and the
//   poolings between them store int8.
// - requantize(acc, m, shift), m in [2^30, 2^31), shift in [-31, 30]: gemmlowp's and
//   TFLite's reference "double rounding" MultiplyByQuantizedMultiplier:
//     a = acc * 2^max(shift, 0)                            (never overflows: checked)
//     b = SaturatingRoundingDoublingHighMul(a, m) = floor((a * m + 2^30) / 2^31)
//     requantize = RoundingDivideByPOT(b, max(-shift, 0))  (ties away from zero)
//   the real factor being m * 2^(shift - 31). Every ISA gives the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tinyae/arena.hpp"
#include "tinyae/conv_geometry.hpp"
#include "tinyae/network.hpp"
#include "tinyae/network_spec.hpp"
#include "tinyae/status.hpp"

namespace tinyae {

enum class Calibration : std::uint8_t {
  min_max,     // each activation's range is the smallest and largest value seen
  percentile,  // the range keeps QuantizeOptions::percentile % of the values on each side
};

struct QuantizeOptions {
  Calibration calibration = Calibration::min_max;
  double percentile = 99.99;  // in (50, 100]
  // Use [input_min, input_max] as the input's range instead of calibrating it, e.g.
  // [0, 1] for pixels / 255: the input scale is then 1/255 with zero point 0.
  bool fixed_input_range = false;
  float input_min = 0.0f;
  float input_max = 1.0f;
};

// One quantized layer (see the top of this file): dense, conv2d or max_pool2d. Tensors
// live in the arena quantize() was given.
struct QuantizedLayer {
  LayerKind kind = LayerKind::dense;
  Shape input_shape{};   // C x H x W, stored channels-last; dense: vectors
  Shape output_shape{};
  // conv2d: the window and where it starts (conv::Conv2dGeometry's fields).
  std::int32_t kernel = 0;
  std::int32_t stride = 0;
  std::int32_t pad_top = 0;
  std::int32_t pad_left = 0;
  // The weight matrix is outputs x inputs: dense: output size x input size; conv2d:
  // filters x (kernel * kernel * C) in (ky, kx, c) order; max_pool2d: none (0 x 0).
  std::int32_t inputs = 0;
  std::int32_t outputs = 0;
  Activation activation = Activation::identity;
  const std::int8_t* weights = nullptr;      // outputs x inputs, row-major
  const std::int32_t* bias = nullptr;        // outputs; the input zero point folded in
  const std::int32_t* multiplier = nullptr;  // outputs, in [2^30, 2^31), or 0
  const std::int32_t* shift = nullptr;       // outputs, in [-31, 30]
  // The grid requantize() maps the sums to, real = scale * (v - zero point): the
  // output's, or for a sigmoid/tanh layer its 8-bit pre-activation grid (the table's index).
  float requantized_scale = 0;
  std::int32_t requantized_zero_point = 0;
  std::int32_t clamp_min = 0;  // v's range: the stored range; for ReLU it starts at zero
  std::int32_t clamp_max = 0;
  const std::uint8_t* table = nullptr;  // sigmoid/tanh: 256 output bytes indexed by v
  float input_scale = 0;
  std::int32_t input_zero_point = 0;
  float output_scale = 0;  // of the stored values: uint8, or int8 for the code layer
  std::int32_t output_zero_point = 0;
  bool signed_output = false;

  // A conv2d layer's geometry, as the float layer's.
  constexpr conv::Conv2dGeometry conv_geometry() const {
    conv::Conv2dGeometry g;
    g.input = input_shape;
    g.output = output_shape;
    g.kernel = kernel;
    g.stride = stride;
    g.pad_top = pad_top;
    g.pad_left = pad_left;
    return g;
  }
};

struct QuantizedModel {
  std::int32_t num_layers = 0;  // the encoder's layers: 0 .. code layer
  QuantizedLayer layers[kMaxLayers];
  std::int32_t input_size = 0;
  std::int32_t code_size = 0;
  float input_scale = 0;
  std::int32_t input_zero_point = 0;
  float code_scale = 0;
  std::int32_t code_zero_point = 0;

  // q[i] = clamp(round(x[i] / input_scale + input_zero_point), 0, 255), computed in float
  // as v = clamp(x / scale + zero_point, 0, 255), q = (int)(v + 0.5), NaN -> 0 (the
  // exported C header does the same float operations). Vectorized on every ISA with
  // the same bytes as that scalar loop.
  void quantize_input(const float* x, std::int64_t n, std::uint8_t* q) const;
  // out[i] = code_scale * (q[i] - code_zero_point).
  void dequantize_code(const std::int8_t* q, std::int64_t n, float* out) const;
  // Bytes of the tensors inference reads (no padding): int8 weights, int32 bias,
  // multiplier and shift, tables.
  std::int64_t parameter_bytes() const;
};

namespace detail {
constexpr std::size_t bytes_of(std::int64_t n) {
  return n <= 0 ? 0 : align_up(static_cast<std::size_t>(n));
}
constexpr bool has_table(Activation a) {
  return a == Activation::sigmoid || a == Activation::tanh;
}
// QuantizedEncoder's bytes for one layer: weights in the kernels' layout (16 channels
// x 4 depths blocks) and their bias.
constexpr std::size_t packed_layer_bytes(std::int64_t inputs, std::int64_t outputs) {
  return bytes_of((outputs + 15) / 16 * 16 * ((inputs + 3) / 4 * 4)) + bytes_of(4 * outputs);
}
constexpr bool valid_encoder(const NetworkSpec& spec) {
  return spec.num_layers > 0 && spec.num_layers <= kMaxLayers && spec.code_layer >= 0 &&
         spec.code_layer < spec.num_layers;
}
// An int8 convolution is lowered onto the dense kernel: a few samples at a time (about
// conv::kConvChunkFloats bytes, so they stay in L2) are copied into grids padded with
// the input zero point, then into their uint8 patch matrix, times the filters. A 1x1
// stride-1 convolution reads its input as it is.
//
// The padded grid: the rows and columns the windows cover, (oh - 1) * stride + kernel
// by (ow - 1) * stride + kernel pixels.
constexpr std::int64_t i8_grid_pixels(const conv::Conv2dGeometry& g) {
  return std::int64_t{(g.output.height - 1) * g.stride + g.kernel} *
         ((g.output.width - 1) * g.stride + g.kernel);
}
// Patch rows are copied in whole 16-byte moves that may run past a row's end (the next
// row overwrites it): the patch matrix and the grid each have this much slack.
inline constexpr std::int64_t kI8CopySlack = 16;
constexpr std::int64_t i8_patch_bytes_per_sample(const conv::Conv2dGeometry& g) {
  return g.kernel == 1 && g.stride == 1 ? 0 : g.pixels() * g.patch() + i8_grid_pixels(g) * g.input.channels;
}
constexpr std::int32_t i8_conv_chunk_samples(const conv::Conv2dGeometry& g, std::int32_t batch) {
  return conv::conv_chunk_samples(i8_patch_bytes_per_sample(g), batch);
}
constexpr std::size_t i8_conv_scratch_bytes(const conv::Conv2dGeometry& g, std::int32_t batch) {
  const std::int64_t per_sample = i8_patch_bytes_per_sample(g);
  return per_sample == 0 ? 0
                         : bytes_of(std::int64_t{i8_conv_chunk_samples(g, batch)} * per_sample +
                                    2 * kI8CopySlack);
}
// Weight-matrix depth of layer l (0 for layers without weights).
constexpr std::int64_t weight_depth(const NetworkSpec& spec, std::int32_t l) {
  return spec.bias_count(l) > 0 ? spec.weight_count(l) / spec.bias_count(l) : 0;
}
// Calibration runs the float encoder over this many rows at a time.
inline constexpr std::int32_t kCalibrationRows = 64;
inline constexpr std::int32_t kHistogramBins = 2048;
// Scratch floats of the float convolutions calibration runs.
constexpr std::int64_t calibration_conv_floats(const NetworkSpec& spec) {
  std::int64_t floats = 0;
  for (std::int32_t l = 0; l <= spec.code_layer; ++l) {
    if (spec.layers[l].kind != LayerKind::conv2d) continue;
    const std::int64_t n = conv::conv2d_forward_scratch(conv::conv2d_geometry(spec, l), kCalibrationRows);
    floats = n > floats ? n : floats;
  }
  return floats;
}
}  // namespace detail

// Exact bytes quantize() keeps in the arena for spec's encoder (0 for a spec without
// a valid code layer).
constexpr std::size_t quantized_model_bytes(const NetworkSpec& spec) {
  if (!detail::valid_encoder(spec)) return 0;
  std::size_t bytes = 0;
  for (std::int32_t l = 0; l <= spec.code_layer; ++l) {
    if (spec.layers[l].kind == LayerKind::max_pool2d) continue;
    bytes += detail::bytes_of(spec.weight_count(l)) + 3 * detail::bytes_of(4 * spec.bias_count(l));
    if (detail::has_table(spec.layers[l].activation)) bytes += detail::bytes_of(256);
  }
  return bytes;
}

// Exact extra bytes quantize() uses while it runs (float activations of
// detail::kCalibrationRows rows, the float convolutions' scratch, histograms) and gives
// back before it returns.
constexpr std::size_t quantize_work_bytes(const NetworkSpec& spec) {
  if (!detail::valid_encoder(spec)) return 0;
  std::int64_t width = 0;
  for (std::int32_t l = 0; l <= spec.code_layer; ++l) {
    if (spec.layers[l].output.size() > width) width = spec.layers[l].output.size();
  }
  const std::int64_t quantities = 1 + 2 * std::int64_t{spec.code_layer + 1};
  return 3 * detail::bytes_of(4 * width * detail::kCalibrationRows) +
         detail::bytes_of(4 * detail::calibration_conv_floats(spec)) +
         detail::bytes_of(4 * quantities * detail::kHistogramBins);
}

// Quantizes the encoder of a trained network, calibrating activation ranges on
// `rows` samples of calibration data (rows x cols floats, cols = the input size).
// Takes quantized_model_bytes(spec) from the arena (plus quantize_work_bytes(spec)
// while it runs). Errors: a network not set up or with all-zero weights in an encoder
// layer (untrained, or its weights never loaded), a layer kind the int8 path does not
// handle, calibration data that is empty, of the wrong width or not finite, options
// out of range, a layer whose integer sums could overflow int32, a small arena.
Status quantize(const Network& net, const float* calibration, std::int32_t rows,
                std::int32_t cols, const QuantizeOptions& options, Arena& arena,
                QuantizedModel* out);

// Whether quantize() can handle a network of this spec: a code layer, and up to it
// dense, conv2d and max_pool2d layers (no resize).
Status quantizable(const NetworkSpec& spec);

// Exact bytes QuantizedEncoder::setup takes for spec's encoder and up to max_batch rows
// per kernel call (weights in the kernels' layout, two activation buffers, the
// convolutions' patch matrix).
constexpr std::size_t quantized_encoder_bytes(const NetworkSpec& spec, std::int32_t max_batch) {
  if (!detail::valid_encoder(spec) || max_batch <= 0) return 0;
  std::size_t bytes = 0;
  std::size_t patches = 0;
  std::int64_t hidden = 0;
  for (std::int32_t l = 0; l <= spec.code_layer; ++l) {
    const std::int64_t out = spec.layers[l].output.size();
    if (l < spec.code_layer && out > hidden) hidden = out;
    if (spec.layers[l].kind == LayerKind::max_pool2d) continue;
    bytes += detail::packed_layer_bytes(detail::weight_depth(spec, l), spec.bias_count(l));
    if (spec.layers[l].kind != LayerKind::conv2d) continue;
    const std::size_t p = detail::i8_conv_scratch_bytes(conv::conv2d_geometry(spec, l), max_batch);
    patches = p > patches ? p : patches;
  }
  return bytes + 2 * detail::bytes_of(hidden * max_batch) + patches;
}

// Runs a QuantizedModel with the best integer kernels the CPU has (or the ones named
// at setup). The model's tensors must outlive it. Nothing allocates after setup.
class QuantizedEncoder {
 public:
  // isa: null or "auto" for the best, or one of "avx512vnni", "avxvnni", "avx2",
  // "neondot", "neon", "scalar" (unsupported when this build or CPU lacks it).
  Status setup(const QuantizedModel& model, std::int32_t max_batch, Arena& arena,
               const char* isa = nullptr);
  // code (rows x code size, int8) from input (rows x input size, uint8). Uses the
  // encoder's buffers: one call at a time per encoder.
  Status encode(const std::uint8_t* input, std::int32_t rows, std::int8_t* code);
  // One sample: the batch-1 path.
  Status encode_one(const std::uint8_t* input, std::int8_t* code);

  const QuantizedModel& model() const { return model_; }
  const char* isa() const;

 private:
  void run(const std::uint8_t* input, std::int32_t rows, std::int8_t* code);

  QuantizedModel model_{};
  const void* kernels_ = nullptr;  // kernels::I8Kernels
  std::int32_t max_batch_ = 0;
  const void* packed_[kMaxLayers] = {};
  const std::int32_t* packed_bias_[kMaxLayers] = {};
  std::uint8_t* buffers_[2] = {};
  std::uint8_t* patches_ = nullptr;  // the convolutions' patch matrix
};

}  // namespace tinyae
