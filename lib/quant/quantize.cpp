// Post-training quantization of a network (its encoder or every layer), and the quantized network.
#include "tinyae/quantize.hpp"

#include <cmath>

#include "../core/conv_layers.hpp"
#include "../kernels/activation.hpp"
#include "../kernels/f32_kernels.hpp"
#include "i8_conv.hpp"
#include "i8_kernels.hpp"
#include "requantize.hpp"

namespace tinyae {
namespace {

constexpr std::int32_t kLayerInput = -1;  // quantity index of the network's input

std::int64_t round_half_away(double v) {
  return v >= 0 ? static_cast<std::int64_t>(v + 0.5) : -static_cast<std::int64_t>(-v + 0.5);
}

struct Range {
  float lo = 0;
  float hi = 0;
  void add(const float* v, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
      lo = v[i] < lo ? v[i] : lo;
      hi = v[i] > hi ? v[i] : hi;
    }
  }
};

// An 8-bit grid over a real range: real = scale * (q - zero_point), q in [qmin, qmax].
struct Grid {
  float scale = 1;
  std::int32_t zero_point = 0;
  std::int32_t qmin = 0;
  std::int32_t qmax = 255;
};

// The grid of [qmin, qmax] over r, widened to hold 0 so that zero is exact (ReLU's clamp
// and zero padding need it).
Grid grid_for(Range r, std::int32_t qmin, std::int32_t qmax) {
  const double lo = r.lo < 0 ? r.lo : 0.0;
  const double hi = r.hi > 0 ? r.hi : 0.0;
  Grid g;
  g.qmin = qmin;
  g.qmax = qmax;
  if (!(hi - lo > 1e-30)) {  // all zero: any scale represents it
    g.zero_point = qmin;
    return g;
  }
  g.scale = static_cast<float>((hi - lo) / (qmax - qmin));
  const std::int64_t zp = qmin - round_half_away(lo / static_cast<double>(g.scale));
  g.zero_point = static_cast<std::int32_t>(zp < qmin ? qmin : zp > qmax ? qmax : zp);
  return g;
}

std::int32_t quantize_to(const Grid& g, double real) {
  const double v = real / static_cast<double>(g.scale);
  const double clamped = v < -1e9 ? -1e9 : v > 1e9 ? 1e9 : v;
  const std::int64_t q = round_half_away(clamped) + g.zero_point;
  return static_cast<std::int32_t>(q < g.qmin ? g.qmin : q > g.qmax ? g.qmax : q);
}

// The float network (layers 0 .. last) over calibration rows, a block at a time, showing
// every quantity to visit(index, values, count): the input (index kLayerInput), then per
// layer l its pre-activation (2l) and its output (2l + 1); max pooling and resize keep
// their input's grid and show nothing.
struct Calibrator {
  const Network& net;
  const float* data;
  std::int32_t rows;
  std::int32_t last;
  float* pre;
  float* post[2];
  float* conv_scratch;

