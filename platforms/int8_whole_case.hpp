// The whole-network int8 cases that the firmware (tinyae_fw_score_int8,
// tinyae_fw_denoise_int8) and the host (platforms/reference/int8_whole_reference) share:
//   fw_ae       mnist-dense's 784-32-784 autoencoder: reconstruct and anomaly-score
//   fw_denoise  mnist-conv's convolutional autoencoder: denoise
// each with its seeded weights (encoder_case.hpp's config), quantized whole on
// kCalibrationInputs of the deterministic inputs with the input range fixed to [0, 1]
// (the 8-bit input is the pixel). The host quantizes, exports the C headers the
// firmware compiles, and checks the firmware's bytes and scores.
#pragma once

#include "encoder_case.hpp"
#include "int8_case.hpp"

namespace fw {

inline constexpr tinyae::NetworkSpec kDenoiseSpec = tinyae::reference::kMnistConv;
inline constexpr const char* kAeHeaderName = "fw_ae";
inline constexpr const char* kDenoiseHeaderName = "fw_denoise";
// fw_ae's threshold: this percentile of the calibration inputs' int8 scores, low so
// that the firmware's inputs (the first calibration inputs) land on both sides of it.
inline constexpr double kAeThresholdPercentile = 12.5;

// Input `sample` with deterministic noise: each pixel moved by up to 40/255 either way
// (an integer hash of sample and pixel), clamped to [0, 1]. The same floats everywhere.
inline void noisy_input(int sample, float* x) {
  encoder_input(sample, x);
  for (int i = 0; i < kInputSize; ++i) {
    std::uint32_t h = static_cast<std::uint32_t>(sample * 7919 + i) * 2654435761u;
    h ^= h >> 15;
    const int v = static_cast<int>(x[i] * 255.0f + 0.5f) + static_cast<int>(h % 81u) - 40;
    x[i] = static_cast<float>(v < 0 ? 0 : (v > 255 ? 255 : v)) / 255.0f;
  }
}

}  // namespace fw
