// Config validation (lib/core/validate.cpp).
#pragma once

#include "tinyae/network_spec.hpp"
#include "tinyae/status.hpp"
#include "tinyae/train_config.hpp"

namespace tinyae::detail {

// Every field of c in range and usable with spec; the first problem found otherwise.
Status validate_config(const NetworkSpec& spec, const TrainConfig& c);

// Data for a network of spec: set up, at least one row, cols = the input width of
// layer first_layer, and every value finite (the first bad one is named).
Status check_rows(const NetworkSpec& spec, bool set_up, const float* data, std::int32_t rows,
                  std::int32_t cols, std::int32_t first_layer);

}  // namespace tinyae::detail