  template <class Visit>
  void run(Visit&& visit) const {
    const NetworkSpec& spec = net.spec();
    const auto cols = static_cast<std::int32_t>(spec.input.size());
    const kernels::F32Kernels& k = kernels::f32();
    for (std::int32_t start = 0; start < rows; start += detail::kCalibrationRows) {
      const std::int32_t batch =
          rows - start < detail::kCalibrationRows ? rows - start : detail::kCalibrationRows;
      const float* x = data + std::int64_t{start} * cols;
      visit(kLayerInput, x, std::int64_t{batch} * cols);
      for (std::int32_t l = 0; l <= last; ++l) {
        const LayerSpec& layer = spec.layers[l];
        const auto in = static_cast<std::int32_t>(spec.layer_input(l).size());
        const auto out = static_cast<std::int32_t>(layer.output.size());
        const float* w = net.parameters() + spec.weight_offset(l);
        const float* b = net.parameters() + spec.bias_offset(l);
        const std::int64_t n = std::int64_t{batch} * out;
        float* y = post[l % 2];
        if (layer.kind == LayerKind::max_pool2d) {
          conv::max_pool2d_forward(spec.layer_input(l), batch, x, y);
          x = y;
          continue;
        }
        if (layer.kind == LayerKind::resize) {
          conv::resize_nearest_forward(spec.layer_input(l), layer.output.height, layer.output.width,
                                       batch, x, y);
          x = y;
          continue;
        }
        if (layer.kind == LayerKind::conv2d) {
          conv::conv2d_forward(k, conv::conv2d_geometry(spec, l), batch, x, w, b, Activation::identity,
                               pre, conv_scratch);
        } else {
          k.dense_forward(batch, out, in, x, in, w, in, b, Activation::identity, pre, out);
        }
        for (std::int64_t i = 0; i < n; ++i) y[i] = kernels::activate(spec.layers[l].activation, pre[i]);
        visit(2 * l, pre, n);
        visit(2 * l + 1, y, n);
        x = y;
      }
    }
  }
};

// Narrows each range to the central `percentile` % of its values, from histograms of a
// second pass over the data.
void narrow_to_percentile(const Calibrator& c, double percentile, std::int32_t quantities,
                          std::uint32_t* histograms, Range* ranges) {
  constexpr std::int32_t bins = detail::kHistogramBins;
  for (std::int64_t i = 0; i < std::int64_t{quantities} * bins; ++i) histograms[i] = 0;
  std::int64_t counts[1 + 2 * kMaxLayers] = {};
  c.run([&](std::int32_t index, const float* v, std::int64_t n) {
    const std::int32_t q = index + 1;
    const Range r = ranges[q];
    std::uint32_t* h = histograms + std::int64_t{q} * bins;
    const double width = static_cast<double>(r.hi) - r.lo;
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t b = width > 0 ? static_cast<std::int64_t>((v[i] - r.lo) / width * bins) : 0;
      b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
      ++h[b];
    }
    counts[q] += n;
  });
  for (std::int32_t q = 0; q < quantities; ++q) {
    const std::uint32_t* h = histograms + std::int64_t{q} * bins;
    const double tail = (1.0 - percentile / 100.0) * static_cast<double>(counts[q]);
    const double width = (static_cast<double>(ranges[q].hi) - ranges[q].lo) / bins;
    std::int32_t first = 0;
    for (double seen = h[0]; first < bins - 1 && seen <= tail; seen += h[++first]) {
    }
    std::int32_t last = bins - 1;
    for (double seen = h[last]; last > first && seen <= tail; seen += h[--last]) {
    }
    const float lo = static_cast<float>(ranges[q].lo + first * width);
    const float hi = static_cast<float>(ranges[q].lo + (last + 1) * width);
    ranges[q].lo = lo;
    ranges[q].hi = hi < ranges[q].hi ? hi : ranges[q].hi;
  }
}

Status check_weights(const Network& net, std::int32_t last) {
  const NetworkSpec& spec = net.spec();
  for (std::int32_t l = 0; l <= last; ++l) {
    if (spec.weight_count(l) == 0) continue;  // max pooling, resize
    const float* w = net.parameters() + spec.weight_offset(l);
    const float* b = net.parameters() + spec.bias_offset(l);
    bool any_nonzero = false;
    for (std::int64_t i = 0; i < spec.weight_count(l); ++i) {
      if (!std::isfinite(w[i])) {
        return Status::error(StatusCode::non_finite, "layer ", l, " has a non-finite weight");
      }
      any_nonzero = any_nonzero || w[i] != 0.0f;
    }
    for (std::int64_t i = 0; i < spec.bias_count(l); ++i) {
      if (!std::isfinite(b[i])) {
        return Status::error(StatusCode::non_finite, "layer ", l, " has a non-finite bias");
      }
    }
    if (!any_nonzero) {
      return Status::error(StatusCode::invalid_argument, "layer ", l,
                           " has only zero weights: the network is untrained or its weights "
                           "were never loaded");
    }
  }
  return Status();
}

Status check_calibration(const NetworkSpec& spec, const float* data, std::int32_t rows,
                         std::int32_t cols) {
  if (rows < 1) {
    return Status::error(StatusCode::invalid_argument,
                         "the calibration set is empty; quantize needs sample inputs to "
                         "calibrate the activation ranges");
  }
  if (cols != spec.input.size()) {
    return Status::error(StatusCode::invalid_argument, "calibration data has ", cols,
                         " columns but the network's input has ", spec.input.size());
  }
  if (data == nullptr) return Status::error(StatusCode::invalid_argument, "calibration data is null");
  const std::int64_t n = std::int64_t{rows} * cols;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) {
      return Status::error(StatusCode::non_finite, "calibration data has a non-finite value at row ",
                           i / cols, ", column ", i % cols);
    }
  }
  return Status();
}

