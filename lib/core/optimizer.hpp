// Parameter updates over a whole parameter block.
#pragma once

#include <cstdint>

#include "tinyae/train_config.hpp"

namespace tinyae {

struct OptimizerState {
  float* moment1 = nullptr;  // momentum velocity or Adam's m
  float* moment2 = nullptr;  // Adam's v
  std::int64_t steps = 0;    // Adam's t, before this step
};

// One step on n parameters p with gradient g.
void optimizer_step(const TrainConfig& config, std::int64_t n, float* p, const float* g,
                    OptimizerState* state);

}  // namespace tinyae
