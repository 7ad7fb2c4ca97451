// Parameter updates over a range of a parameter block.
#pragma once

#include <cstdint>

#include "tinyae/train_config.hpp"

namespace tinyae {

struct OptimizerState {
  float* moment1 = nullptr;  // momentum velocity or Adam's m
  float* moment2 = nullptr;  // Adam's v
  std::int64_t steps = 0;    // Adam's t of this step (1 for the first)
};

// One step of sgd, momentum or adam on parameters [begin, end) of p with gradient g.
// Element-wise, so a block may be updated in ranges, in any order or in parallel.
void optimizer_step(const TrainConfig& config, std::int64_t begin, std::int64_t end, float* p,
                    const float* g, const OptimizerState& state);

}  // namespace tinyae