Status check_options(const QuantizeOptions& o) {
  if (o.calibration != Calibration::min_max && o.calibration != Calibration::percentile) {
    return Status::error(StatusCode::invalid_argument, "unknown calibration method");
  }
  if (o.calibration == Calibration::percentile && !(o.percentile > 50.0 && o.percentile <= 100.0)) {
    return Status::error(StatusCode::invalid_argument, "percentile must be in (50, 100], got ",
                         o.percentile);
  }
  if (o.fixed_input_range &&
      !(std::isfinite(o.input_min) && std::isfinite(o.input_max) && o.input_min < o.input_max)) {
    return Status::error(StatusCode::invalid_argument, "fixed input range [", o.input_min, ", ",
                         o.input_max, "] must be finite with min < max");
  }
  return Status();
}

// Fills one layer's tensors (already allocated in `layer`) from the float weights.
Status quantize_layer(const Network& net, std::int32_t l, const Grid& in, const Grid& index,
                      const Grid& out, QuantizedLayer* layer, std::int8_t* weights,
                      std::int32_t* bias, std::int32_t* multiplier, std::int32_t* shift,
                      std::uint8_t* table) {
  const NetworkSpec& spec = net.spec();
  const std::int32_t k = layer->inputs;
  const float* w = net.parameters() + spec.weight_offset(l);
  const float* b = net.parameters() + spec.bias_offset(l);
  const Grid& target = table != nullptr ? index : out;
  for (std::int32_t j = 0; j < layer->outputs; ++j) {
    const float* wj = w + std::int64_t{j} * k;
    float max_abs = 0;
    for (std::int32_t i = 0; i < k; ++i) max_abs = std::fabs(wj[i]) > max_abs ? std::fabs(wj[i]) : max_abs;
    // A channel of zeros keeps the scale of weights up to 1 (its bias still needs one).
    const double w_scale = static_cast<double>(max_abs > 0 ? max_abs : 1.0f) / 127.0;
    std::int64_t sum = 0;
    std::int64_t abs_sum = 0;
    for (std::int32_t i = 0; i < k; ++i) {
      std::int64_t q = round_half_away(wj[i] / w_scale);
      q = q < -127 ? -127 : q > 127 ? 127 : q;
      weights[std::int64_t{j} * k + i] = static_cast<std::int8_t>(q);
      sum += q;
      abs_sum += q < 0 ? -q : q;
    }
    const double acc_scale = static_cast<double>(in.scale) * w_scale;
    if (!quant::quantize_multiplier(acc_scale / static_cast<double>(target.scale), &multiplier[j],
                                    &shift[j])) {
      return Status::error(StatusCode::invalid_argument, "layer ", l, " channel ", j,
                           ": requantization factor ", acc_scale / static_cast<double>(target.scale),
                           " is out of range (scales too far apart)");
    }
    const double b_real = b[j] / acc_scale;
    if (!(std::fabs(b_real) < 1073741824.0)) {
      return Status::error(StatusCode::invalid_argument, "layer ", l, " channel ", j, ": bias ",
                           b[j], " is too large for int32 at the scale of its weights and input");
    }
    const std::int64_t b_eff = round_half_away(b_real) - std::int64_t{in.zero_point} * sum;
    // |acc| <= |bias| + 255 * sum |w| for every input, before and after the left shift.
    const std::int64_t bound = (b_eff < 0 ? -b_eff : b_eff) + 255 * abs_sum;
    if (bound > INT32_MAX || (bound << (shift[j] > 0 ? shift[j] : 0)) > INT32_MAX) {
      return Status::error(StatusCode::invalid_argument, "layer ", l, " channel ", j,
                           ": its int32 sums could overflow (", k,
                           " inputs with these weights and bias); the int8 path cannot run it");
    }
    bias[j] = static_cast<std::int32_t>(b_eff);
  }
  layer->weights = weights;
  layer->bias = bias;
  layer->multiplier = multiplier;
  layer->shift = shift;
  layer->requantized_scale = target.scale;
  layer->requantized_zero_point = target.zero_point;
  layer->clamp_min = target.qmin;
  layer->clamp_max = target.qmax;
  if (layer->activation == Activation::relu && out.zero_point > layer->clamp_min) {
    layer->clamp_min = out.zero_point;
  }
  if (table != nullptr) {
    for (std::int32_t i = 0; i < 256; ++i) {
      const double z = static_cast<double>(index.scale) * (i - index.zero_point);
      const float a = kernels::activate(layer->activation, static_cast<float>(z));
      table[i] = static_cast<std::uint8_t>(quantize_to(out, static_cast<double>(a)));
    }
    layer->table = table;
  }
  layer->input_scale = in.scale;
  layer->input_zero_point = in.zero_point;
  layer->output_scale = out.scale;
  layer->output_zero_point = out.zero_point;
  return Status();
}

