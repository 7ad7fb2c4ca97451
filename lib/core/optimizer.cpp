// sgd, momentum and Adam updates over a range of the parameter block.
#include "optimizer.hpp"

#include <cmath>

#include "../kernels/f32_kernels.hpp"

namespace tinyae {

void optimizer_step(const TrainConfig& config, std::int64_t begin, std::int64_t end, float* p,
                    const float* g, const OptimizerState& state) {
  const float lr = config.learning_rate;
  switch (config.optimizer) {
    case Optimizer::sgd:
      kernels::f32().sgd_step(end - begin, p + begin, g + begin, lr);
      break;
    case Optimizer::momentum: {
      const float mu = config.momentum;
      float* v = state.moment1;
      for (std::int64_t i = begin; i < end; ++i) {
        v[i] = mu * v[i] + g[i];
        p[i] -= lr * v[i];
      }
      break;
    }
    case Optimizer::adam: {
      const std::int64_t t = state.steps;
      const float b1 = config.adam_beta1;
      const float b2 = config.adam_beta2;
      const double c1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(t));
      const double c2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(t));
      const kernels::AdamStep adam{b1, b2, static_cast<float>(lr / c1),
                                   static_cast<float>(1.0 / std::sqrt(c2)), config.adam_epsilon};
      kernels::f32().adam_step(end - begin, p + begin, g + begin, state.moment1 + begin,
                               state.moment2 + begin, adam);
      break;
    }
    case Optimizer::lbfgs:  // steps through Network's line search, not here
      break;
  }
}

}  // namespace tinyae
