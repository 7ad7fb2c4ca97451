// Int8 networks: post-training quantization of a trained network, its encoder (the
// layers from the input to the code layer) or the whole autoencoder, and integer-only
// inference, with no heap.
//
//   QuantizeOptions o;  o.scope = QuantizeScope::whole_network;   // default: the encoder
//   std::size_t bytes = quantized_model_bytes(spec, o.scope) + quantize_work_bytes(spec, o.scope);
//   QuantizedModel model;
//   Status s = quantize(net, calibration, rows, cols, o, arena, &model);
//   QuantizedNetwork q;
//   s = q.setup(model, max_batch, arena);      // quantized_network_bytes(spec, max_batch, o.scope)
//   model.quantize_input(x, rows * cols, in);  // float -> uint8
//   s = q.encode(in, rows, code);              // int8 codes; integers only
//   s = q.reconstruct(in, rows, out);          // uint8 output, on the input's grid
//   s = q.score(in, rows, scores);             // sum of squared byte differences
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
//   poolings between them store int8. The decoder reads the code as uint8: the same
//   bytes with the top bit flipped (q + 128) and the zero point 128 higher, exact.
// - Nearest resize copies bytes (exact) and keeps its input's grid.
// - The output (whole network): uint8 on the input's grid, so that reconstruction and
//   input compare byte for byte; with pixel inputs (fixed_input_range [0, 1]) that is
//   scale 1/255, zero point 0. The score of a sample is the exact integer
//   sum_i (in[i] - out[i])^2; times QuantizedModel::score_scale() it is the mean squared
//   error in the input's units, the float score's.
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

enum class QuantizeScope : std::uint8_t {
  encoder,        // the layers up to the code layer
  whole_network,  // every layer: encoder and decoder
};

struct QuantizeOptions {
  QuantizeScope scope = QuantizeScope::encoder;
  Calibration calibration = Calibration::min_max;
  double percentile = 99.99;  // in (50, 100]
  // Use [input_min, input_max] as the input's range instead of calibrating it, e.g.
  // [0, 1] for pixels / 255: the input scale is then 1/255 with zero point 0.
  bool fixed_input_range = false;
  float input_min = 0.0f;
  float input_max = 1.0f;
};