Status arena_error(const char* what, std::size_t need, const Arena& arena) {
  return Status::error(StatusCode::arena_too_small, "arena too small for ", what, ": needs ", need,
                       " bytes, available ", arena.available(), ", missing ",
                       need - arena.available());
}

// quantize() after the checks; the arena is known to be large enough.
Status build_model(const Network& net, const float* calibration, std::int32_t rows,
                   const QuantizeOptions& options, Arena& arena, QuantizedModel* out) {
  const NetworkSpec& spec = net.spec();
  // The model's tensors first (kept), then the work buffers (given back).
  QuantizedModel& model = *out;
  model.num_layers = detail::last_quantized_layer(spec, options.scope) + 1;
  model.code_layer = spec.code_layer;
  std::int8_t* weights[kMaxLayers] = {};
  std::int32_t* ints[kMaxLayers][3] = {};
  std::uint8_t* tables[kMaxLayers] = {};
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    if (!detail::has_weights(spec.layers[l].kind)) continue;
    const std::int64_t n = spec.bias_count(l);
    TINYAE_RETURN_IF_ERROR(arena.allocate_array(spec.weight_count(l), &weights[l]));
    for (std::int32_t*& t : ints[l]) TINYAE_RETURN_IF_ERROR(arena.allocate_array(n, &t));
    if (detail::has_table(spec.layers[l].activation)) {
      TINYAE_RETURN_IF_ERROR(arena.allocate_array(256, &tables[l]));
    }
  }
  const std::size_t mark = arena.used();
  std::int64_t width = 0;
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    width = spec.layers[l].output.size() > width ? spec.layers[l].output.size() : width;
  }
  const std::int32_t quantities = 1 + 2 * model.num_layers;
  Calibrator calibrator{net, calibration, rows, model.num_layers - 1, nullptr, {nullptr, nullptr}, nullptr};
  std::uint32_t* histograms = nullptr;
  TINYAE_RETURN_IF_ERROR(arena.allocate_array(width * detail::kCalibrationRows, &calibrator.pre));
  for (float*& p : calibrator.post) {
    TINYAE_RETURN_IF_ERROR(arena.allocate_array(width * detail::kCalibrationRows, &p));
  }
  const std::int64_t conv_floats = detail::calibration_conv_floats(spec, options.scope);
  if (conv_floats > 0) TINYAE_RETURN_IF_ERROR(arena.allocate_array(conv_floats, &calibrator.conv_scratch));
  TINYAE_RETURN_IF_ERROR(
      arena.allocate_array(std::int64_t{quantities} * detail::kHistogramBins, &histograms));

  // ranges[0]: the input; ranges[1 + 2l]: layer l's pre-activation; [2 + 2l]: its output.
  // Every range starts at [0, 0]: grids hold zero anyway.
  Range ranges[1 + 2 * kMaxLayers];
  calibrator.run([&](std::int32_t index, const float* v, std::int64_t n) { ranges[index + 1].add(v, n); });
  if (options.calibration == Calibration::percentile) {
    narrow_to_percentile(calibrator, options.percentile, quantities, histograms, ranges);
  }
  arena.rewind(mark);

  Grid in = grid_for(ranges[0], 0, 255);
  if (options.fixed_input_range) in = grid_for(Range{options.input_min, options.input_max}, 0, 255);
  const Grid input_grid = in;
  model.input_size = static_cast<std::int32_t>(spec.input.size());
  model.input_scale = in.scale;
  model.input_zero_point = in.zero_point;
  // The code is int8: the code layer stores it, and when that is a max pooling, so do
  // the poolings before it and the layer with weights they pool.
  bool stores_int8[kMaxLayers] = {};
  for (std::int32_t l = spec.code_layer; l >= 0; --l) {
    stores_int8[l] = true;
    if (spec.layers[l].kind != LayerKind::max_pool2d) break;
  }
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    QuantizedLayer& layer = model.layers[l];
    const LayerSpec& spec_layer = spec.layers[l];
    layer.kind = spec_layer.kind;
    layer.input_shape = spec.layer_input(l);
    layer.output_shape = spec_layer.output;
    layer.activation = spec_layer.activation;
    layer.signed_output = stores_int8[l];
    if (l == spec.code_layer + 1) {  // the decoder reads the int8 code as uint8: q + 128
      in.zero_point += 128;
      in.qmin = 0;
      in.qmax = 255;
    }
    if (!detail::has_weights(spec_layer.kind)) {  // the bytes of its input's grid
      layer.kernel = spec_layer.kind == LayerKind::max_pool2d ? 2 : 0;
      layer.stride = layer.kernel;
      layer.input_scale = layer.output_scale = in.scale;
      layer.input_zero_point = layer.output_zero_point = in.zero_point;
      continue;
    }
    if (spec_layer.kind == LayerKind::conv2d) {
      const conv::Conv2dGeometry g = conv::conv2d_geometry(spec, l);
      layer.kernel = g.kernel;
      layer.stride = g.stride;
      layer.pad_top = g.pad_top;
      layer.pad_left = g.pad_left;
    }
    layer.inputs = static_cast<std::int32_t>(detail::weight_depth(spec, l));
    layer.outputs = static_cast<std::int32_t>(spec.bias_count(l));
    const Grid index = grid_for(ranges[1 + 2 * l], 0, 255);
    const bool output_layer = l > spec.code_layer && l + 1 == model.num_layers;
    const Grid stored = output_layer         ? input_grid
                        : layer.signed_output ? grid_for(ranges[2 + 2 * l], -128, 127)
                                              : grid_for(ranges[2 + 2 * l], 0, 255);
    TINYAE_RETURN_IF_ERROR(quantize_layer(net, l, in, index, stored, &layer, weights[l], ints[l][0],
                                          ints[l][1], ints[l][2], tables[l]));
    in = stored;
  }
  model.code_size = static_cast<std::int32_t>(spec.code_shape().size());
  model.code_scale = model.layers[spec.code_layer].output_scale;
  model.code_zero_point = model.layers[spec.code_layer].output_zero_point;
  model.output_size = model.has_decoder() ? static_cast<std::int32_t>(spec.output().size()) : 0;
  return Status();
}

}  // namespace

