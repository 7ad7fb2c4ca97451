// Plain double-precision references the tests compare the float code against.
#pragma once

#include <cmath>

#include "tinyae/network_spec.hpp"

namespace tinyae::test {

inline double activate_double(Activation act, double z) {
  switch (act) {
    case Activation::sigmoid: return 1.0 / (1.0 + std::exp(-z));
    case Activation::tanh: return std::tanh(z);
    case Activation::relu: return z > 0 ? z : 0;
    case Activation::identity: break;
  }
  return z;
}

}  // namespace tinyae::test
