// Host companions of the int8 network (tinyae::tinyae): export as a self-contained C
// header, and how much accuracy quantization cost.
#pragma once

#include <cstdint>
#include <string>

#include "tinyae/network.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/status.hpp"

namespace tinyae {

// Writes a C99 header (no tinyae headers needed; only <stdint.h> and <string.h>): the
// int8 runtime (lib/quant/c/tinyae_int8.h), the model's tensors as const arrays and a
// layer table, its sizes, scales and zero points as macros, <NAME>_SCRATCH_BYTES, and
//   static inline void <name>_encode(const uint8_t *in, int8_t *code, void *scratch);
//   static inline void <name>_quantize_input(const float *x, uint8_t *in);
//   static inline float <name>_dequantize_code(int8_t q);
// and for a whole-network model (QuantizeScope::whole_network) also
//   static inline void <name>_decode(const int8_t *code, uint8_t *out, void *scratch);
//   static inline void <name>_reconstruct(const uint8_t *in, uint8_t *out, void *scratch);
//   static inline int <name>_score(const uint8_t *in, int64_t *score, void *scratch);
//   static inline float <name>_dequantize_output(uint8_t q);
// with per-entry <NAME>_*_SCRATCH_BYTES and <NAME>_SCORE_SCALE. score_threshold >= 0
// (whole network only) is written as <NAME>_SCORE_THRESHOLD: _score returns 1 above it.
// They give the same bytes and scores as QuantizedNetwork and QuantizedModel. name must
// be a C identifier (macros use it in upper case). Written atomically (temporary file,
// rename).
Status save_c_header(const std::string& path, const QuantizedModel& model,
                     const std::string& name, std::int64_t score_threshold = -1);

// The float network against the int8 one on the same samples.
struct QuantizationReport {
  std::int64_t samples = 0;
  double code_max_abs_error = 0;   // max |float code - dequantized int8 code|
  double code_mean_abs_error = 0;  // mean of the same over all code values
  double code_cosine_mean = 0;     // per-sample cosine similarity of the two codes, mean
  double code_cosine_min = 0;      // and smallest (1 when both codes are zero)
  double float_mse = 0;  // reconstruction MSE: float encoder, float decoder
  double int8_code_mse = 0;  // the float decoder on the dequantized int8 codes
  // A whole-network model: the int8 reconstruction (dequantized) against the input.
  double int8_mse = 0;  // 0 for an encoder-only model
  // Per quantized layer l: RMS of (float output - dequantized int8 output) and RMS of the
  // float output, over all samples and values.
  std::int32_t layers = 0;
  double layer_rms_error[kMaxLayers] = {};
  double layer_float_rms[kMaxLayers] = {};
};

// Runs both networks on rows x cols data (cols = the input size; inputs quantized with
// the network's model), decodes both codes with the network's float decoder, runs the
// int8 decoder when the model has one, and compares every layer.
Status measure_quantization(Network& net, QuantizedNetwork& quantized,
                            const float* data, std::int32_t rows, std::int32_t cols,
                            QuantizationReport* out);

}  // namespace tinyae
