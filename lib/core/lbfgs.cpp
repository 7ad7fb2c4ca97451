// L-BFGS (Nocedal & Wright, Algorithm 7.4 with the two-loop recursion of 7.5): one
// iteration is a search direction from the stored pairs, a strong-Wolfe line search
// along it, and a new pair. It knows nothing of networks: the trainer (trainer.cpp)
// gives it an objective whose evaluate() runs a full-batch step without an update.
#include "lbfgs.hpp"

#include <cmath>

namespace tinyae::detail {
namespace {

double dot(const float* a, const float* b, std::int64_t n) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

// d = -H g by the two-loop recursion over the stored pairs, H0 = (s.y / y.y) I.
void search_direction(const LbfgsProblem& p, LbfgsState& st) {
  const std::int64_t n = p.n;
  float* q = st.direction;
  for (std::int64_t i = 0; i < n; ++i) q[i] = -p.gradient[i];
  const std::int32_t m = p.memory;
  double alpha[kMaxLbfgsMemory];
  std::int32_t slot = st.newest;
  for (std::int32_t i = 0; i < st.pairs; ++i, slot = (slot + m - 1) % m) {
    const float* s = st.s + slot * n;
    const float* y = st.y + slot * n;
    alpha[slot] = st.rho[slot] * dot(s, q, n);
    const auto a = static_cast<float>(alpha[slot]);
    for (std::int64_t k = 0; k < n; ++k) q[k] -= a * y[k];
  }
  if (st.pairs > 0) {
    const float* y = st.y + st.newest * n;
    const auto gamma = static_cast<float>(1.0 / (st.rho[st.newest] * dot(y, y, n)));
    for (std::int64_t k = 0; k < n; ++k) q[k] *= gamma;
  }
  slot = (st.newest + m - st.pairs + 1) % m;
  for (std::int32_t i = 0; i < st.pairs; ++i, slot = (slot + 1) % m) {
    const float* s = st.s + slot * n;
    const float* y = st.y + slot * n;
    const double beta = st.rho[slot] * dot(y, q, n);
    const auto c = static_cast<float>(alpha[slot] - beta);
    for (std::int64_t k = 0; k < n; ++k) q[k] += c * s[k];
  }
}

// Nocedal & Wright, Algorithms 3.5 and 3.6 (bracketing, then zoom with safeguarded
// cubic interpolation), for the strong Wolfe conditions with c1 = 1e-4, c2 = 0.9.
bool line_search(LbfgsObjective& objective, const LbfgsProblem& p, const LbfgsState& st, double f0,
                 double slope0, double first_step, double* f) {
  constexpr double kC1 = 1e-4;
  constexpr double kC2 = 0.9;
  constexpr int kMaxEvaluations = 25;
  const std::int64_t n = p.n;
  int evaluations = 0;
  // Moves to x0 + alpha d and returns the objective; *slope = g . d there.
  auto at = [&](double alpha, double* slope) {
    const auto a = static_cast<float>(alpha);
    for (std::int64_t i = 0; i < n; ++i) p.x[i] = p.best[i] + a * st.direction[i];
    ++evaluations;
    const double value = objective.evaluate();
    *slope = dot(p.gradient, st.direction, n);
    const bool ok = std::isfinite(value) && std::isfinite(*slope);
    return ok ? value : HUGE_VAL;
  };
  struct Point {
    double alpha, f, slope;
  };
  auto armijo = [&](const Point& q) { return q.f <= f0 + kC1 * q.alpha * slope0; };
  auto curvature = [&](const Point& q) { return std::fabs(q.slope) <= -kC2 * slope0; };

  Point lo{0.0, f0, slope0};
  Point hi{0.0, f0, slope0};
  Point prev{0.0, f0, slope0};
  double alpha = first_step;
  bool bracketed = false;
  while (evaluations < kMaxEvaluations) {
    Point pt{alpha, 0.0, 0.0};
    pt.f = at(alpha, &pt.slope);
    if (!armijo(pt) || (evaluations > 1 && pt.f >= prev.f)) {
      lo = prev;
      hi = pt;
      bracketed = true;
      break;
    }
    if (curvature(pt)) {
      *f = pt.f;
      return true;
    }
    if (pt.slope >= 0) {
      lo = pt;
      hi = prev;
      bracketed = true;
      break;
    }
    prev = pt;
    alpha *= 2;
  }
  while (bracketed && evaluations < kMaxEvaluations) {
    // The minimiser of the cubic through lo and hi, kept inside the interval.
    const double width = hi.alpha - lo.alpha;
    double trial = lo.alpha + 0.5 * width;
    if (std::isfinite(hi.f)) {
      const double d1 = lo.slope + hi.slope - 3.0 * (lo.f - hi.f) / (lo.alpha - hi.alpha);
      const double disc = d1 * d1 - lo.slope * hi.slope;
      if (disc >= 0) {
        const double d2 = (width > 0 ? 1.0 : -1.0) * std::sqrt(disc);
        const double c = hi.alpha - width * (hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2);
        const double a = lo.alpha < hi.alpha ? lo.alpha : hi.alpha;
        const double b = lo.alpha < hi.alpha ? hi.alpha : lo.alpha;
        const double margin = 0.1 * (b - a);
        if (std::isfinite(c)) trial = c < a + margin ? a + margin : c > b - margin ? b - margin : c;
      }
    }
    Point pt{trial, 0.0, 0.0};
    pt.f = at(trial, &pt.slope);
    if (!armijo(pt) || pt.f >= lo.f) {
      hi = pt;
    } else {
      if (curvature(pt)) {
        *f = pt.f;
        return true;
      }
      if (pt.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
      lo = pt;
    }
  }
  // Out of evaluations: settle for the best point with sufficient decrease, if any.
  if (lo.alpha > 0) {
    double slope = 0;
    *f = at(lo.alpha, &slope);
    return std::isfinite(*f) && *f < f0;
  }
  return false;
}

}  // namespace

Status lbfgs_minimize(LbfgsObjective& objective, const LbfgsProblem& p, LbfgsState& st) {
  const std::int64_t n = p.n;
  const std::int32_t m = p.memory;
  st.pairs = 0;
  st.newest = -1;
  double f = objective.evaluate();
  if (!std::isfinite(f)) {
    return Status::error(StatusCode::diverged,
                         "lbfgs: the objective is not finite at the starting weights");
  }
  copy(p.x, n, p.best);
  for (std::int32_t epoch = 1; epoch <= p.iterations; ++epoch) {
    search_direction(p, st);
    double slope = dot(p.gradient, st.direction, n);
    if (!(slope < 0)) {  // not a descent direction: forget the pairs, go downhill
      st.pairs = 0;
      for (std::int64_t i = 0; i < n; ++i) st.direction[i] = -p.gradient[i];
      slope = dot(p.gradient, st.direction, n);
    }
    if (!(slope < 0)) break;  // zero gradient: a stationary point
    copy(p.gradient, n, st.gradient);
    // The first step is scaled to unit length; later ones start at the natural step 1.
    const double first_step = st.pairs > 0 ? 1.0 : 1.0 / std::sqrt(-slope);
    double f_new = f;
    if (!line_search(objective, p, st, f, slope, first_step, &f_new)) {
      // No further decrease along this direction: keep the best weights and stop.
      copy(p.best, n, p.x);
      break;
    }
    if (!all_finite(p.x, n)) {
      copy(p.best, n, p.x);
      return Status::error(StatusCode::diverged, "lbfgs diverged in iteration ", epoch,
                           "; kept the weights of iteration ", epoch - 1);
    }
    const std::int32_t slot = (st.newest + 1) % m;
    float* s = st.s + slot * n;
    float* y = st.y + slot * n;
    for (std::int64_t i = 0; i < n; ++i) {
      s[i] = p.x[i] - p.best[i];
      y[i] = p.gradient[i] - st.gradient[i];
    }
    const double sy = dot(s, y, n);
    // Keep the pair only with positive curvature, so H stays positive definite.
    if (sy > 1e-12 * std::sqrt(dot(s, s, n) * dot(y, y, n))) {
      st.rho[slot] = 1.0 / sy;
      st.newest = slot;
      st.pairs = st.pairs < m ? st.pairs + 1 : m;
    }
    f = f_new;
    copy(p.x, n, p.best);
    if (!objective.iteration_done(epoch, f)) break;
  }
  return Status();
}

}  // namespace tinyae::detail
