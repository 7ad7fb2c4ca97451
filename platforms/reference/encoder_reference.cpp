// Host reference for the encoder programs (platforms/cortex-m/encode_main.cpp on the
// Cortex-M boards, platforms/linux/encode_codes.cpp on ARM Linux).
//   encoder_reference            prints the host's codes
//   encoder_reference run.log    checks the "code <sample> <j> <hex bits>" lines of the
//                                log against the host's codes; exit 0 when all agree
//   encoder_reference header F   writes the case's seeded parameters (init_parameters)
//                                as the float C++ header F (name fw_encoder) for
//                                tinyae_fw_encode_flash
// The host's own codes are first checked against a double-precision dot product over
// the network's weights, so a bug shared by both sides of the comparison cannot hide.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "encoder_case.hpp"
#include "tinyae/io.hpp"

namespace {

alignas(tinyae::kAlignment) unsigned char
    g_arena[tinyae::arena_bytes(fw::kEncoderSpec, fw::kEncoderConfig)];
float g_codes[fw::kEncoderInputs][fw::kCodeSize];

bool agree(double target, double host) {
  return std::fabs(target - host) <= fw::kAbsTolerance + fw::kRelTolerance * std::fabs(host);
}

// The firmware's const block: the parameters a trainable set-up with the case's seed has.
int write_header(const char* path) {
  std::vector<float> block(static_cast<std::size_t>(fw::kEncoderSpec.parameter_floats()));
  tinyae::Status s = tinyae::init_parameters(fw::kEncoderSpec, fw::kEncoderConfig.seed, block.data(),
                                             fw::kEncoderSpec.parameter_floats());
  if (s.ok()) {
    s = tinyae::save_float_c_header(path, fw::kEncoderSpec, block.data(),
                                    fw::kEncoderSpec.parameter_floats(), "fw_encoder");
  }
  if (!s.ok()) {
    std::fprintf(stderr, "encoder_reference: %s\n", s.message());
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "header") == 0) return write_header(argv[2]);
  tinyae::Arena arena(g_arena, sizeof g_arena);
  tinyae::Network net;
  if (tinyae::Status s = net.setup(fw::kEncoderSpec, fw::kEncoderConfig, arena); !s.ok()) {
    std::fprintf(stderr, "encoder_reference: %s\n", s.message());
    return 2;
  }
  float x[fw::kInputSize];
  const float* w = net.weights(0);
  const float* b = net.biases(0);
  for (int sample = 0; sample < fw::kEncoderInputs; ++sample) {
    fw::encoder_input(sample, x);
    if (tinyae::Status s = net.encode(x, 1, fw::kInputSize, g_codes[sample]); !s.ok()) {
      std::fprintf(stderr, "encoder_reference: %s\n", s.message());
      return 2;
    }
    for (int j = 0; j < fw::kCodeSize; ++j) {
      double z = b[j];
      for (int i = 0; i < fw::kInputSize; ++i) z += double{w[j * fw::kInputSize + i]} * x[i];
      const double ref = z > 0 ? z : 0;
      if (!agree(g_codes[sample][j], ref)) {
        std::fprintf(stderr, "encoder_reference: host code %d/%d is %.9g, double reference %.9g\n",
                     sample, j, static_cast<double>(g_codes[sample][j]), ref);
        return 2;
      }
    }
  }
  if (argc < 2) {
    for (int sample = 0; sample < fw::kEncoderInputs; ++sample) {
      std::printf("sample %d code:", sample);
      for (int j = 0; j < fw::kCodeSize; ++j) {
        std::printf("%s%.5f", j % 8 == 0 ? "\n  " : " ", static_cast<double>(g_codes[sample][j]));
      }
      std::printf("\n");
    }
    return 0;
  }

  std::FILE* log = std::fopen(argv[1], "r");
  if (log == nullptr) {
    std::fprintf(stderr, "encoder_reference: cannot read %s\n", argv[1]);
    return 2;
  }
  int seen[fw::kEncoderInputs][fw::kCodeSize] = {};
  int mismatches = 0;
  int nonzero = 0;
  double max_diff = 0;
  char line[256];
  while (std::fgets(line, sizeof line, log) != nullptr) {
    int sample = -1;
    int j = -1;
    std::uint32_t bits = 0;
    if (std::sscanf(line, "code %d %d %" SCNx32, &sample, &j, &bits) != 3) continue;
    if (sample < 0 || sample >= fw::kEncoderInputs || j < 0 || j >= fw::kCodeSize) {
      std::fprintf(stderr, "encoder_reference: bad line: %s", line);
      ++mismatches;
      continue;
    }
    float target = 0;
    std::memcpy(&target, &bits, sizeof target);
    const float host = g_codes[sample][j];
    ++seen[sample][j];
    nonzero += host != 0.0f;
    const double diff = std::fabs(static_cast<double>(target) - static_cast<double>(host));
    if (diff > max_diff || diff != diff) max_diff = diff;
    if (!agree(target, host)) {
      std::fprintf(stderr, "sample %d code %d: target %.9g, host %.9g\n", sample, j,
                   static_cast<double>(target), static_cast<double>(host));
      ++mismatches;
    }
  }
  std::fclose(log);
  int missing = 0;
  for (const auto& row : seen) {
    for (int count : row) missing += count != 1;
  }
  std::printf("%d codes compared (%d nonzero), max |target - host| = %.3g, tolerance %.0e + %.0e*|host|: %s\n",
              fw::kEncoderInputs * fw::kCodeSize - missing, nonzero, max_diff, fw::kAbsTolerance,
              fw::kRelTolerance, mismatches == 0 && missing == 0 ? "agree" : "DIFFER");
  if (missing > 0) std::fprintf(stderr, "encoder_reference: %d codes missing or repeated\n", missing);
  return mismatches == 0 && missing == 0 ? 0 : 1;
}