// One quantized layer (see the top of this file): dense, conv2d, max_pool2d or resize. Tensors
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
  // filters x (kernel * kernel * C) in (ky, kx, c) order; max_pool2d, resize: none (0 x 0).
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
  std::int32_t num_layers = 0;  // the encoder's (0 .. code layer) or every layer
  std::int32_t code_layer = 0;
  QuantizedLayer layers[kMaxLayers];
  std::int32_t input_size = 0;
  std::int32_t code_size = 0;
  std::int32_t output_size = 0;  // 0 without a decoder
  float input_scale = 0;
  std::int32_t input_zero_point = 0;
  float code_scale = 0;
  std::int32_t code_zero_point = 0;

  bool has_decoder() const { return num_layers > code_layer + 1; }
  // The output's grid is the input's: a score times this is the mean squared error.
  double score_scale() const {
    return static_cast<double>(input_scale) * input_scale / (input_size > 0 ? input_size : 1);
  }

  // q[i] = clamp(round(x[i] / input_scale + input_zero_point), 0, 255), computed in float
  // as v = clamp(x / scale + zero_point, 0, 255), q = (int)(v + 0.5), NaN -> 0 (the
  // exported C header does the same float operations). Vectorized on every ISA with
  // the same bytes as that scalar loop.
  void quantize_input(const float* x, std::int64_t n, std::uint8_t* q) const;
  // out[i] = code_scale * (q[i] - code_zero_point).
  void dequantize_code(const std::int8_t* q, std::int64_t n, float* out) const;
  // out[i] = input_scale * (q[i] - input_zero_point): a reconstruction in the input's units.
  void dequantize_output(const std::uint8_t* q, std::int64_t n, float* out) const;
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
// QuantizedNetwork's bytes for one layer: weights in the kernels' layout (16 channels
// x 4 depths blocks) and their bias.
constexpr std::size_t packed_layer_bytes(std::int64_t inputs, std::int64_t outputs) {
  return bytes_of((outputs + 15) / 16 * 16 * ((inputs + 3) / 4 * 4)) + bytes_of(4 * outputs);
}
constexpr bool valid_encoder(const NetworkSpec& spec) {
  return spec.num_layers > 0 && spec.num_layers <= kMaxLayers && spec.code_layer >= 0 &&
         spec.code_layer < spec.num_layers;
}
// The last layer a quantized model of this scope holds.
constexpr std::int32_t last_quantized_layer(const NetworkSpec& spec, QuantizeScope scope) {
  return scope == QuantizeScope::whole_network ? spec.num_layers - 1 : spec.code_layer;
}
constexpr bool has_weights(LayerKind kind) {
  return kind == LayerKind::dense || kind == LayerKind::conv2d;
}
// An int8 convolution is lowered onto the dense kernel: a few samples at a time (about
// conv::kConvChunkFloats bytes, so they stay in L2) are copied into grids padded with
// the input zero point, then into their uint8 patch matrix, times the filters. A 1x1
// stride-1 convolution reads its input as it is. A thin one (a window row of at most 4
// bytes, e.g. 3x3 on one channel) reads its windows straight from the grid, 4 bytes per
// window row, its filters re-laid with zeros after each row: no patch matrix.
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
// Thin: 4 bytes per window row hold it and the re-laid filters take no more packed
// bytes (ceil(patch / 4) groups of depths either way).
constexpr bool i8_thin_conv(const conv::Conv2dGeometry& g) {
  return g.kernel > 1 && g.kernel * g.input.channels <= 4 && (g.patch() + 3) / 4 == g.kernel;
}
constexpr std::int64_t i8_patch_bytes_per_sample(const conv::Conv2dGeometry& g) {
  if (g.kernel == 1 && g.stride == 1) return 0;
  const std::int64_t grid = i8_grid_pixels(g) * g.input.channels;
  return i8_thin_conv(g) ? grid : g.pixels() * g.patch() + grid;
}
constexpr std::int32_t i8_conv_chunk_samples(const conv::Conv2dGeometry& g, std::int32_t batch) {
  return conv::conv_chunk_samples(i8_patch_bytes_per_sample(g), batch);
}
// A thin convolution's setup also re-lays its filters (filters x 4 * kernel bytes) here.
constexpr std::size_t i8_conv_scratch_bytes(const conv::Conv2dGeometry& g, std::int32_t batch) {
  const std::int64_t per_sample = i8_patch_bytes_per_sample(g);
  if (per_sample == 0) return 0;
  const std::int64_t bytes = std::int64_t{i8_conv_chunk_samples(g, batch)} * per_sample + 2 * kI8CopySlack;
  const std::int64_t relaid = i8_thin_conv(g) ? std::int64_t{g.output.channels} * 4 * g.kernel : 0;
  return bytes_of(bytes > relaid ? bytes : relaid);
}
// Weight-matrix depth of layer l (0 for layers without weights).
constexpr std::int64_t weight_depth(const NetworkSpec& spec, std::int32_t l) {
  return spec.bias_count(l) > 0 ? spec.weight_count(l) / spec.bias_count(l) : 0;
}
// Calibration runs the float encoder over this many rows at a time.
inline constexpr std::int32_t kCalibrationRows = 64;
inline constexpr std::int32_t kHistogramBins = 2048;
// Scratch floats of the float convolutions calibration runs.
constexpr std::int64_t calibration_conv_floats(const NetworkSpec& spec, QuantizeScope scope) {
  std::int64_t floats = 0;
  for (std::int32_t l = 0; l <= last_quantized_layer(spec, scope); ++l) {
    if (spec.layers[l].kind != LayerKind::conv2d) continue;
    const std::int64_t n = conv::conv2d_forward_scratch(conv::conv2d_geometry(spec, l), kCalibrationRows);
    floats = n > floats ? n : floats;
  }
  return floats;
}
}  // namespace detail

// Exact bytes quantize() keeps in the arena for spec's encoder or whole network (0 for a
// spec without a valid code layer).
constexpr std::size_t quantized_model_bytes(const NetworkSpec& spec,
                                            QuantizeScope scope = QuantizeScope::encoder) {
  if (!detail::valid_encoder(spec)) return 0;
  std::size_t bytes = 0;
  for (std::int32_t l = 0; l <= detail::last_quantized_layer(spec, scope); ++l) {
    if (!detail::has_weights(spec.layers[l].kind)) continue;
    bytes += detail::bytes_of(spec.weight_count(l)) + 3 * detail::bytes_of(4 * spec.bias_count(l));
    if (detail::has_table(spec.layers[l].activation)) bytes += detail::bytes_of(256);
  }
  return bytes;
}

// Exact extra bytes quantize() uses while it runs (float activations of
// detail::kCalibrationRows rows, the float convolutions' scratch, histograms) and gives
// back before it returns.
constexpr std::size_t quantize_work_bytes(const NetworkSpec& spec,
                                          QuantizeScope scope = QuantizeScope::encoder) {
  if (!detail::valid_encoder(spec)) return 0;
  const std::int32_t last = detail::last_quantized_layer(spec, scope);
  std::int64_t width = 0;
  for (std::int32_t l = 0; l <= last; ++l) {
    if (spec.layers[l].output.size() > width) width = spec.layers[l].output.size();
  }
  const std::int64_t quantities = 1 + 2 * std::int64_t{last + 1};
  return 3 * detail::bytes_of(4 * width * detail::kCalibrationRows) +
         detail::bytes_of(4 * detail::calibration_conv_floats(spec, scope)) +
         detail::bytes_of(4 * quantities * detail::kHistogramBins);
}

