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

// Binary cross-entropy of target y against sigmoid(z), from the logit z:
// max(z, 0) - z*y + log(1 + exp(-|z|)), finite for every finite z.
inline double bce_from_logit(float z, float y) {
  const double zd = z;
  return (zd > 0 ? zd : 0.0) - zd * y + std::log1p(std::exp(-std::fabs(zd)));
}

}  // namespace tinyae::test