Status quantizable(const NetworkSpec& spec, QuantizeScope scope) {
  if (!detail::valid_encoder(spec)) {
    return Status::error(StatusCode::invalid_argument,
                         "the network has no code layer: quantize needs an encoder (layers up "
                         "to a code layer)");
  }
  if (scope != QuantizeScope::encoder && scope != QuantizeScope::whole_network) {
    return Status::error(StatusCode::invalid_argument, "unknown quantization scope");
  }
  const std::int32_t last = detail::last_quantized_layer(spec, scope);
  if (scope == QuantizeScope::whole_network) {
    if (last == spec.code_layer) {
      return Status::error(StatusCode::invalid_argument,
                           "the code layer is the last layer: the network has no decoder to quantize");
    }
    if (!detail::has_weights(spec.layers[last].kind)) {
      return Status::error(StatusCode::unsupported, "the output layer ", last, " is a ",
                           layer_kind_name(spec.layers[last].kind),
                           ": the int8 network needs a dense or conv2d output layer (it writes "
                           "the output on the input's grid)");
    }
  }
  bool has_weights = false;
  for (std::int32_t l = 0; l <= last; ++l) {
    const LayerKind kind = spec.layers[l].kind;
    // Any other kind, present or future, lands here; resize only in the decoder (the
    // int8 code's grid is signed; a resize there would need its own copy).
    const bool known = detail::has_weights(kind) || kind == LayerKind::max_pool2d ||
                       (kind == LayerKind::resize && l > spec.code_layer);
    if (!known) {
      return Status::error(StatusCode::unsupported, "layer ", l, " is of kind ", layer_kind_name(kind),
                           l <= spec.code_layer
                               ? ": the int8 encoder handles dense, conv2d and max_pool2d layers"
                               : ": the int8 decoder handles dense, conv2d, max_pool2d and resize layers");
    }
    has_weights = has_weights || detail::has_weights(kind);
    if (static_cast<std::uint8_t>(spec.layers[l].activation) >
        static_cast<std::uint8_t>(Activation::relu)) {
      return Status::error(StatusCode::unsupported, "layer ", l, " has an unknown activation");
    }
  }
  if (!has_weights) {
    return Status::error(StatusCode::unsupported,
                         "the encoder has no dense or conv2d layer: nothing to quantize");
  }
  return Status();
}