// Quantizes the encoder (or, with options.scope, every layer) of a trained network,
// calibrating activation ranges on `rows` samples of calibration data (rows x cols
// floats, cols = the input size). Takes quantized_model_bytes(spec, scope) from the
// arena (plus quantize_work_bytes(spec, scope) while it runs). Errors: a network not set
// up or with all-zero weights in a layer (untrained, or its weights never loaded), a
// layer kind the int8 path does not
// handle, calibration data that is empty, of the wrong width or not finite, options
// out of range, a layer whose integer sums could overflow int32, a small arena.
Status quantize(const Network& net, const float* calibration, std::int32_t rows,
                std::int32_t cols, const QuantizeOptions& options, Arena& arena,
                QuantizedModel* out);

// Whether quantize() can handle a network of this spec and scope: a code layer; up to
// it dense, conv2d and max_pool2d layers; after it (whole network) also resize, and a
// last layer with weights (its output goes onto the input's grid).
Status quantizable(const NetworkSpec& spec, QuantizeScope scope = QuantizeScope::encoder);

// Exact bytes QuantizedNetwork::setup takes for a model of spec and scope and up to
// max_batch rows per kernel call (weights in the kernels' layout, two activation
// buffers, the convolutions' patch matrix, and with a decoder the output score() compares).
constexpr std::size_t quantized_network_bytes(const NetworkSpec& spec, std::int32_t max_batch,
                                              QuantizeScope scope = QuantizeScope::encoder) {
  if (!detail::valid_encoder(spec) || max_batch <= 0) return 0;
  const std::int32_t last = detail::last_quantized_layer(spec, scope);
  std::size_t bytes = 0;
  std::size_t patches = 0;
  std::int64_t hidden = 0;
  for (std::int32_t l = 0; l <= last; ++l) {
    const std::int64_t out = spec.layers[l].output.size();
    if (l < last && out > hidden) hidden = out;
    if (!detail::has_weights(spec.layers[l].kind)) continue;
    bytes += detail::packed_layer_bytes(detail::weight_depth(spec, l), spec.bias_count(l));
    if (spec.layers[l].kind != LayerKind::conv2d) continue;
    const std::size_t p = detail::i8_conv_scratch_bytes(conv::conv2d_geometry(spec, l), max_batch);
    patches = p > patches ? p : patches;
  }
  const std::size_t output = last > spec.code_layer
                                 ? detail::bytes_of(spec.layers[last].output.size() * max_batch)
                                 : 0;
  return bytes + 2 * detail::bytes_of(hidden * max_batch) + patches + output;
}

// Runs a QuantizedModel with the best integer kernels the CPU has (or the ones named
// at setup). The model's tensors must outlive it. Nothing allocates after setup. Each
// call uses the network's buffers: one call at a time per network.
class QuantizedNetwork {
 public:
  // isa: null or "auto" for the best, or one of "avx512vnni", "avxvnni", "avx2",
  // "neondot", "neon", "scalar" (unsupported when this build or CPU lacks it).
  Status setup(const QuantizedModel& model, std::int32_t max_batch, Arena& arena,
               const char* isa = nullptr);
  // code (rows x code size, int8) from input (rows x input size, uint8).
  Status encode(const std::uint8_t* input, std::int32_t rows, std::int8_t* code);
  // One sample: the batch-1 path.
  Status encode_one(const std::uint8_t* input, std::int8_t* code);
  // The rest need a whole-network model. output: rows x output size, uint8 on the
  // input's grid (QuantizedModel::dequantize_output).
  Status decode(const std::int8_t* code, std::int32_t rows, std::uint8_t* output);
  Status reconstruct(const std::uint8_t* input, std::int32_t rows, std::uint8_t* output);
  // scores[r] = sum_i (input[r][i] - reconstruction[r][i])^2, exact.
  Status score(const std::uint8_t* input, std::int32_t rows, std::int64_t* scores);
  // out (rows x layer's output size) = the bytes layer `layer` stores on the way
  // (int8 for the code layer and QuantizedLayer::signed_output; uint8 otherwise, the
  // decoder's code included): per-layer comparisons with the float network.
  Status layer_output(const std::uint8_t* input, std::int32_t rows, std::int32_t layer,
                      std::uint8_t* out);

  const QuantizedModel& model() const { return model_; }
  const char* isa() const;

 private:
  Status check_decoder(const char* what, const void* in, std::int32_t rows, const void* out) const;
  // Layers first .. last on `rows` rows, a max batch at a time; the code flips to uint8
  // when the decoder follows. first = code layer + 1 reads int8 codes.
  void run(const std::uint8_t* input, std::int32_t rows, std::int32_t first, std::int32_t last,
           std::uint8_t* output);

  QuantizedModel model_{};
  const void* kernels_ = nullptr;  // kernels::I8Kernels
  std::int32_t max_batch_ = 0;
  const void* packed_[kMaxLayers] = {};
  const std::int32_t* packed_bias_[kMaxLayers] = {};
  std::uint8_t* buffers_[2] = {};
  std::uint8_t* patches_ = nullptr;  // the convolutions' patch matrix
  std::uint8_t* output_ = nullptr;   // score()'s reconstruction, max batch rows
};

}  // namespace tinyae
