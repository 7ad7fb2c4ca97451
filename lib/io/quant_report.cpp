// How much accuracy the int8 encoder costs: both encoders on the same samples, both
// codes through the same float decoder.
#include <cmath>
#include <vector>

#include "tinyae/quantize_io.hpp"

namespace tinyae {
namespace {

constexpr std::int32_t kRowsPerStep = 256;

}  // namespace

Status measure_quantization(Network& net, QuantizedEncoder& encoder, const float* data,
                            std::int32_t rows, std::int32_t cols, QuantizationReport* out) {
  const QuantizedModel& model = encoder.model();
  const NetworkSpec& spec = net.spec();
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "report output is null");
  if (model.num_layers != spec.code_layer + 1 || model.input_size != spec.input.size() ||
      model.code_size != spec.code_shape().size()) {
    return Status::error(StatusCode::invalid_argument,
                         "the quantized encoder does not belong to this network");
  }
  if (spec.code_layer + 1 == spec.num_layers) {
    return Status::error(StatusCode::invalid_argument, "the network has no decoder after its code layer");
  }
  const std::int32_t code = model.code_size;
  std::vector<float> float_codes(static_cast<std::size_t>(kRowsPerStep) * code);
  std::vector<float> int8_codes(float_codes.size());
  std::vector<std::int8_t> q_codes(float_codes.size());
  std::vector<std::uint8_t> q_in(static_cast<std::size_t>(kRowsPerStep) * static_cast<std::size_t>(cols > 0 ? cols : 0));
  std::vector<float> recon(static_cast<std::size_t>(kRowsPerStep) * static_cast<std::size_t>(cols > 0 ? cols : 0));
  QuantizationReport r;
  double abs_sum = 0;
  double cosine_sum = 0;
  double float_se = 0;
  double int8_se = 0;
  r.code_cosine_min = 1;
  for (std::int32_t start = 0; start < rows || start == 0; start += kRowsPerStep) {
    const std::int32_t batch = rows - start < kRowsPerStep ? rows - start : kRowsPerStep;
    const float* x = data + std::int64_t{start} * cols;
    // Network::encode checks the data (rows, width, finite values) for both encoders.
    TINYAE_RETURN_IF_ERROR(net.encode(x, batch, cols, float_codes.data()));
    model.quantize_input(x, std::int64_t{batch} * cols, q_in.data());
    TINYAE_RETURN_IF_ERROR(encoder.encode(q_in.data(), batch, q_codes.data()));
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
    for (const auto& [codes, se] : {std::pair{&float_codes, &float_se}, std::pair{&int8_codes, &int8_se}}) {
      TINYAE_RETURN_IF_ERROR(net.decode(codes->data(), batch, code, recon.data()));
      for (std::int64_t i = 0; i < std::int64_t{batch} * cols; ++i) {
        const double d = static_cast<double>(recon[static_cast<std::size_t>(i)]) - x[i];
        *se += d * d;
      }
    }
  }
  r.samples = rows;
  r.code_mean_abs_error = abs_sum / (static_cast<double>(rows) * code);
  r.code_cosine_mean = cosine_sum / rows;
  r.float_mse = float_se / (static_cast<double>(rows) * cols);
  r.int8_mse = int8_se / (static_cast<double>(rows) * cols);
  *out = r;
  return Status();
}

}  // namespace tinyae
