// One training step, top to bottom: train_batch splits the batch into fixed parts,
// runs each part's forward pass (ending in the output layer's loss and delta) and
// backward pass into its own partial gradient, sums the partial gradients in part
// order, adds weight decay and takes the optimizer step. for_each_part is the one
// place the parts meet OpenMP; without OpenMP (or with one thread) it is a plain loop.
#include "train_step.hpp"

#include <cmath>

#include "../kernels/activation.hpp"
#include "../kernels/f32_kernels.hpp"
#include "conv_layers.hpp"
#include "inference.hpp"
#include "loss.hpp"
#include "optimizer.hpp"

#if defined(_OPENMP)
#include <omp.h>
// OpenMP directives as macros, so builds without OpenMP see no unknown pragmas.
#define TINYAE_PRAGMA(directive) _Pragma(#directive)
#else
#define TINYAE_PRAGMA(directive)
#endif

namespace tinyae::detail {
namespace {

// Floats per chunk when summing the parts' gradients and updating the parameters.
constexpr std::int64_t kUpdateChunk = 4096;

// The schedule of a step. The work partition is fixed by the batch and batch_parts
// alone (each part has its own rows, scratch and gradient, whichever thread runs it),
// and every sum runs in a fixed order, so the result does not depend on the number of
// threads. With `team` the loops are shared by the threads of the enclosing parallel
// region: parts go to whichever thread is free (a thread the OS holds back does not
// hold the others up), chunks of the parameter block are split evenly. Without it
// (one part, one thread, or no OpenMP) they are plain loops that never enter OpenMP,
// whose per-region cost was most of a per-sample step of a small network.
//
// With OpenMP the shared loops are their own functions, so that the plain loops
// (which every per-sample step takes) inline into the step.
#if defined(_OPENMP)
template <class Fn>
void shared_parts(std::int32_t parts, Fn& fn) {
  TINYAE_PRAGMA(omp for schedule(dynamic, 1))
  for (std::int32_t p = 0; p < parts; ++p) fn(p);
}
template <class Fn>
void shared_chunks(std::int64_t chunks, Fn& fn) {
  TINYAE_PRAGMA(omp for schedule(static))
  for (std::int64_t c = 0; c < chunks; ++c) fn(c);
}
template <class Fn>
void shared_once(Fn& fn) {
  TINYAE_PRAGMA(omp single)
  fn();
}
template <class Fn>
void team_region(std::int32_t threads, Fn& fn) {
  TINYAE_PRAGMA(omp parallel num_threads(threads))
  fn();
}
#endif

// fn(p) for every part p, parts to whichever thread is free; or a plain loop.
template <class Fn>
[[gnu::always_inline]] inline void for_each_part(bool team, std::int32_t parts, Fn&& fn) {
#if defined(_OPENMP)
  if (team) return shared_parts(parts, fn);
#endif
  (void)team;
  for (std::int32_t p = 0; p < parts; ++p) fn(p);
}

// fn(c) for every chunk c of the parameter block, split evenly; or a plain loop.
template <class Fn>
[[gnu::always_inline]] inline void for_each_chunk(bool team, std::int64_t chunks, Fn&& fn) {
#if defined(_OPENMP)
  if (team) return shared_chunks(chunks, fn);
#endif
  (void)team;
  for (std::int64_t c = 0; c < chunks; ++c) fn(c);
}

// fn() by one thread of the team while the others wait.
template <class Fn>
[[gnu::always_inline]] inline void once(bool team, Fn&& fn) {
#if defined(_OPENMP)
  if (team) return shared_once(fn);
#endif
  (void)team;
  fn();
}

// fn() on a team of `threads` (one parallel region per step), or on this thread.
template <class Fn>
[[gnu::always_inline]] inline void run_team(bool team, std::int32_t threads, Fn&& fn) {
#if defined(_OPENMP)
  if (team) return team_region(threads, fn);
#endif
  (void)team;
  (void)threads;
  fn();
}

// KL(rho || r) between Bernoulli distributions with means rho and r.
double kl_divergence(double rho, double r) {
  return rho * std::log(rho / r) + (1.0 - rho) * std::log((1.0 - rho) / (1.0 - r));
}

// Each part owns rows [begin, begin + rows) of the two delta buffers at the widest
// layer's stride, so parts at different layers never overlap. With one row a dense
// layer's delta is its bias gradient: in an all-dense network it is formed in place
// there (no column sum, no copy).
float* part_delta(const Model& m, std::int32_t part, std::int32_t buffer, std::int32_t layer) {
  const TrainState& t = m.train();
  const Part& pt = t.parts[part];
  if (pt.rows == 1 && m.state.all_dense) return t.partial_gradient(part) + m.spec.bias_offset(layer);
  return m.state.scratch[buffer] + std::int64_t{pt.begin} * m.spec.max_width();
}

float* part_conv_scratch(const Model& m, std::int32_t part) {
  return m.state.conv_scratch + m.state.conv_part_floats * static_cast<std::size_t>(part);
}

// Gradients of a conv2d, max_pool2d or resize layer from delta = dL/d(its output,
// before its activation): its weight and bias gradients into gradient, and dL/d(its
// input) into dx (null: not needed); relu_input: a max_pool2d layer's dx includes
// the derivative of the ReLU whose output it pools.
void image_layer_backward(const Model& m, std::int32_t l, std::int32_t rows, const float* x,
                          const float* delta, float* gradient, float* dx, bool relu_input,
                          float* conv_scratch) {
  const NetworkSpec& spec = m.spec;
  const LayerSpec& layer = spec.layers[l];
  const Shape in = spec.layer_input(l);
  switch (layer.kind) {
    case LayerKind::conv2d:
      conv::conv2d_backward(kernels::f32(), conv::conv2d_geometry(spec, l), rows, x, m.weights(l),
                            delta, gradient + spec.weight_offset(l),
                            gradient + spec.bias_offset(l), dx, conv_scratch);
      return;
    case LayerKind::max_pool2d:
      if (dx != nullptr) conv::max_pool2d_backward(in, rows, x, delta, relu_input, dx);
      return;
    case LayerKind::resize:
      if (dx != nullptr) {
        conv::resize_nearest_backward(in, layer.output.height, layer.output.width, rows, delta, dx);
      }
      return;
    case LayerKind::dense: return;
  }
}

// A part's rows of the batch: gathered (if asked), forward through every layer,
// ending in the output layer's delta and the part's error sums.
void forward_part(const Model& m, const Batch& b, std::int32_t part) {
  const kernels::F32Kernels& k = kernels::f32();
  const NetworkSpec& spec = m.spec;
  const TrainConfig& config = m.config();
  TrainState& t = m.train();
  const std::int32_t last = spec.num_layers - 1;
  Part& pt = t.parts[part];
  const std::int32_t rows = pt.rows;
  const std::int64_t r0 = pt.begin;
  const float* input = b.input;
  const float* target = b.target;
  if (b.gather.data != nullptr) {
    const std::int64_t cols = spec.input.size();
    for (std::int32_t i = pt.begin; i < pt.begin + rows; ++i) {
      const std::uint32_t row = (*b.gather.order)(static_cast<std::uint32_t>(b.gather.start + i));
      copy(b.gather.data + row * cols, cols, t.input_batch + i * cols);
    }
  }
  if (b.noise.noisy != nullptr) {
    const std::int64_t n = std::int64_t{rows} * spec.input.size();
    const std::int64_t at = r0 * spec.input.size();
    k.add_noise(n, input + at, b.noise.stddev, b.noise.clip, b.noise.key,
                static_cast<std::uint64_t>(at), b.noise.noisy + at);
    input = b.noise.noisy;
  }
  float* conv_scratch = part_conv_scratch(m, part);
  for (std::int32_t l = 0; l < last; ++l) {
    const auto in = spec.layer_input(l).size();
    const auto out = spec.layers[l].output.size();
    const float* x = (l == 0 ? input : t.activations[l - 1]) + r0 * in;
    layer_forward(m, l, rows, x, t.activations[l] + r0 * out, spec.layers[l].activation, conv_scratch);
  }
  // The output layer, its loss and its delta in one pass.
  const auto in = static_cast<std::int32_t>(spec.layer_input(last).size());
  const auto d = static_cast<std::int32_t>(spec.output().size());
  const float* x = (last == 0 ? input : t.activations[last - 1]) + r0 * in;
  kernels::OutputLoss loss{target + r0 * d, d, output_scale(config.loss, b.rows, d),
                           config.loss == Loss::bce};
  float* delta = part_delta(m, part, 0, last);
  if (spec.layers[last].kind == LayerKind::dense) {
    k.dense_forward_loss(rows, d, in, x, in, m.weights(last), in, m.biases(last),
                         spec.layers[last].activation, &loss, delta, d);
  } else {
    // An image layer's output (before its activation) goes to the other delta buffer;
    // the loss pass then reads it as a 1 x 1 "layer" of weight 1 (exact), row by row.
    float* z = part_delta(m, part, 1, last);
    layer_forward(m, last, rows, x, z, Activation::identity, conv_scratch);
    static constexpr float kOne = 1.0f;
    for (std::int32_t i = 0; i < rows; ++i) {
      loss.target = target + (r0 + i) * d;
      k.dense_forward_loss(1, d, 1, &kOne, 1, z + std::int64_t{i} * d, 1, nullptr,
                           spec.layers[last].activation, &loss, delta + std::int64_t{i} * d, d);
    }
  }
  ErrorSums sums;
  sums.sse = loss.sse;
  sums.bce = loss.bce_sum;
  sums.samples = rows;
  pt.loss = make_metrics(config.loss, sums, d).loss * rows;
  pt.sse = loss.sse;
  if (t.rhohat != nullptr) {
    const auto n = static_cast<std::int32_t>(spec.code_shape().size());
    k.column_sum(rows, n, t.activations[spec.code_layer] + r0 * n, n, t.code_sum(part), false);
  }
}

// KL: the batch's mean code activations from the parts' column sums, in part order.
void mean_code_activations(const Model& m, std::int32_t batch, std::int32_t parts) {
  const TrainState& t = m.train();
  const std::int64_t n = m.spec.code_shape().size();
  for (std::int64_t j = 0; j < n; ++j) {
    float sum = 0;
    for (std::int32_t p = 0; p < parts; ++p) sum += t.code_sum(p)[j];
    t.rhohat[j] = sum / static_cast<float>(batch);
  }
}

// A part's backward pass from its output delta into its own partial gradient; with
// sgd_now (one sample, plain SGD, dense layers, no penalties) each layer takes its SGD
// step as its product reads W (dense_sgd_backward: the same bits, one pass over W).
void backward_part(const Model& m, const Batch& b, std::int32_t part, bool sgd_now) {
  const kernels::F32Kernels& k = kernels::f32();
  const NetworkSpec& spec = m.spec;
  const TrainConfig& config = m.config();
  TrainState& t = m.train();
  Part& pt = t.parts[part];
  float* gradient = t.partial_gradient(part);
  const std::int32_t last = spec.num_layers - 1;
  const std::int32_t rows = pt.rows;
  const std::int64_t r0 = pt.begin;
  const float* input = b.input;
  // The penalties' gradients are of batch means: fold 1/batch into their weights.
  const kernels::Sparsity sparsity{t.rhohat, config.sparsity_target,
                                   config.sparsity_weight / static_cast<float>(b.rows),
                                   config.activity_l1 / static_cast<float>(b.rows)};
  const bool sparse = t.rhohat != nullptr || config.activity_l1 > 0;
  const bool all_dense = m.state.all_dense;
  std::int32_t buffer = 0;
  float* delta = part_delta(m, part, buffer, last);  // from forward_part
  for (std::int32_t l = last; l >= 0; --l) {
    const auto in = static_cast<std::int32_t>(spec.layer_input(l).size());
    const auto out = static_cast<std::int32_t>(spec.layers[l].output.size());
    const float* x = (l == 0 ? input : t.activations[l - 1]) + r0 * in;
    if (spec.layers[l].kind != LayerKind::dense) {
      // Image layers: dL/d(input) into the other delta buffer, then the previous
      // layer's penalties and activation derivative.
      float* next = l > 0 ? part_delta(m, part, 1 - buffer, l - 1) : nullptr;
      const Activation prev = l > 0 ? spec.layers[l - 1].activation : Activation::identity;
      const kernels::Sparsity* penalty = sparse && l - 1 == spec.code_layer ? &sparsity : nullptr;
      // Pooling a ReLU's output applies the ReLU's derivative as it routes.
      const bool pool_relu = spec.layers[l].kind == LayerKind::max_pool2d &&
                             prev == Activation::relu && penalty == nullptr;
      image_layer_backward(m, l, rows, x, delta, gradient, next, pool_relu, part_conv_scratch(m, part));
      if (l > 0) {
        if ((prev != Activation::identity && !pool_relu) || penalty != nullptr) {
          k.hidden_delta(rows, in, t.activations[l - 1] + r0 * in, in, next, in, prev, penalty);
        }
        buffer = 1 - buffer;
        delta = next;
      }
      continue;
    }
    if (sgd_now) {
      float* next = l > 0 ? part_delta(m, part, 1 - buffer, l - 1) : nullptr;
      k.dense_sgd_backward(out, in, delta, x, m.weights(l), in, m.biases(l), config.learning_rate, next);
      if (l > 0) {
        k.hidden_delta(1, in, t.activations[l - 1], in, next, in, spec.layers[l - 1].activation, nullptr);
        buffer = 1 - buffer;
        delta = next;
      }
      continue;
    }
    k.gemm_tn(out, in, rows, delta, out, x, in, gradient + spec.weight_offset(l), in, false);
    if (rows > 1 || !all_dense) k.column_sum(rows, out, delta, out, gradient + spec.bias_offset(l), false);
    if (l > 0) {
      buffer = 1 - buffer;
      float* next = part_delta(m, part, buffer, l - 1);
      // The product through W, the penalties and the activation derivative in one pass.
      k.delta_backward(rows, in, out, delta, out, m.weights(l), in, t.activations[l - 1] + r0 * in,
                       in, spec.layers[l - 1].activation,
                       sparse && l - 1 == spec.code_layer ? &sparsity : nullptr, next, in);
      delta = next;
    }
  }
  pt.l1 = 0;
  if (config.activity_l1 > 0) {
    const std::int64_t n = std::int64_t{rows} * spec.code_shape().size();
    const float* a = t.activations[spec.code_layer] + r0 * spec.code_shape().size();
    for (std::int64_t i = 0; i < n; ++i) pt.l1 += std::fabs(a[i]);
  }
}

// Parameters [begin, end): the parts' gradients summed into part 0's in part order,
// weight decay, and (when step) the optimizer step.
void finish_gradient(const Model& m, std::int64_t begin, std::int64_t end, std::int32_t parts,
                     bool step) {
  const NetworkSpec& spec = m.spec;
  const TrainConfig& config = m.config();
  TrainState& t = m.train();
  float* g = t.gradients;
  for (std::int32_t p = 1; p < parts; ++p) {
    const float* partial = t.partial_gradient(p);
    for (std::int64_t i = begin; i < end; ++i) g[i] += partial[i];
  }
  const float lambda = config.weight_decay;
  if (lambda != 0.0f) {
    for (std::int32_t l = 0; l < spec.num_layers; ++l) {
      const std::int64_t w0 = spec.weight_offset(l);
      const std::int64_t lo = begin > w0 ? begin : w0;
      const std::int64_t w1 = w0 + spec.weight_count(l);
      const std::int64_t hi = end < w1 ? end : w1;
      for (std::int64_t i = lo; i < hi; ++i) g[i] += lambda * m.parameters[i];
    }
  }
  if (step) {
    optimizer_step(config, begin, end, m.parameters, g,
                   OptimizerState{t.moment1, t.moment2, t.adam_steps});
  }
}

// Sparsity penalties of a batch (KL from rhohat, L1 from the sum of |a|).
double sparsity_cost(const Model& m, double l1_sum, std::int32_t batch) {
  const TrainConfig& config = m.config();
  const TrainState& t = m.train();
  double cost = config.activity_l1 * l1_sum / batch;
  if (t.rhohat != nullptr) {
    double kl = 0;
    for (std::int64_t j = 0; j < m.spec.code_shape().size(); ++j) {
      kl += kl_divergence(config.sparsity_target, t.rhohat[j]);
    }
    cost += config.sparsity_weight * kl;
  }
  return cost;
}

// Widest layer the straight-line per-sample step takes: its rows live on the stack.
constexpr std::int32_t kTinyWidth = 16;

// Whether a step is a per-sample SGD step of a small dense network without penalties
// or noise: one that tiny_sgd_sample takes.
bool tiny_sgd_sample_fits(const Model& m, const Batch& b) {
  const TrainConfig& config = m.config();
  if (b.rows != 1 || !m.state.all_dense || m.train().rhohat != nullptr ||
      config.optimizer != Optimizer::sgd || config.weight_decay != 0.0f ||
      config.activity_l1 != 0.0f || b.noise.noisy != nullptr) {
    return false;
  }
  return m.spec.max_width() <= kTinyWidth;
}

// One SGD step on one sample of a small dense network, as plain loops: layers of 3 or
// 8 are narrower than a vector, so the vector kernels' calls, masks and horizontal sums
// cost several times their arithmetic (identity-838 took 240 ns a step so). Each layer
// steps as the backward pass reaches it, after its product through the old W (as
// dense_sgd_backward does). Returns the sample's loss; adds its squared error to *sse.
double tiny_sgd_sample(const Model& m, const Batch& b, double* sse) {
  const NetworkSpec& spec = m.spec;
  const TrainConfig& config = m.config();
  const std::int32_t last = spec.num_layers - 1;
  const float* input = b.input;
  const float* target = b.target;
  if (b.gather.data != nullptr) {
    const std::int64_t cols = spec.input.size();
    const std::uint32_t row = (*b.gather.order)(static_cast<std::uint32_t>(b.gather.start));
    copy(b.gather.data + row * cols, cols, m.train().input_batch);
  }
  struct Layer {
    float* w;
    float* bias;
    std::int32_t in;
    std::int32_t out;
    Activation act;
  };
  Layer layers[kMaxLayers];
  float* params = m.parameters;
  for (std::int32_t l = 0; l <= last; ++l) {
    Layer& y = layers[l];
    y.in = static_cast<std::int32_t>(spec.layer_input(l).size());
    y.out = static_cast<std::int32_t>(spec.layers[l].output.size());
    y.act = spec.layers[l].activation;
    y.w = params;
    params += NetworkSpec::padded_floats(std::int64_t{y.in} * y.out);
    y.bias = params;
    params += NetworkSpec::padded_floats(y.out);
  }
  // a[l]: layer l's output; the output layer's becomes its delta.
  float a[kMaxLayers][kTinyWidth];
  for (std::int32_t l = 0; l <= last; ++l) {
    const Layer& y = layers[l];
    const float* __restrict x = l == 0 ? input : a[l - 1];
    const float* __restrict w = y.w;
    float* __restrict out = a[l];
    for (std::int32_t j = 0; j < y.out; ++j) {
      float z = 0.0f;
      for (std::int32_t i = 0; i < y.in; ++i) z += w[j * y.in + i] * x[i];
      out[j] = z + y.bias[j];
    }
    if (l < last) {
      for (std::int32_t j = 0; j < y.out; ++j) out[j] = kernels::activate(y.act, out[j]);
    }
  }
  // The output layer's loss and delta (as dense_forward_loss forms them).
  const auto d = static_cast<std::int32_t>(spec.output().size());
  const Activation out_act = spec.layers[last].activation;
  const float scale = output_scale(config.loss, 1, d);
  double sample_sse = 0;
  double bce = 0;
  for (std::int32_t j = 0; j < d; ++j) {
    const float z = a[last][j];
    const float y = kernels::activate(out_act, z);
    const float diff = y - target[j];
    sample_sse += static_cast<double>(diff) * diff;
    if (config.loss == Loss::bce) {
      const double zd = z;
      bce += (zd > 0 ? zd : 0.0) - zd * target[j] + std::log1p(std::exp(-std::fabs(zd)));
      a[last][j] = scale * diff;
    } else {
      a[last][j] = scale * diff * kernels::derivative_from_output(out_act, y);
    }
  }
  // Backward: dL/d(input) through the old W, then the layer's SGD step.
  const float lr = config.learning_rate;
  for (std::int32_t l = last; l >= 0; --l) {
    const Layer& y = layers[l];
    const float* __restrict x = l == 0 ? input : a[l - 1];
    const float* __restrict delta = a[l];
    float* __restrict w = y.w;
    float dx[kTinyWidth] = {};
    if (l > 0) {
      for (std::int32_t j = 0; j < y.out; ++j) {
        for (std::int32_t i = 0; i < y.in; ++i) dx[i] += delta[j] * w[j * y.in + i];
      }
    }
    for (std::int32_t j = 0; j < y.out; ++j) {
      for (std::int32_t i = 0; i < y.in; ++i) w[j * y.in + i] -= lr * (delta[j] * x[i]);
      y.bias[j] -= lr * delta[j];
    }
    if (l > 0) {
      // Layer l - 1's output, read for the last time, becomes its delta.
      const Activation act = layers[l - 1].act;
      for (std::int32_t i = 0; i < y.in; ++i) {
        a[l - 1][i] = dx[i] * kernels::derivative_from_output(act, a[l - 1][i]);
      }
    }
  }
  *sse += sample_sse;
  switch (config.loss) {
    case Loss::mse: return sample_sse / d;
    case Loss::half_sse: return sample_sse / 2;
    case Loss::bce: break;
  }
  return bce / d;
}

}  // namespace

double train_batch(const Model& m, const Batch& b, bool step, double* sse) {
  TrainState& t = m.train();
  const std::int32_t batch = b.rows;
  const std::int32_t max_parts = batch_parts(m.config());
  const std::int32_t parts = max_parts < batch ? max_parts : batch;
  for (std::int32_t p = 0; p < parts; ++p) {
    const auto begin = static_cast<std::int32_t>(std::int64_t{batch} * p / parts);
    const auto next = static_cast<std::int32_t>(std::int64_t{batch} * (p + 1) / parts);
    t.parts[p].begin = begin;
    t.parts[p].rows = next - begin;
  }
  if (step && m.config().optimizer == Optimizer::adam) ++t.adam_steps;
  const std::int64_t n = m.spec.parameter_floats();
  const std::int64_t chunks = (n + kUpdateChunk - 1) / kUpdateChunk;
  const bool team = parts > 1 && t.threads > 1;
  const bool kl = t.rhohat != nullptr;
  const TrainConfig& config = m.config();
  // A per-sample SGD step of a dense network without penalties: each layer steps in its
  // backward pass, and there is no gradient to sum or step after it. Not for layers
  // narrower than a vector: their W rows would be written in masked pieces, which the
  // next step's loads wait on (identity-838 ran slower so); the bits are the same.
  bool sgd_now = step && batch == 1 && m.state.all_dense && !kl &&
                 config.optimizer == Optimizer::sgd && config.weight_decay == 0.0f &&
                 config.activity_l1 == 0.0f;
  for (std::int32_t l = 0; sgd_now && l < m.spec.num_layers; ++l) {
    sgd_now = m.spec.layer_input(l).size() >= 16;
  }
  if (step && tiny_sgd_sample_fits(m, b)) return tiny_sgd_sample(m, b, sse);
  if (sgd_now) {
    forward_part(m, b, 0);
    backward_part(m, b, 0, true);
    *sse += t.parts[0].sse;
    return t.parts[0].loss;
  }
  run_team(team, t.threads, [&] {
    if (!kl) {
      // Without the KL penalty's batch means a part runs its backward pass right after
      // its forward pass (no barrier).
      for_each_part(team, parts, [&](std::int32_t p) {
        forward_part(m, b, p);
        backward_part(m, b, p, false);
      });
    } else {
      for_each_part(team, parts, [&](std::int32_t p) { forward_part(m, b, p); });
      once(team, [&] { mean_code_activations(m, batch, parts); });
      for_each_part(team, parts, [&](std::int32_t p) { backward_part(m, b, p, false); });
    }
    for_each_chunk(team, chunks, [&](std::int64_t c) {
      const std::int64_t end = (c + 1) * kUpdateChunk < n ? (c + 1) * kUpdateChunk : n;
      finish_gradient(m, c * kUpdateChunk, end, parts, step);
    });
  });
  double loss = 0;
  double l1_sum = 0;
  for (std::int32_t p = 0; p < parts; ++p) {
    loss += t.parts[p].loss;
    *sse += t.parts[p].sse;
    l1_sum += t.parts[p].l1;
  }
  return loss + batch * sparsity_cost(m, l1_sum, batch);
}

double weight_decay_cost(const Model& m) {
  const TrainConfig& config = m.config();
  if (config.weight_decay == 0.0f) return 0.0;
  double sum = 0;
  for (std::int32_t l = 0; l < m.spec.num_layers; ++l) {
    const float* w = m.weights(l);
    for (std::int64_t i = 0; i < m.spec.weight_count(l); ++i) sum += static_cast<double>(w[i]) * w[i];
  }
  return 0.5 * config.weight_decay * sum;
}

double full_batch_objective(const Model& m, const float* data, std::int32_t rows, double* sse) {
  *sse = 0;
  Batch b;
  b.input = data;
  b.target = data;
  b.rows = rows;
  return train_batch(m, b, false, sse) / rows + weight_decay_cost(m);
}

void start_threads(const Model& m) {
  TrainState& t = m.train();
  const std::int32_t parts = batch_parts(m.config());
#if defined(_OPENMP)
  t.threads = m.config().threads > 0 ? m.config().threads : omp_get_max_threads();
#endif
  // Both kinds of loop a step shares out, inside one region (as a step runs them).
  TINYAE_PRAGMA(omp parallel num_threads(t.threads) if (parts > 1)) {
    for_each_chunk(true, parts, [&](std::int64_t p) { t.parts[p].loss = 0; });
    for_each_part(true, parts, [&](std::int32_t p) { t.parts[p].sse = 0; });
  }
}

}  // namespace tinyae::detail