Status quantize(const Network& net, const float* calibration, std::int32_t rows,
                std::int32_t cols, const QuantizeOptions& options, Arena& arena,
                QuantizedModel* out) {
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "output model is null");
  if (net.parameters() == nullptr) {
    return Status::error(StatusCode::invalid_argument,
                         "the network is not set up: quantize needs a trained network");
  }
  const NetworkSpec& spec = net.spec();
  TINYAE_RETURN_IF_ERROR(quantizable(spec, options.scope));
  TINYAE_RETURN_IF_ERROR(check_options(options));
  TINYAE_RETURN_IF_ERROR(check_weights(net, detail::last_quantized_layer(spec, options.scope)));
  TINYAE_RETURN_IF_ERROR(check_calibration(spec, calibration, rows, cols));
  const std::size_t need =
      quantized_model_bytes(spec, options.scope) + quantize_work_bytes(spec, options.scope);
  if (need > arena.available()) return arena_error("quantization", need, arena);

  const std::size_t start = arena.used();
  QuantizedModel model;
  Status s = build_model(net, calibration, rows, options, arena, &model);
  if (!s.ok()) {
    arena.rewind(start);
    return s;
  }
  *out = model;
  return Status();
}

void QuantizedModel::quantize_input(const float* x, std::int64_t n, std::uint8_t* q) const {
  kernels::i8_best().quantize(x, n, input_scale, static_cast<float>(input_zero_point), q);
}

void QuantizedModel::dequantize_code(const std::int8_t* q, std::int64_t n, float* out) const {
  for (std::int64_t i = 0; i < n; ++i) out[i] = code_scale * static_cast<float>(q[i] - code_zero_point);
}

void QuantizedModel::dequantize_output(const std::uint8_t* q, std::int64_t n, float* out) const {
  for (std::int64_t i = 0; i < n; ++i) out[i] = input_scale * static_cast<float>(q[i] - input_zero_point);
}

std::int64_t QuantizedModel::parameter_bytes() const {
  std::int64_t bytes = 0;
  for (std::int32_t l = 0; l < num_layers; ++l) {
    const QuantizedLayer& layer = layers[l];
    bytes += std::int64_t{layer.inputs} * layer.outputs + 12 * std::int64_t{layer.outputs};
    if (layer.table != nullptr) bytes += 256;
  }
  return bytes;
}

// --------------------------------------------------------------------- the network

