// The int8 case of platforms/int8_case.hpp on a Linux target, printing the codes as the
// firmware does ("int8 <sample> <j> <value>") for the host comparison.
//   tinyae_encode_int8 [extra]         the exported C header (int8_encode.c, as in the
//                                      firmware): float inputs quantized, then encoded
//   tinyae_encode_int8 <isa> [extra]   the library instead: the case quantized here,
//                                      then QuantizedModel::quantize_input and
//                                      QuantizedNetwork::encode_one with int8 kernels <isa>
// Both repeat the first encode `extra` more times (platforms/insncount.sh counts by
// difference).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "int8_case.hpp"
#include "int8_encode.h"
#include "tinyae/quantize.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = fw::kEncoderSpec;

alignas(tinyae::kAlignment) unsigned char g_arena[tinyae::arena_bytes(kSpec, fw::kEncoderConfig) +
                                                  tinyae::quantized_model_bytes(kSpec) +
                                                  tinyae::quantize_work_bytes(kSpec) +
                                                  tinyae::quantized_network_bytes(kSpec, 1)];

void print(int sample, const std::int8_t* code) {
  for (int j = 0; j < fw::kCodeSize; ++j) std::printf("int8 %d %d %d\n", sample, j, code[j]);
}

// The library path: quantizes the case as int8_reference does, then encodes.
tinyae::Status run_library(const char* isa, long extra) {
  tinyae::Arena arena(g_arena, sizeof g_arena);
  tinyae::Network net;
  TINYAE_RETURN_IF_ERROR(net.setup(kSpec, fw::kEncoderConfig, arena));
  static float x[fw::kCalibrationInputs * fw::kInputSize];
  for (int s = 0; s < fw::kCalibrationInputs; ++s) fw::encoder_input(s, x + s * fw::kInputSize);
  tinyae::QuantizeOptions options;
  options.fixed_input_range = true;  // [0, 1]
  tinyae::QuantizedModel model;
  TINYAE_RETURN_IF_ERROR(
      tinyae::quantize(net, x, fw::kCalibrationInputs, fw::kInputSize, options, arena, &model));
  tinyae::QuantizedNetwork encoder;
  TINYAE_RETURN_IF_ERROR(encoder.setup(model, 1, arena, isa));
  std::printf("int8 encoder 784-32, library, %s kernels\n", encoder.isa());
  std::uint8_t in[fw::kInputSize];
  std::int8_t code[fw::kCodeSize];
  for (int sample = 0; sample < fw::kEncoderInputs; ++sample) {
    const long repeats = sample == 0 ? 1 + extra : 1;
    for (long r = 0; r < repeats; ++r) {
      model.quantize_input(x + sample * fw::kInputSize, fw::kInputSize, in);
      TINYAE_RETURN_IF_ERROR(encoder.encode_one(in, code));
    }
    print(sample, code);
  }
  return tinyae::Status();
}

}  // namespace

int main(int argc, char** argv) {
  const bool library = argc > 1 && (argv[1][0] < '0' || argv[1][0] > '9');
  const char* extra_arg = library ? (argc > 2 ? argv[2] : "0") : (argc > 1 ? argv[1] : "0");
  const long extra = std::strtol(extra_arg, nullptr, 10);
  if (library) {
    const tinyae::Status s = run_library(argv[1], extra);
    if (!s.ok()) {
      std::fprintf(stderr, "tinyae_encode_int8: %s\n", s.message());
      return 1;
    }
    return 0;
  }
  std::printf("int8 encoder 784-32, exported C header\n");
  return fw::run_int8_header(extra, print) ? 0 : 1;
}
