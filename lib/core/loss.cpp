#include "loss.hpp"

#include <cmath>
#include <limits>

#include "../kernels/activation.hpp"
#include "../kernels/f32_kernels.hpp"

namespace tinyae {

double bce_from_logit(float z, float y) {
  const double zd = z;
  return (zd > 0 ? zd : 0.0) - zd * y + std::log1p(std::exp(-std::fabs(zd)));
}

void output_delta(Loss loss, Activation act, std::int32_t b, std::int32_t d, std::int32_t batch,
                  const float* a, const float* z, const float* y, float* delta, ErrorSums* sums) {
  const std::int64_t n = std::int64_t{b} * d;
  const auto elements = static_cast<float>(std::int64_t{batch} * d);
  // d(batch-mean loss)/da per element is scale * (a - y) for mse and half_sse.
  const float scale = loss == Loss::mse        ? 2.0f / elements
                      : loss == Loss::half_sse ? 1.0f / static_cast<float>(batch)
                                               : 1.0f / elements;
  // bce with a sigmoid output: dL/dz = (a - y) / n, no division by a(1-a).
  const double sse = kernels::f32().output_delta(n, a, y, scale,
                                                 loss == Loss::bce ? Activation::identity : act, delta);
  sums->sse += sse;
  if (z != nullptr) {
    double bce = 0;
    for (std::int64_t i = 0; i < n; ++i) bce += bce_from_logit(z[i], y[i]);
    sums->bce += bce;
  } else {
    sums->bce = std::numeric_limits<double>::quiet_NaN();
  }
  sums->samples += b;
}

void accumulate_errors(Activation act, std::int32_t b, std::int32_t d, const float* a,
                       const float* z, const float* y, ErrorSums* sums) {
  const std::int64_t n = std::int64_t{b} * d;
  double sse = 0;
  double bce = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float ai = a != nullptr ? a[i] : kernels::activate(act, z[i]);
    const float diff = ai - y[i];
    sse += static_cast<double>(diff) * diff;
    if (z != nullptr) bce += bce_from_logit(z[i], y[i]);
  }
  sums->sse += sse;
  sums->bce = z != nullptr ? sums->bce + bce : std::numeric_limits<double>::quiet_NaN();
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