Status QuantizedNetwork::setup(const QuantizedModel& model, std::int32_t max_batch, Arena& arena,
                               const char* isa) {
  *this = QuantizedNetwork();
  if (model.num_layers < 1 || model.num_layers > kMaxLayers || model.code_layer < 0 ||
      model.code_layer >= model.num_layers) {
    return Status::error(StatusCode::invalid_argument, "the quantized model has ",
                         model.num_layers, " layers and code layer ", model.code_layer,
                         "; quantize() a network first");
  }
  if (max_batch < 1) {
    return Status::error(StatusCode::invalid_argument, "max batch must be at least 1, got ",
                         max_batch);
  }
  for (std::int32_t l = 0; l <= model.code_layer; ++l) {
    if (model.layers[l].kind == LayerKind::resize) {
      return Status::error(StatusCode::unsupported, "quantized layer ", l,
                           " is a resize: the int8 encoder has no such layer");
    }
  }
  const kernels::I8Kernels* k = nullptr;
  TINYAE_RETURN_IF_ERROR(kernels::i8_select(isa, &k));
  const std::int32_t last = model.num_layers - 1;
  std::size_t need = 0;
  std::size_t patches = 0;
  std::int64_t hidden = 0;
  for (std::int32_t l = 0; l <= last; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    const std::int64_t out = layer.output_shape.size();
    if (l < last && out > hidden) hidden = out;
    if (!detail::has_weights(layer.kind)) continue;
    need += detail::packed_layer_bytes(layer.inputs, layer.outputs);
    if (layer.kind != LayerKind::conv2d) continue;
    const std::size_t p = detail::i8_conv_scratch_bytes(layer.conv_geometry(), max_batch);
    patches = p > patches ? p : patches;
  }
  const std::int64_t output = model.has_decoder() ? std::int64_t{model.output_size} * max_batch : 0;
  need += 2 * detail::bytes_of(hidden * max_batch) + patches + detail::bytes_of(output);
  if (need > arena.available()) return arena_error("the quantized network", need, arena);

  if (hidden > 0) {
    for (std::uint8_t*& b : buffers_) TINYAE_RETURN_IF_ERROR(arena.allocate_array(hidden * max_batch, &b));
  }
  if (patches > 0) TINYAE_RETURN_IF_ERROR(arena.allocate_array(static_cast<std::int64_t>(patches), &patches_));
  if (output > 0) TINYAE_RETURN_IF_ERROR(arena.allocate_array(output, &output_));
  for (std::int32_t l = 0; l <= last; ++l) {
    const QuantizedLayer& layer = model.layers[l];
    if (!detail::has_weights(layer.kind)) continue;
    void* packed = nullptr;
    std::int32_t* bias = nullptr;
    const std::int64_t bytes = kernels::packed_weight_bytes(layer.outputs, layer.inputs);
    TINYAE_RETURN_IF_ERROR(arena.allocate(static_cast<std::size_t>(bytes), &packed));
    TINYAE_RETURN_IF_ERROR(arena.allocate_array(layer.outputs, &bias));
    if (layer.kind == LayerKind::conv2d) {  // the patch scratch is free until the first call
      kernels::i8_pack_conv(*k, layer.conv_geometry(), layer.weights, layer.bias, packed, bias, patches_);
    } else {
      k->pack(layer.outputs, layer.inputs, layer.weights, layer.bias, packed, bias);
    }
    packed_[l] = packed;
    packed_bias_[l] = bias;
  }
  model_ = model;
  kernels_ = k;
  max_batch_ = max_batch;
  return Status();
}

namespace {
// int8 <-> uint8 on the same grid: the top bit flipped (q + 128, zero point + 128).
void flip_sign_bits(const std::uint8_t* x, std::int64_t n, std::uint8_t* y) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<std::uint8_t>(x[i] ^ 0x80u);
}
}  // namespace

void QuantizedNetwork::run(const std::uint8_t* input, std::int32_t rows, std::int32_t first,
                           std::int32_t last, std::uint8_t* output) {
  const auto& k = *static_cast<const kernels::I8Kernels*>(kernels_);
  const std::int32_t code = model_.code_layer;
  const std::int64_t in_size = model_.layers[first].input_shape.size();
  const std::int64_t out_size = model_.layers[last].output_shape.size();
  for (std::int32_t start = 0; start < rows; start += max_batch_) {
    const std::int32_t batch = rows - start < max_batch_ ? rows - start : max_batch_;
    const std::uint8_t* x = input + start * in_size;
    if (first == code + 1) {  // int8 codes in
      flip_sign_bits(x, batch * in_size, buffers_[code % 2]);
      x = buffers_[code % 2];
    }
    for (std::int32_t l = first; l <= last; ++l) {
      const QuantizedLayer& layer = model_.layers[l];
      std::uint8_t* y = l == last ? output + start * out_size : buffers_[l % 2];
      const kernels::I8DenseParams params{packed_bias_[l], layer.multiplier, layer.shift,
                                          layer.requantized_zero_point, layer.clamp_min,
                                          layer.clamp_max, layer.table};
      switch (layer.kind) {
        case LayerKind::dense:
          k.dense(batch, layer.outputs, layer.inputs, x, layer.inputs, packed_[l], params, y,
                  layer.outputs);
          break;
        case LayerKind::conv2d:
          kernels::i8_conv2d(k, layer.conv_geometry(), batch, x,
                             static_cast<std::uint8_t>(layer.input_zero_point), packed_[l], params,
                             y, patches_);
          break;
        case LayerKind::max_pool2d:
          kernels::i8_max_pool2d(layer.input_shape, batch, x, layer.signed_output, y);
          break;
        case LayerKind::resize:
          kernels::i8_resize_nearest(layer.input_shape, layer.output_shape.height,
                                     layer.output_shape.width, batch, x, y);
          break;
      }
      if (l == code && l < last) flip_sign_bits(y, batch * layer.output_shape.size(), y);
      x = y;
    }
  }
}

