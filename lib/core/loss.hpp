// Losses: the output layer's delta and the error sums every metric derives from.
#pragma once

#include <cstdint>

#include "tinyae/network.hpp"

namespace tinyae {

// Error sums over a set of samples. bce is NaN when the output layer is not sigmoid.
struct ErrorSums {
  double sse = 0;
  double bce = 0;  // sum over elements of the binary cross-entropy
  std::int64_t samples = 0;
};

// d(batch-mean loss)/d(a - y) per element, for a batch of `batch` samples of d
// outputs (bce: per element of the delta with respect to the logit, a - y).
float output_scale(Loss loss, std::int32_t batch, std::int32_t d);

// Adds error sums without a delta; a may be null when z is given (a = sigmoid(z)).
void accumulate_errors(Activation act, std::int32_t b, std::int32_t d, const float* a,
                       const float* z, const float* y, ErrorSums* sums);

// Metrics (loss = the mean `loss` over the samples) from error sums over d outputs.
Metrics make_metrics(Loss loss, const ErrorSums& sums, std::int32_t d);

}  // namespace tinyae
