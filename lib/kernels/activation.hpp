// Scalar activation functions and their derivatives, the reference every kernel
// is checked against. Derivatives are written in terms of the activation's output
// a = f(z), which is what the forward pass keeps.
#pragma once

#include <cmath>

#include "tinyae/network_spec.hpp"

namespace tinyae::kernels {

inline float sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }

inline float activate(Activation act, float z) {
  switch (act) {
    case Activation::sigmoid: return sigmoid(z);
    case Activation::tanh: return std::tanh(z);
    case Activation::relu: return z > 0.0f ? z : 0.0f;
    case Activation::identity: break;
  }
  return z;
}

inline float derivative_from_output(Activation act, float a) {
  switch (act) {
    case Activation::sigmoid: return a * (1.0f - a);
    case Activation::tanh: return 1.0f - a * a;
    case Activation::relu: return a > 0.0f ? 1.0f : 0.0f;
    case Activation::identity: break;
  }
  return 1.0f;
}

}  // namespace tinyae::kernels
