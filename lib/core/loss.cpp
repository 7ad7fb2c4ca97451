#include "loss.hpp"

#include <limits>

#include "../kernels/activation.hpp"
#include "../kernels/f32_kernels.hpp"

namespace tinyae {

float output_scale(Loss loss, std::int32_t batch, std::int32_t d) {
  const auto elements = static_cast<float>(std::int64_t{batch} * d);
  switch (loss) {
    case Loss::mse: return 2.0f / elements;
    case Loss::half_sse: return 1.0f / static_cast<float>(batch);
    case Loss::bce: break;
  }
  return 1.0f / elements;
}

void accumulate_errors(Activation act, std::int32_t b, std::int32_t d, const float* a,
                       const float* z, const float* y, ErrorSums* sums) {
  const std::int64_t n = std::int64_t{b} * d;
  double sse = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float ai = a != nullptr ? a[i] : kernels::activate(act, z[i]);
    const float diff = ai - y[i];
    sse += static_cast<double>(diff) * diff;
  }
  sums->sse += sse;
  sums->bce = z != nullptr ? sums->bce + kernels::f32().bce_sum(n, z, y)
                           : std::numeric_limits<double>::quiet_NaN();
  sums->samples += b;
}

Metrics make_metrics(Loss loss, const ErrorSums& sums, std::int32_t d) {
  Metrics m;
  m.samples = sums.samples;
  if (sums.samples == 0) return m;
  const double elements = static_cast<double>(sums.samples) * d;
  m.sse = sums.sse;
  m.mse = sums.sse / elements;
  m.bce = sums.bce / elements;
  m.loss = loss == Loss::mse        ? m.mse
           : loss == Loss::half_sse ? sums.sse / (2.0 * static_cast<double>(sums.samples))
                                    : m.bce;
  return m;
}

}  // namespace tinyae
