// L-BFGS over a block of floats (lib/core/lbfgs.cpp), behind a small objective
// interface; its memory (pairs, direction, start gradient) is LbfgsState, in the arena.
#pragma once

#include <cstdint>

#include "network_state.hpp"

namespace tinyae::detail {

// What L-BFGS minimises. evaluate() is called once per trial point, so a virtual call
// costs nothing next to it.
class LbfgsObjective {
 public:
  // f at the current x, with its gradient written into the problem's gradient block.
  virtual double evaluate() = 0;
  // After each accepted iteration (1-based) with its value f; false stops.
  virtual bool iteration_done(std::int32_t iteration, double f) = 0;

 protected:
  ~LbfgsObjective() = default;
};

struct LbfgsProblem {
  float* x = nullptr;         // n floats: the start point, then the result
  float* gradient = nullptr;  // n floats that evaluate() fills
  float* best = nullptr;      // n floats: the last accepted point
  std::int64_t n = 0;
  std::int32_t memory = 1;      // correction pairs kept, at most kMaxLbfgsMemory
  std::int32_t iterations = 0;  // at most this many
};

// Minimises f from p.x, one line search (strong Wolfe) per iteration. Stops early at a
// stationary point or when a line search finds no decrease (x = the best point then);
// a non-finite objective at the start or non-finite x is StatusCode::diverged (x is
// then the last accepted point).
Status lbfgs_minimize(LbfgsObjective& f, const LbfgsProblem& p, LbfgsState& state);

}  // namespace tinyae::detail