Status QuantizedNetwork::encode(const std::uint8_t* input, std::int32_t rows, std::int8_t* code) {
  if (kernels_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, "the quantized network is not set up");
  }
  if (rows < 1) {
    return Status::error(StatusCode::invalid_argument, "input has ", rows, " rows; need at least 1");
  }
  if (input == nullptr || code == nullptr) {
    return Status::error(StatusCode::invalid_argument, "input or code output is null");
  }
  run(input, rows, 0, model_.code_layer, reinterpret_cast<std::uint8_t*>(code));
  return Status();
}

Status QuantizedNetwork::encode_one(const std::uint8_t* input, std::int8_t* code) {
  if (kernels_ == nullptr || input == nullptr || code == nullptr) {
    return Status::error(StatusCode::invalid_argument,
                         "encode_one: the network is not set up, or input or code is null");
  }
  run(input, 1, 0, model_.code_layer, reinterpret_cast<std::uint8_t*>(code));
  return Status();
}

Status QuantizedNetwork::check_decoder(const char* what, const void* in, std::int32_t rows,
                                       const void* out) const {
  if (kernels_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, what, ": the quantized network is not set up");
  }
  if (!model_.has_decoder()) {
    return Status::error(StatusCode::invalid_argument, what,
                         ": the quantized model holds only the encoder; quantize the whole "
                         "network (QuantizeScope::whole_network)");
  }
  if (rows < 1) {
    return Status::error(StatusCode::invalid_argument, what, ": input has ", rows,
                         " rows; need at least 1");
  }
  if (in == nullptr || out == nullptr) {
    return Status::error(StatusCode::invalid_argument, what, ": input or output is null");
  }
  return Status();
}

Status QuantizedNetwork::decode(const std::int8_t* code, std::int32_t rows, std::uint8_t* output) {
  TINYAE_RETURN_IF_ERROR(check_decoder("decode", code, rows, output));
  run(reinterpret_cast<const std::uint8_t*>(code), rows, model_.code_layer + 1, model_.num_layers - 1,
      output);
  return Status();
}

Status QuantizedNetwork::reconstruct(const std::uint8_t* input, std::int32_t rows, std::uint8_t* output) {
  TINYAE_RETURN_IF_ERROR(check_decoder("reconstruct", input, rows, output));
  run(input, rows, 0, model_.num_layers - 1, output);
  return Status();
}

Status QuantizedNetwork::score(const std::uint8_t* input, std::int32_t rows, std::int64_t* scores) {
  TINYAE_RETURN_IF_ERROR(check_decoder("score", input, rows, scores));
  const std::int64_t n = model_.input_size;
  for (std::int32_t start = 0; start < rows; start += max_batch_) {
    const std::int32_t batch = rows - start < max_batch_ ? rows - start : max_batch_;
    const std::uint8_t* x = input + start * n;
    run(x, batch, 0, model_.num_layers - 1, output_);
    for (std::int32_t r = 0; r < batch; ++r) {
      std::int64_t sum = 0;
      const std::uint8_t* a = x + r * n;
      const std::uint8_t* b = output_ + r * n;
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int32_t d = std::int32_t{a[i]} - std::int32_t{b[i]};
        sum += d * d;
      }
      scores[start + r] = sum;
    }
  }
  return Status();
}

Status QuantizedNetwork::layer_output(const std::uint8_t* input, std::int32_t rows, std::int32_t layer,
                                      std::uint8_t* out) {
  if (kernels_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, "the quantized network is not set up");
  }
  if (layer < 0 || layer >= model_.num_layers) {
    return Status::error(StatusCode::invalid_argument, "layer ", layer, " is not in 0 .. ",
                         model_.num_layers - 1);
  }
  if (rows < 1 || input == nullptr || out == nullptr) {
    return Status::error(StatusCode::invalid_argument, "layer_output: ", rows,
                         " rows, or input or output is null");
  }
  run(input, rows, 0, layer, out);
  return Status();
}

const char* QuantizedNetwork::isa() const {
  return kernels_ == nullptr ? "none" : static_cast<const kernels::I8Kernels*>(kernels_)->isa;
}

}  // namespace tinyae
