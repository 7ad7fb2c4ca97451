// How much accuracy int8 costs: the float and int8 networks on the same samples, both
// codes through the same float decoder, the int8 decoder when there is one, and the
// error of every layer.
#include <cmath>
#include <vector>

#include "tinyae/quantize_io.hpp"

namespace tinyae {
namespace {

constexpr std::int32_t kRowsPerStep = 256;

std::size_t count(std::int64_t n) { return static_cast<std::size_t>(n > 0 ? n : 0); }

}  // namespace

Status measure_quantization(Network& net, QuantizedNetwork& quantized, const float* data,
                            std::int32_t rows, std::int32_t cols, QuantizationReport* out) {
  const QuantizedModel& model = quantized.model();
  const NetworkSpec& spec = net.spec();
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "report output is null");
  if (model.code_layer != spec.code_layer || model.num_layers > spec.num_layers ||
      model.input_size != spec.input.size() || model.code_size != spec.code_shape().size()) {
    return Status::error(StatusCode::invalid_argument,
                         "the quantized model does not belong to this network");
  }
  if (spec.code_layer + 1 == spec.num_layers) {
    return Status::error(StatusCode::invalid_argument, "the network has no decoder after its code layer");
  }
  const std::int32_t code = model.code_size;
  std::int64_t widest = 0;
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    widest = model.layers[l].output_shape.size() > widest ? model.layers[l].output_shape.size() : widest;
  }
  std::vector<float> float_codes(count(std::int64_t{kRowsPerStep} * code));
  std::vector<float> int8_codes(float_codes.size());
  std::vector<std::int8_t> q_codes(float_codes.size());
  std::vector<std::uint8_t> q_in(count(std::int64_t{kRowsPerStep} * cols));
  std::vector<float> recon(count(std::int64_t{kRowsPerStep} * cols));
  std::vector<float> float_layer(count(std::int64_t{kRowsPerStep} * widest));
  std::vector<std::uint8_t> q_layer(float_layer.size());
  QuantizationReport r;
  r.layers = model.num_layers;
  double abs_sum = 0;
  double cosine_sum = 0;
  double float_se = 0;
  double int8_code_se = 0;
  double int8_se = 0;
  double layer_se[kMaxLayers] = {};
  double layer_ss[kMaxLayers] = {};
  double layer_n[kMaxLayers] = {};
  r.code_cosine_min = 1;
  for (std::int32_t start = 0; start < rows || start == 0; start += kRowsPerStep) {
    const std::int32_t batch = rows - start < kRowsPerStep ? rows - start : kRowsPerStep;
    const float* x = data + std::int64_t{start} * cols;
    const std::int64_t values = std::int64_t{batch} * cols;
    // Network::encode checks the data (rows, width, finite values) for both networks.
    TINYAE_RETURN_IF_ERROR(net.encode(x, batch, cols, float_codes.data()));
    model.quantize_input(x, values, q_in.data());
    TINYAE_RETURN_IF_ERROR(quantized.encode(q_in.data(), batch, q_codes.data()));
    model.dequantize_code(q_codes.data(), std::int64_t{batch} * code, int8_codes.data());
    for (std::int32_t i = 0; i < batch; ++i) {
      double dot = 0, ff = 0, qq = 0;
      for (std::int32_t j = 0; j < code; ++j) {
        const double f = float_codes[static_cast<std::size_t>(i * code + j)];
        const double q = int8_codes[static_cast<std::size_t>(i * code + j)];
        const double e = std::fabs(f - q);
        r.code_max_abs_error = e > r.code_max_abs_error ? e : r.code_max_abs_error;
        abs_sum += e;
        dot += f * q;
        ff += f * f;
        qq += q * q;
      }
      const double cosine = ff == 0 && qq == 0 ? 1.0 : (ff == 0 || qq == 0 ? 0.0 : dot / std::sqrt(ff * qq));
      cosine_sum += cosine;
      r.code_cosine_min = cosine < r.code_cosine_min ? cosine : r.code_cosine_min;
    }
    for (const auto& [codes, se] : {std::pair{&float_codes, &float_se}, std::pair{&int8_codes, &int8_code_se}}) {
      TINYAE_RETURN_IF_ERROR(net.decode(codes->data(), batch, code, recon.data()));
      for (std::int64_t i = 0; i < values; ++i) {
        const double d = static_cast<double>(recon[count(i)]) - x[i];
        *se += d * d;
      }
    }
    if (model.has_decoder()) {
      TINYAE_RETURN_IF_ERROR(quantized.reconstruct(q_in.data(), batch, q_layer.data()));
      model.dequantize_output(q_layer.data(), values, recon.data());
      for (std::int64_t i = 0; i < values; ++i) {
        const double d = static_cast<double>(recon[count(i)]) - x[i];
        int8_se += d * d;
      }
    }
    for (std::int32_t l = 0; l < model.num_layers; ++l) {
      const QuantizedLayer& layer = model.layers[l];
      const std::int64_t n = std::int64_t{batch} * layer.output_shape.size();
      TINYAE_RETURN_IF_ERROR(net.layer_output(x, batch, cols, l, float_layer.data()));
      TINYAE_RETURN_IF_ERROR(quantized.layer_output(q_in.data(), batch, l, q_layer.data()));
      const bool is_signed = l == model.code_layer || layer.signed_output;
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int32_t q = is_signed ? static_cast<std::int8_t>(q_layer[count(i)]) : q_layer[count(i)];
        const double f = float_layer[count(i)];
        const double d = f - static_cast<double>(layer.output_scale) * (q - layer.output_zero_point);
        layer_se[l] += d * d;
        layer_ss[l] += f * f;
      }
      layer_n[l] += static_cast<double>(n);
    }
  }
  r.samples = rows;
  r.code_mean_abs_error = abs_sum / (static_cast<double>(rows) * code);
  r.code_cosine_mean = cosine_sum / rows;
  r.float_mse = float_se / (static_cast<double>(rows) * cols);
  r.int8_code_mse = int8_code_se / (static_cast<double>(rows) * cols);
  r.int8_mse = int8_se / (static_cast<double>(rows) * cols);
  for (std::int32_t l = 0; l < model.num_layers; ++l) {
    r.layer_rms_error[l] = std::sqrt(layer_se[l] / layer_n[l]);
    r.layer_float_rms[l] = std::sqrt(layer_ss[l] / layer_n[l]);
  }
  *out = r;
  return Status();
}

}  // namespace tinyae
