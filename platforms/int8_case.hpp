// The int8 encoder case that the firmware (tinyae_fw_encode_int8) and the host
// (platforms/reference/int8_reference) share: encoder_case.hpp's mnist-dense network
// with its seeded weights, quantized on kCalibrationInputs of its deterministic inputs
// with the input range fixed to [0, 1] (so the 8-bit input is the pixel itself). The host
// quantizes, exports the C header the firmware compiles, and checks the firmware's codes.
#pragma once

#include "encoder_case.hpp"

namespace fw {

inline constexpr int kCalibrationInputs = 16;
inline constexpr const char* kInt8HeaderName = "fw_int8";

}  // namespace fw
