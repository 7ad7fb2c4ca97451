// Host reference for the whole-network int8 firmware (platforms/cortex-m/int8_whole_main.cpp).
//   int8_whole_reference header <dir>/fw_ae.h       quantizes fw_ae (int8_whole_case.hpp) and
//   int8_whole_reference header <dir>/fw_denoise.h  writes its C header (by the file's name)
//   int8_whole_reference run.log                    checks the log's "score", "recon" and
//                                                   "denoise" lines against the host's bytes
// The host's bytes come from QuantizedNetwork with the best int8 kernels of this CPU,
// checked first against the scalar kernels, so an ISA bug cannot hide in the comparison.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "int8_whole_case.hpp"
#include "tinyae/anomaly.hpp"
#include "tinyae/io.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/quantize_io.hpp"

namespace {

int fail(const tinyae::Status& s) {
  std::fprintf(stderr, "int8_whole_reference: %s\n", s.message());
  return 2;
}

constexpr tinyae::QuantizeScope kWhole = tinyae::QuantizeScope::whole_network;

// One case: its network quantized whole, and what the host makes of the firmware's inputs.
struct Case {
  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  tinyae::QuantizedModel model;
  std::int64_t threshold = -1;               // fw_ae only
  std::vector<std::uint8_t> outputs;         // kEncoderInputs x kInputSize
  std::vector<std::int64_t> scores;          // fw_ae only
};

tinyae::Status build(const tinyae::NetworkSpec& spec, bool denoise, Case* c) {
  TINYAE_RETURN_IF_ERROR(c->memory.allocate(tinyae::arena_bytes(spec, fw::kEncoderConfig) +
                                            tinyae::quantized_model_bytes(spec, kWhole) +
                                            tinyae::quantize_work_bytes(spec, kWhole) +
                                            2 * tinyae::quantized_network_bytes(spec, fw::kCalibrationInputs, kWhole)));
  TINYAE_RETURN_IF_ERROR(c->net.setup(spec, fw::kEncoderConfig, c->memory.arena()));
  std::vector<float> x(static_cast<std::size_t>(fw::kCalibrationInputs) * fw::kInputSize);
  for (int s = 0; s < fw::kCalibrationInputs; ++s) fw::encoder_input(s, x.data() + s * fw::kInputSize);
  tinyae::QuantizeOptions options;
  options.scope = kWhole;
  options.fixed_input_range = true;  // [0, 1]
  TINYAE_RETURN_IF_ERROR(tinyae::quantize(c->net, x.data(), fw::kCalibrationInputs, fw::kInputSize, options,
                                          c->memory.arena(), &c->model));
  tinyae::QuantizedNetwork best;
  tinyae::QuantizedNetwork scalar;
  TINYAE_RETURN_IF_ERROR(best.setup(c->model, fw::kCalibrationInputs, c->memory.arena()));
  TINYAE_RETURN_IF_ERROR(scalar.setup(c->model, fw::kCalibrationInputs, c->memory.arena(), "scalar"));
  if (!denoise) {
    std::vector<double> scores;
    TINYAE_RETURN_IF_ERROR(tinyae::int8_reconstruction_scores(best, x.data(), fw::kCalibrationInputs,
                                                              fw::kInputSize, &scores));
    double t = 0;
    TINYAE_RETURN_IF_ERROR(tinyae::percentile_threshold(scores.data(), fw::kCalibrationInputs,
                                                        fw::kAeThresholdPercentile, &t));
    c->threshold = static_cast<std::int64_t>(t);
  }
  std::vector<std::uint8_t> in(fw::kInputSize);
  std::vector<std::uint8_t> out(fw::kInputSize);
  std::vector<std::uint8_t> check(fw::kInputSize);
  float input[fw::kInputSize];
  for (int s = 0; s < fw::kEncoderInputs; ++s) {
    if (denoise) {
      fw::noisy_input(s, input);
    } else {
      fw::encoder_input(s, input);
    }
    c->model.quantize_input(input, fw::kInputSize, in.data());
    TINYAE_RETURN_IF_ERROR(best.reconstruct(in.data(), 1, out.data()));
    TINYAE_RETURN_IF_ERROR(scalar.reconstruct(in.data(), 1, check.data()));
    if (out != check) {
      return tinyae::Status::error(tinyae::StatusCode::corrupt_data, "host int8 kernels ", best.isa(),
                                   " and scalar disagree on sample ", s);
    }
    c->outputs.insert(c->outputs.end(), out.begin(), out.end());
    if (!denoise) {
      std::int64_t score = 0;
      TINYAE_RETURN_IF_ERROR(best.score(in.data(), 1, &score));
      c->scores.push_back(score);
    }
  }
  return tinyae::Status();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The 784 bytes of a hex line's payload, or false.
bool parse_hex(const char* text, std::uint8_t* bytes) {
  for (int i = 0; i < fw::kInputSize; ++i) {
    unsigned v = 0;
    if (std::sscanf(text + 2 * i, "%2x", &v) != 1) return false;
    bytes[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "header") {
    const std::string path = argv[2];
    const bool denoise = ends_with(path, std::string(fw::kDenoiseHeaderName) + ".h");
    Case c;
    tinyae::Status s = build(denoise ? fw::kDenoiseSpec : fw::kEncoderSpec, denoise, &c);
    if (s.ok()) {
      s = tinyae::save_c_header(path, c.model, denoise ? fw::kDenoiseHeaderName : fw::kAeHeaderName, c.threshold);
    }
    return s.ok() ? 0 : fail(s);
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: int8_whole_reference header PATH | int8_whole_reference LOG\n");
    return 2;
  }
  Case ae;
  Case denoiser;
  if (tinyae::Status s = build(fw::kEncoderSpec, false, &ae); !s.ok()) return fail(s);
  if (tinyae::Status s = build(fw::kDenoiseSpec, true, &denoiser); !s.ok()) return fail(s);
  std::FILE* log = std::fopen(argv[1], "r");
  if (log == nullptr) {
    std::fprintf(stderr, "int8_whole_reference: cannot read %s\n", argv[1]);
    return 2;
  }
  int compared = 0;
  int mismatches = 0;
  int flagged = 0;
  int score_lines = 0;
  std::vector<char> line(4096);
  std::uint8_t bytes[fw::kInputSize];
  while (std::fgets(line.data(), static_cast<int>(line.size()), log) != nullptr) {
    int sample = -1;
    int offset = 0;
    long long score = 0;
    int anomalous = -1;
    if (std::sscanf(line.data(), "score %d %lld %d", &sample, &score, &anomalous) == 3) {
      const bool ok = sample >= 0 && sample < fw::kEncoderInputs &&
                      score == ae.scores[static_cast<std::size_t>(sample)] &&
                      anomalous == (score > ae.threshold ? 1 : 0);
      if (!ok) std::fprintf(stderr, "score line differs from the host's (%lld, threshold %lld): %s",
                            static_cast<long long>(sample >= 0 && sample < fw::kEncoderInputs ? ae.scores[sample] : -1),
                            static_cast<long long>(ae.threshold), line.data());
      mismatches += ok ? 0 : 1;
      flagged += anomalous == 1 ? 1 : 0;
      ++score_lines;
      ++compared;
      continue;
    }
    const Case* c = nullptr;
    if (std::sscanf(line.data(), "recon %d %n", &sample, &offset) == 1 && offset > 0) c = &ae;
    if (c == nullptr && std::sscanf(line.data(), "denoise %d %n", &sample, &offset) == 1 && offset > 0) c = &denoiser;
    if (c == nullptr) continue;
    const bool ok = sample >= 0 && sample < fw::kEncoderInputs && parse_hex(line.data() + offset, bytes) &&
                    std::memcmp(bytes, c->outputs.data() + sample * fw::kInputSize, fw::kInputSize) == 0;
    if (!ok) std::fprintf(stderr, "sample %d: the target's bytes differ from the host's\n", sample);
    mismatches += ok ? 0 : 1;
    ++compared;
  }
  std::fclose(log);
  // A score log flags some of its inputs and passes others (the threshold's percentile).
  const bool both_sides = score_lines == 0 || (flagged > 0 && flagged < score_lines);
  if (!both_sides) std::fprintf(stderr, "int8_whole_reference: %d of %d inputs flagged\n", flagged, score_lines);
  const bool ok = mismatches == 0 && compared >= fw::kEncoderInputs && both_sides;
  if (score_lines > 0) {
    std::printf("%d lines compared (%d of %d scores above the threshold %lld): %s\n", compared, flagged,
                score_lines, static_cast<long long>(ae.threshold), ok ? "identical" : "DIFFER");
  } else {
    std::printf("%d denoised images compared: %s\n", compared, ok ? "identical" : "DIFFER");
  }
  return ok ? 0 : 1;
}
