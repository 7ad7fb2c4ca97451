// Host reference for the int8 firmware encoder (platforms/cortex-m/encode_int8_main.cpp).
//   int8_reference header <path>   quantizes the case (int8_case.hpp) and writes its C header
//   int8_reference                 prints the host's int8 codes
//   int8_reference run.log         checks the "int8 <sample> <j> <value>" lines of the log
//                                  against the host's codes, byte for byte; exit 0 when equal
// The host's codes come from QuantizedNetwork with the best int8 kernels of this CPU,
// checked first against the scalar kernels, so an ISA bug cannot hide in the comparison.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "int8_case.hpp"
#include "tinyae/io.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/quantize_io.hpp"

namespace {

int fail(const tinyae::Status& s) {
  std::fprintf(stderr, "int8_reference: %s\n", s.message());
  return 2;
}

struct Case {
  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  tinyae::QuantizedModel model;
  std::vector<std::int8_t> codes;  // kEncoderInputs x kCodeSize
};

tinyae::Status build(Case* c) {
  constexpr tinyae::NetworkSpec spec = fw::kEncoderSpec;
  TINYAE_RETURN_IF_ERROR(c->memory.allocate(tinyae::arena_bytes(spec, fw::kEncoderConfig) +
                                            tinyae::quantized_model_bytes(spec) +
                                            tinyae::quantize_work_bytes(spec) +
                                            2 * tinyae::quantized_network_bytes(spec, 1)));
  TINYAE_RETURN_IF_ERROR(c->net.setup(spec, fw::kEncoderConfig, c->memory.arena()));
  std::vector<float> x(static_cast<std::size_t>(fw::kCalibrationInputs) * fw::kInputSize);
  for (int s = 0; s < fw::kCalibrationInputs; ++s) fw::encoder_input(s, x.data() + s * fw::kInputSize);
  tinyae::QuantizeOptions options;
  options.fixed_input_range = true;  // [0, 1]
  TINYAE_RETURN_IF_ERROR(tinyae::quantize(c->net, x.data(), fw::kCalibrationInputs, fw::kInputSize,
                                          options, c->memory.arena(), &c->model));
  tinyae::QuantizedNetwork best;
  tinyae::QuantizedNetwork scalar;
  TINYAE_RETURN_IF_ERROR(best.setup(c->model, 1, c->memory.arena()));
  TINYAE_RETURN_IF_ERROR(scalar.setup(c->model, 1, c->memory.arena(), "scalar"));
  std::uint8_t in[fw::kInputSize];
  std::int8_t code[fw::kCodeSize];
  std::int8_t check[fw::kCodeSize];
  for (int s = 0; s < fw::kEncoderInputs; ++s) {
    c->model.quantize_input(x.data() + s * fw::kInputSize, fw::kInputSize, in);
    TINYAE_RETURN_IF_ERROR(best.encode_one(in, code));
    TINYAE_RETURN_IF_ERROR(scalar.encode_one(in, check));
    if (std::memcmp(code, check, sizeof code) != 0) {
      return tinyae::Status::error(tinyae::StatusCode::corrupt_data, "host int8 kernels ", best.isa(),
                                   " and scalar disagree on sample ", s);
    }
    c->codes.insert(c->codes.end(), code, code + fw::kCodeSize);
  }
  return tinyae::Status();
}

}  // namespace

int main(int argc, char** argv) {
  Case c;
  if (tinyae::Status s = build(&c); !s.ok()) return fail(s);
  if (argc == 3 && std::string(argv[1]) == "header") {
    if (tinyae::Status s = tinyae::save_c_header(argv[2], c.model, fw::kInt8HeaderName); !s.ok()) return fail(s);
    return 0;
  }
  if (argc < 2) {
    for (int s = 0; s < fw::kEncoderInputs; ++s) {
      std::printf("sample %d int8 code:", s);
      for (int j = 0; j < fw::kCodeSize; ++j) std::printf("%s%d", j % 16 == 0 ? "\n  " : " ", c.codes[s * fw::kCodeSize + j]);
      std::printf("\n");
    }
    return 0;
  }
  std::FILE* log = std::fopen(argv[1], "r");
  if (log == nullptr) {
    std::fprintf(stderr, "int8_reference: cannot read %s\n", argv[1]);
    return 2;
  }
  int seen[fw::kEncoderInputs][fw::kCodeSize] = {};
  int mismatches = 0;
  int nonzero = 0;
  char line[256];
  while (std::fgets(line, sizeof line, log) != nullptr) {
    int sample = -1;
    int j = -1;
    int value = 0;
    if (std::sscanf(line, "int8 %d %d %d", &sample, &j, &value) != 3) continue;
    if (sample < 0 || sample >= fw::kEncoderInputs || j < 0 || j >= fw::kCodeSize) {
      std::fprintf(stderr, "int8_reference: bad line: %s", line);
      ++mismatches;
      continue;
    }
    const int host = c.codes[static_cast<std::size_t>(sample * fw::kCodeSize + j)];
    ++seen[sample][j];
    nonzero += host != c.model.code_zero_point;
    if (value != host) {
      std::fprintf(stderr, "sample %d code %d: target %d, host %d\n", sample, j, value, host);
      ++mismatches;
    }
  }
  std::fclose(log);
  int missing = 0;
  for (const auto& row : seen) {
    for (int count : row) missing += count != 1;
  }
  std::printf("%d int8 codes compared (%d above the zero point): %s\n",
              fw::kEncoderInputs * fw::kCodeSize - missing, nonzero,
              mismatches == 0 && missing == 0 ? "identical" : "DIFFER");
  if (missing > 0) std::fprintf(stderr, "int8_reference: %d codes missing or repeated\n", missing);
  return mismatches == 0 && missing == 0 ? 0 : 1;
}
