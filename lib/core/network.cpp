#include "tinyae/network.hpp"

#include <cmath>
#include <cstring>

#include "../kernels/activation.hpp"
#include "../kernels/f32_kernels.hpp"
#include "conv_layers.hpp"
#include "loss.hpp"
#include "optimizer.hpp"
#include "random.hpp"

#if defined(_OPENMP)
#include <omp.h>
// OpenMP directives as macros, so builds without OpenMP see no unknown pragmas.
#define TINYAE_PRAGMA(directive) _Pragma(#directive)
#else
#define TINYAE_PRAGMA(directive)
#endif

namespace tinyae {
namespace {

// Floats per chunk when summing the parts' gradients and updating the parameters.
constexpr std::int64_t kUpdateChunk = 4096;

// KL(rho || r) between Bernoulli distributions with means rho and r.
double kl_divergence(double rho, double r) {
  return rho * std::log(rho / r) + (1.0 - rho) * std::log((1.0 - rho) / (1.0 - r));
}

// What an epoch callback gets: sse over the epoch's rows, the objective, the bce.
EpochStats epoch_stats(const TrainConfig& config, std::int32_t epoch, std::int32_t rows,
                       std::int32_t outputs, double sse, double objective, double bce) {
  EpochStats stats;
  stats.epoch = epoch;
  stats.epochs = config.epochs;
  ErrorSums sums;
  sums.sse = sse;
  sums.samples = rows;
  stats.train = make_metrics(config.loss, sums, outputs);
  stats.train.loss = objective;
  stats.train.bce = bce;
  return stats;
}

double dot(const float* a, const float* b, std::int64_t n) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

// Whether no value is NaN or Inf: an exponent of all ones. Integer bit tests, so the
// compiler vectorizes the scan (a float test would have to keep its order).
bool all_finite(const float* x, std::int64_t n) {
  constexpr std::uint32_t kExponent = 0x7f800000u;
  std::uint32_t found = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    found |= static_cast<std::uint32_t>((bits & kExponent) == kExponent);
  }
  return found == 0;
}

void fill_zero(float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] = 0.0f;
}

// memcpy, not a loop: the library's own code is built for the baseline ISA (SSE2 on
// x86-64), while the C library picks its widest copy at run time.
void copy(const float* from, std::int64_t n, float* to) {
  if (n > 0) std::memcpy(to, from, static_cast<std::size_t>(n) * sizeof(float));
}

// noisy = clean + stddev * N(0, 1) (Box-Muller on PCG32), optionally clipped to [0, 1].
void add_noise(const float* clean, std::int64_t n, float stddev, bool clip, Pcg32* rng,
               float* noisy) {
  constexpr float kTwoPi = 6.28318530717958647692f;
  for (std::int64_t i = 0; i < n; i += 2) {
    const float u1 = 1.0f - rng->next_float();  // in (0, 1]: the log stays finite
    const float u2 = rng->next_float();
    const float r = stddev * std::sqrt(-2.0f * std::log(u1));
    const float pair[2] = {r * std::cos(kTwoPi * u2), r * std::sin(kTwoPi * u2)};
    for (std::int64_t k = 0; k < 2 && i + k < n; ++k) {
      float v = clean[i + k] + pair[k];
      if (clip) v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
      noisy[i + k] = v;
    }
  }
}

bool finite_in_range(float v, float lo, float hi) { return std::isfinite(v) && v >= lo && v < hi; }

Status validate_config(const NetworkSpec& spec, const TrainConfig& c) {
  if (!(std::isfinite(c.learning_rate) && c.learning_rate > 0)) {
    return Status::error(StatusCode::invalid_argument, "learning rate must be positive, got ",
                         c.learning_rate);
  }
  if (c.batch_size < 1) {
    return Status::error(StatusCode::invalid_argument, "batch size must be at least 1, got ",
                         c.batch_size);
  }
  if (c.epochs < 0) {
    return Status::error(StatusCode::invalid_argument, "epochs must not be negative, got ",
                         c.epochs);
  }
  if (!finite_in_range(c.weight_decay, 0.0f, 3.4e38f)) {
    return Status::error(StatusCode::invalid_argument,
                         "weight decay must be zero or positive, got ", c.weight_decay);
  }
  if (!finite_in_range(c.noise_stddev, 0.0f, 3.4e38f)) {
    return Status::error(StatusCode::invalid_argument,
                         "noise standard deviation must be zero or positive, got ", c.noise_stddev);
  }
  if (c.optimizer == Optimizer::momentum && !finite_in_range(c.momentum, 0.0f, 1.0f)) {
    return Status::error(StatusCode::invalid_argument, "momentum must be in [0, 1), got ",
                         c.momentum);
  }
  if (c.optimizer == Optimizer::adam &&
      (!finite_in_range(c.adam_beta1, 0.0f, 1.0f) || !finite_in_range(c.adam_beta2, 0.0f, 1.0f) ||
       !finite_in_range(c.adam_epsilon, 1e-30f, 3.4e38f))) {
    return Status::error(StatusCode::invalid_argument,
                         "adam needs beta1 and beta2 in [0, 1) and epsilon > 0");
  }
  if (c.batch_parts < 1 || c.batch_parts > kMaxBatchParts) {
    return Status::error(StatusCode::invalid_argument, "batch parts must be in [1, ",
                         kMaxBatchParts, "], got ", c.batch_parts);
  }
  if (c.threads < 0) {
    return Status::error(StatusCode::invalid_argument,
                         "threads must be 0 (OpenMP's default) or positive, got ", c.threads);
  }
  if (!finite_in_range(c.sparsity_weight, 0.0f, 3.4e38f)) {
    return Status::error(StatusCode::invalid_argument,
                         "sparsity weight (beta) must be zero or positive, got ", c.sparsity_weight);
  }
  if (!finite_in_range(c.activity_l1, 0.0f, 3.4e38f)) {
    return Status::error(StatusCode::invalid_argument,
                         "L1 activity coefficient must be zero or positive, got ", c.activity_l1);
  }
  if (c.sparsity_weight > 0 || c.activity_l1 > 0) {
    if (spec.code_layer == spec.num_layers - 1) {
      return Status::error(StatusCode::invalid_argument,
                           "sparsity penalties need the code layer to be a hidden layer");
    }
  }
  if (c.sparsity_weight > 0) {
    if (!(c.sparsity_target > 0.0f && c.sparsity_target < 1.0f)) {
      return Status::error(StatusCode::invalid_argument,
                           "sparsity target (rho) must be in (0, 1), got ", c.sparsity_target);
    }
    const Activation code_act = spec.layers[spec.code_layer].activation;
    if (code_act != Activation::sigmoid) {
      return Status::error(StatusCode::invalid_argument,
                           "KL sparsity needs a sigmoid code layer (mean activations in (0, 1)), "
                           "the code layer is ", activation_name(code_act));
    }
  }
  if (c.optimizer == Optimizer::lbfgs) {
    if (c.lbfgs_memory < 1 || c.lbfgs_memory > kMaxLbfgsMemory) {
      return Status::error(StatusCode::invalid_argument, "lbfgs memory must be in [1, ",
                           kMaxLbfgsMemory, "], got ", c.lbfgs_memory);
    }
    if (c.noise_stddev > 0) {
      return Status::error(StatusCode::invalid_argument,
                           "lbfgs needs a fixed objective; use adam or sgd for denoising");
    }
  }
  if (static_cast<std::uint8_t>(c.optimizer) > static_cast<std::uint8_t>(Optimizer::lbfgs) ||
      static_cast<std::uint8_t>(c.loss) > static_cast<std::uint8_t>(Loss::bce)) {
    return Status::error(StatusCode::invalid_argument, "unknown loss or optimizer value");
  }
  if (c.loss == Loss::bce && !detail::keeps_logits(spec)) {
    return Status::error(StatusCode::invalid_argument,
                         "bce loss needs a sigmoid output layer, the last layer is ",
                         activation_name(spec.layers[spec.num_layers - 1].activation));
  }
  return Status();
}

Status check_arena(std::size_t need, const Arena& arena) {
  if (need > arena.available()) {
    return Status::error(StatusCode::arena_too_small, "arena too small for this network: needs ",
                         need, " bytes, available ", arena.available(), ", missing ",
                         need - arena.available());
  }
  return Status();
}

// Allocates and zeroes n floats.
Status take(Arena& arena, std::int64_t n, float** out) {
  TINYAE_RETURN_IF_ERROR(arena.allocate_array(n, out));
  fill_zero(*out, n);
  return Status();
}

}  // namespace

void add_gaussian_noise(const float* clean, std::int64_t n, float stddev, bool clip,
                        std::uint64_t seed, float* noisy) {
  Pcg32 rng(seed, kStreamNoise);
  add_noise(clean, n, stddev, clip, &rng, noisy);
}

Status Network::setup(const NetworkSpec& spec, const TrainConfig& config, Arena& arena) {
  *this = Network();
  TINYAE_RETURN_IF_ERROR(kernels::forced_isa_status());
  TINYAE_RETURN_IF_ERROR(validate(spec));
  TINYAE_RETURN_IF_ERROR(validate_config(spec, config));
  TINYAE_RETURN_IF_ERROR(check_arena(arena_bytes(spec, config), arena));

  const std::size_t mark = arena.used();
  const std::int64_t batch = config.batch_size;
  const std::int64_t params = spec.parameter_floats();
  const std::int32_t parts = detail::batch_parts(config);
  Status s = take(arena, params, &parameters_);
  if (s.ok()) s = take(arena, params, &gradients_);
  if (s.ok()) s = take(arena, params, &last_good_);
  if (s.ok() && detail::optimizer_slots(config.optimizer) >= 1) s = take(arena, params, &moment1_);
  if (s.ok() && detail::optimizer_slots(config.optimizer) >= 2) s = take(arena, params, &moment2_);
  if (s.ok() && config.optimizer == Optimizer::lbfgs) {
    s = take(arena, params * config.lbfgs_memory, &lbfgs_s_);
    if (s.ok()) s = take(arena, params * config.lbfgs_memory, &lbfgs_y_);
    if (s.ok()) s = take(arena, params, &lbfgs_direction_);
    if (s.ok()) s = take(arena, params, &lbfgs_gradient_);
  }
  partial_gradients_[0] = gradients_;
  for (std::int32_t p = 1; s.ok() && p < parts; ++p) s = take(arena, params, &partial_gradients_[p]);
  if (s.ok()) s = take(arena, batch * spec.input.size(), &input_batch_);
  if (s.ok() && config.noise_stddev > 0) s = take(arena, batch * spec.input.size(), &noisy_batch_);
  for (std::int32_t l = 0; s.ok() && l + 1 < spec.num_layers; ++l) {
    s = take(arena, batch * spec.layers[l].output.size(), &activations_[l]);
  }
  for (float*& buffer : scratch_) {
    if (s.ok()) s = take(arena, batch * spec.max_width(), &buffer);
  }
  if (s.ok() && detail::conv_training_bytes(spec, config) > 0) {
    s = take(arena, static_cast<std::int64_t>(detail::conv_training_bytes(spec, config) / sizeof(float)),
             &conv_scratch_);
    conv_part_floats_ = detail::conv_part_bytes(spec, config) / sizeof(float);
  }
  if (config.sparsity_weight > 0) {
    for (std::int32_t p = 0; s.ok() && p < parts; ++p) {
      s = take(arena, spec.code_shape().size(), &code_sums_[p]);
    }
    if (s.ok()) s = take(arena, spec.code_shape().size(), &rhohat_);
  }
  if (!s.ok()) {
    arena.rewind(mark);
    *this = Network();
    return s;
  }
  spec_ = spec;
  config_ = config;
  max_batch_ = config.batch_size;
  all_dense_ = spec.all_dense();
#if defined(_OPENMP)
  threads_ = config.threads > 0 ? config.threads : omp_get_max_threads();
#endif
  // Start OpenMP's thread team and its first work-sharing loop now: the runtime
  // allocates for them once, and training must not allocate.
  TINYAE_PRAGMA(omp parallel num_threads(threads_) if (parts > 1)) {
    TINYAE_PRAGMA(omp for schedule(static))
    for (std::int32_t p = 0; p < parts; ++p) parts_[p].loss = 0;
    TINYAE_PRAGMA(omp for schedule(dynamic, 1))
    for (std::int32_t p = 0; p < parts; ++p) parts_[p].sse = 0;
  }

  // Glorot uniform U(-r, r), r = sqrt(6 / (fan_in + fan_out)); biases stay zero.
  Pcg32 rng(config.seed, kStreamInit);
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const float r = std::sqrt(6.0f / static_cast<float>(spec.fan_in(l) + spec.fan_out(l)));
    float* w = weights(l);
    for (std::int64_t i = 0; i < spec.weight_count(l); ++i) {
      w[i] = (2.0f * rng.next_float() - 1.0f) * r;
    }
  }
  copy(parameters_, params, last_good_);
  return Status();
}

Status Network::setup(const NetworkSpec& spec, std::int32_t max_batch, Arena& arena) {
  *this = Network();
  TINYAE_RETURN_IF_ERROR(kernels::forced_isa_status());
  TINYAE_RETURN_IF_ERROR(validate(spec));
  if (max_batch < 1) {
    return Status::error(StatusCode::invalid_argument, "max batch must be at least 1, got ",
                         max_batch);
  }
  TINYAE_RETURN_IF_ERROR(check_arena(arena_bytes(spec, max_batch), arena));
  const std::size_t mark = arena.used();
  Status s = take(arena, spec.parameter_floats(), &parameters_);
  for (float*& buffer : scratch_) {
    if (s.ok()) s = take(arena, std::int64_t{max_batch} * spec.max_width(), &buffer);
  }
  if (s.ok() && conv::scratch_floats(spec, max_batch) > 0) {
    s = take(arena, conv::scratch_floats(spec, max_batch), &conv_scratch_);
  }
  if (!s.ok()) {
    arena.rewind(mark);
    *this = Network();
    return s;
  }
  spec_ = spec;
  all_dense_ = spec.all_dense();
  config_ = TrainConfig();
  config_.loss = Loss::mse;
  max_batch_ = max_batch;
  return Status();
}

Status Network::set_layer(std::int32_t layer, const float* weights, std::int64_t weight_count,
                          const float* bias, std::int64_t bias_count) {
  if (parameters_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, "set_layer: the network is not set up");
  }
  if (layer < 0 || layer >= spec_.num_layers) {
    return Status::error(StatusCode::invalid_argument, "set_layer: no layer ", layer,
                         " (the network has layers 0 to ", spec_.num_layers - 1, ")");
  }
  const std::int64_t nw = spec_.weight_count(layer);
  const std::int64_t nb = spec_.bias_count(layer);
  if (nb == 0) {
    return Status::error(StatusCode::invalid_argument, "set_layer: layer ", layer, " (",
                         layer_kind_name(spec_.layers[layer].kind), ") has no parameters");
  }
  if (weight_count != nw || bias_count != nb) {
    return Status::error(StatusCode::invalid_argument, "set_layer: layer ", layer, " (",
                         layer_kind_name(spec_.layers[layer].kind), ") takes ", nw,
                         " weights and ", nb, " biases, got ", weight_count, " and ", bias_count);
  }
  if (weights == nullptr || bias == nullptr) {
    return Status::error(StatusCode::invalid_argument, "set_layer: weights or bias is null");
  }
  for (std::int64_t i = 0; i < nw + nb; ++i) {
    const float v = i < nw ? weights[i] : bias[i - nw];
    if (!std::isfinite(v)) {
      return Status::error(StatusCode::non_finite, "set_layer: layer ", layer,
                           i < nw ? " weight " : " bias ", i < nw ? i : i - nw, " is ", v);
    }
  }
  copy(weights, nw, this->weights(layer));
  copy(bias, nb, biases(layer));
  return Status();
}

Status Network::check_data(const float* data, std::int32_t rows, std::int32_t cols,
                           std::int32_t first_layer) const {
  if (parameters_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, "network is not set up");
  }
  if (rows < 1) {
    return Status::error(StatusCode::invalid_argument, "data has ", rows,
                         " rows; need at least 1");
  }
  const std::int64_t width = spec_.layer_input(first_layer).size();
  if (cols != width) {
    return Status::error(StatusCode::invalid_argument, "data has ", cols, " columns but the ",
                         first_layer == 0 ? "network's input" : "decoder's input (the code)",
                         " has ", width);
  }
  if (data == nullptr) return Status::error(StatusCode::invalid_argument, "data is null");
  const std::int64_t n = std::int64_t{rows} * cols;
  if (all_finite(data, n)) return Status();
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) {
      return Status::error(StatusCode::non_finite, "data has a non-finite value (", data[i],
                           ") at row ", i / cols, ", column ", i % cols);
    }
  }
  return Status();
}

// Each part owns rows [begin, begin + rows) of the two delta buffers at the widest
// layer's stride, so parts at different layers never overlap. With one row a dense
// layer's delta is its bias gradient: in an all-dense network it is formed in place
// there (no column sum, no copy).
float* Network::part_delta(std::int32_t part, std::int32_t buffer, std::int32_t layer) {
  const Part& pt = parts_[part];
  if (pt.rows == 1 && all_dense_) return partial_gradients_[part] + spec_.bias_offset(layer);
  return scratch_[buffer] + std::int64_t{pt.begin} * spec_.max_width();
}

void Network::forward_part(const float* input, const float* target, std::int32_t batch,
                           std::int32_t part) {
  const kernels::F32Kernels& k = kernels::f32();
  const std::int32_t last = spec_.num_layers - 1;
  Part& pt = parts_[part];
  const std::int32_t rows = pt.rows;
  const std::int64_t r0 = pt.begin;
  if (gather_data_ != nullptr) {
    const std::int64_t cols = spec_.input.size();
    for (std::int32_t i = pt.begin; i < pt.begin + rows; ++i) {
      const std::uint32_t row = (*gather_order_)(static_cast<std::uint32_t>(gather_start_ + i));
      copy(gather_data_ + row * cols, cols, input_batch_ + i * cols);
    }
  }
  float* conv_scratch = part_conv_scratch(part);
  for (std::int32_t l = 0; l < last; ++l) {
    const auto in = spec_.layer_input(l).size();
    const auto out = spec_.layers[l].output.size();
    const float* x = (l == 0 ? input : activations_[l - 1]) + r0 * in;
    layer_forward(l, rows, x, activations_[l] + r0 * out, spec_.layers[l].activation, conv_scratch);
  }
  // The output layer, its loss and its delta in one pass.
  const auto in = static_cast<std::int32_t>(spec_.layer_input(last).size());
  const auto d = static_cast<std::int32_t>(spec_.output().size());
  const float* x = (last == 0 ? input : activations_[last - 1]) + r0 * in;
  kernels::OutputLoss loss{target + r0 * d, d, output_scale(config_.loss, batch, d),
                           config_.loss == Loss::bce};
  float* delta = part_delta(part, 0, last);
  if (spec_.layers[last].kind == LayerKind::dense) {
    k.dense_forward_loss(rows, d, in, x, in, weights(last), in, biases(last),
                         spec_.layers[last].activation, &loss, delta, d);
  } else {
    // An image layer's output (before its activation) goes to the other delta buffer;
    // the loss pass then reads it as a 1 x 1 "layer" of weight 1 (exact), row by row.
    float* z = part_delta(part, 1, last);
    layer_forward(last, rows, x, z, Activation::identity, conv_scratch);
    static constexpr float kOne = 1.0f;
    for (std::int32_t i = 0; i < rows; ++i) {
      loss.target = target + (r0 + i) * d;
      k.dense_forward_loss(1, d, 1, &kOne, 1, z + std::int64_t{i} * d, 1, nullptr,
                           spec_.layers[last].activation, &loss, delta + std::int64_t{i} * d, d);
    }
  }
  ErrorSums sums;
  sums.sse = loss.sse;
  sums.bce = loss.bce_sum;
  sums.samples = rows;
  pt.loss = make_metrics(config_.loss, sums, d).loss * rows;
  pt.sse = loss.sse;
  if (rhohat_ != nullptr) {
    const auto n = static_cast<std::int32_t>(spec_.code_shape().size());
    k.column_sum(rows, n, activations_[spec_.code_layer] + r0 * n, n, code_sums_[part], false);
  }
}

void Network::layer_forward(std::int32_t l, std::int32_t rows, const float* x, float* y,
                            Activation act, float* conv_scratch) {
  const kernels::F32Kernels& k = kernels::f32();
  const LayerSpec& layer = spec_.layers[l];
  const Shape in = spec_.layer_input(l);
  switch (layer.kind) {
    case LayerKind::dense: {
      const auto n_in = static_cast<std::int32_t>(in.size());
      const auto n_out = static_cast<std::int32_t>(layer.output.size());
      k.dense_forward(rows, n_out, n_in, x, n_in, weights(l), n_in, biases(l), act, y, n_out);
      return;
    }
    case LayerKind::conv2d:
      conv::conv2d_forward(k, conv::conv2d_geometry(spec_, l), rows, x, weights(l), biases(l), act,
                           y, conv_scratch);
      return;
    case LayerKind::max_pool2d: conv::max_pool2d_forward(in, rows, x, y); return;
    case LayerKind::resize:
      conv::resize_nearest_forward(in, layer.output.height, layer.output.width, rows, x, y);
      return;
  }
}

void Network::image_layer_backward(std::int32_t l, std::int32_t rows, const float* x,
                                   const float* delta, float* gradient, float* dx,
                                   bool relu_input, float* conv_scratch) {
  const LayerSpec& layer = spec_.layers[l];
  const Shape in = spec_.layer_input(l);
  switch (layer.kind) {
    case LayerKind::conv2d:
      conv::conv2d_backward(kernels::f32(), conv::conv2d_geometry(spec_, l), rows, x, weights(l),
                            delta, gradient + spec_.weight_offset(l),
                            gradient + spec_.bias_offset(l), dx, conv_scratch);
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

void Network::mean_code_activations(std::int32_t batch, std::int32_t parts) {
  const std::int64_t n = spec_.code_shape().size();
  for (std::int64_t j = 0; j < n; ++j) {
    float sum = 0;
    for (std::int32_t p = 0; p < parts; ++p) sum += code_sums_[p][j];
    rhohat_[j] = sum / static_cast<float>(batch);
  }
}

void Network::backward_part(const float* input, std::int32_t batch, std::int32_t part) {
  const kernels::F32Kernels& k = kernels::f32();
  Part& pt = parts_[part];
  float* gradient = partial_gradients_[part];
  const std::int32_t last = spec_.num_layers - 1;
  const std::int32_t rows = pt.rows;
  const std::int64_t r0 = pt.begin;
  // The penalties' gradients are of batch means: fold 1/batch into their weights.
  const kernels::Sparsity sparsity{rhohat_, config_.sparsity_target,
                                   config_.sparsity_weight / static_cast<float>(batch),
                                   config_.activity_l1 / static_cast<float>(batch)};
  const bool sparse = rhohat_ != nullptr || config_.activity_l1 > 0;
  std::int32_t buffer = 0;
  float* delta = part_delta(part, buffer, last);  // from forward_part
  for (std::int32_t l = last; l >= 0; --l) {
    const auto in = static_cast<std::int32_t>(spec_.layer_input(l).size());
    const auto out = static_cast<std::int32_t>(spec_.layers[l].output.size());
    const float* x = (l == 0 ? input : activations_[l - 1]) + r0 * in;
    if (spec_.layers[l].kind != LayerKind::dense) {
      // Image layers: dL/d(input) into the other delta buffer, then the previous
      // layer's penalties and activation derivative.
      float* next = l > 0 ? part_delta(part, 1 - buffer, l - 1) : nullptr;
      const Activation prev = l > 0 ? spec_.layers[l - 1].activation : Activation::identity;
      const kernels::Sparsity* penalty = sparse && l - 1 == spec_.code_layer ? &sparsity : nullptr;
      // Pooling a ReLU's output applies the ReLU's derivative as it routes.
      const bool pool_relu = spec_.layers[l].kind == LayerKind::max_pool2d &&
                             prev == Activation::relu && penalty == nullptr;
      image_layer_backward(l, rows, x, delta, gradient, next, pool_relu, part_conv_scratch(part));
      if (l > 0) {
        if ((prev != Activation::identity && !pool_relu) || penalty != nullptr) {
          k.hidden_delta(rows, in, activations_[l - 1] + r0 * in, in, next, in, prev, penalty);
        }
        buffer = 1 - buffer;
        delta = next;
      }
      continue;
    }
    k.gemm_tn(out, in, rows, delta, out, x, in, gradient + spec_.weight_offset(l), in, false);
    if (rows > 1 || !all_dense_) k.column_sum(rows, out, delta, out, gradient + spec_.bias_offset(l), false);
    if (l > 0) {
      buffer = 1 - buffer;
      float* next = part_delta(part, buffer, l - 1);
      // The product through W, the penalties and the activation derivative in one pass.
      k.delta_backward(rows, in, out, delta, out, weights(l), in, activations_[l - 1] + r0 * in,
                       in, spec_.layers[l - 1].activation,
                       sparse && l - 1 == spec_.code_layer ? &sparsity : nullptr, next, in);
      delta = next;
    }
  }
  pt.l1 = 0;
  if (config_.activity_l1 > 0) {
    const std::int64_t n = std::int64_t{rows} * spec_.code_shape().size();
    const float* a = activations_[spec_.code_layer] + r0 * spec_.code_shape().size();
    for (std::int64_t i = 0; i < n; ++i) pt.l1 += std::fabs(a[i]);
  }
}

void Network::finish_gradient(std::int64_t begin, std::int64_t end, std::int32_t parts,
                              bool step) {
  float* g = gradients_;
  for (std::int32_t p = 1; p < parts; ++p) {
    const float* partial = partial_gradients_[p];
    for (std::int64_t i = begin; i < end; ++i) g[i] += partial[i];
  }
  const float lambda = config_.weight_decay;
  if (lambda != 0.0f) {
    for (std::int32_t l = 0; l < spec_.num_layers; ++l) {
      const std::int64_t w0 = spec_.weight_offset(l);
      const std::int64_t lo = begin > w0 ? begin : w0;
      const std::int64_t w1 = w0 + spec_.weight_count(l);
      const std::int64_t hi = end < w1 ? end : w1;
      for (std::int64_t i = lo; i < hi; ++i) g[i] += lambda * parameters_[i];
    }
  }
  if (step) {
    optimizer_step(config_, begin, end, parameters_, g,
                   OptimizerState{moment1_, moment2_, adam_steps_});
  }
}

double Network::train_batch(const float* input, const float* target, std::int32_t batch,
                            bool step, double* sse) {
  const std::int32_t max_parts = detail::batch_parts(config_);
  const std::int32_t parts = max_parts < batch ? max_parts : batch;
  for (std::int32_t p = 0; p < parts; ++p) {
    const auto begin = static_cast<std::int32_t>(std::int64_t{batch} * p / parts);
    const auto next = static_cast<std::int32_t>(std::int64_t{batch} * (p + 1) / parts);
    parts_[p].begin = begin;
    parts_[p].rows = next - begin;
  }
  if (step && config_.optimizer == Optimizer::adam) ++adam_steps_;
  const std::int64_t n = spec_.parameter_floats();
  const std::int64_t chunks = (n + kUpdateChunk - 1) / kUpdateChunk;
  // One parallel region per step; the work partition is fixed by the batch and
  // batch_parts alone (each part has its own rows, scratch and gradient, whichever
  // thread runs it), and every sum runs in a fixed order, so the result does not
  // depend on the number of threads. Parts go to whichever thread is free (a thread
  // the OS holds back does not hold the others up), and without the KL penalty's batch
  // means a part runs its backward pass right after its forward pass (no barrier).
  if (parts == 1 || threads_ == 1) {
    // One thread: the same parts and sums in the same order, without entering OpenMP,
    // whose per-region cost was most of a per-sample step of a small network.
    for (std::int32_t p = 0; p < parts; ++p) {
      forward_part(input, target, batch, p);
      if (rhohat_ == nullptr) backward_part(input, batch, p);
    }
    if (rhohat_ != nullptr) {
      mean_code_activations(batch, parts);
      for (std::int32_t p = 0; p < parts; ++p) backward_part(input, batch, p);
    }
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::int64_t end = (c + 1) * kUpdateChunk < n ? (c + 1) * kUpdateChunk : n;
      finish_gradient(c * kUpdateChunk, end, parts, step);
    }
  } else {
    TINYAE_PRAGMA(omp parallel num_threads(threads_)) {
      if (rhohat_ == nullptr) {
        TINYAE_PRAGMA(omp for schedule(dynamic, 1))
        for (std::int32_t p = 0; p < parts; ++p) {
          forward_part(input, target, batch, p);
          backward_part(input, batch, p);
        }
      } else {
        TINYAE_PRAGMA(omp for schedule(dynamic, 1))
        for (std::int32_t p = 0; p < parts; ++p) forward_part(input, target, batch, p);
        TINYAE_PRAGMA(omp single)
        mean_code_activations(batch, parts);
        TINYAE_PRAGMA(omp for schedule(dynamic, 1))
        for (std::int32_t p = 0; p < parts; ++p) backward_part(input, batch, p);
      }
      TINYAE_PRAGMA(omp for schedule(static))
      for (std::int64_t c = 0; c < chunks; ++c) {
        const std::int64_t end = (c + 1) * kUpdateChunk < n ? (c + 1) * kUpdateChunk : n;
        finish_gradient(c * kUpdateChunk, end, parts, step);
      }
    }
  }
  double loss = 0;
  double l1_sum = 0;
  for (std::int32_t p = 0; p < parts; ++p) {
    loss += parts_[p].loss;
    *sse += parts_[p].sse;
    l1_sum += parts_[p].l1;
  }
  return loss + batch * sparsity_cost(l1_sum, batch);
}

double Network::sparsity_cost(double l1_sum, std::int32_t batch) const {
  double cost = config_.activity_l1 * l1_sum / batch;
  if (rhohat_ != nullptr) {
    double kl = 0;
    for (std::int64_t j = 0; j < spec_.code_shape().size(); ++j) {
      kl += kl_divergence(config_.sparsity_target, rhohat_[j]);
    }
    cost += config_.sparsity_weight * kl;
  }
  return cost;
}

double Network::weight_decay_cost() const {
  if (config_.weight_decay == 0.0f) return 0.0;
  double sum = 0;
  for (std::int32_t l = 0; l < spec_.num_layers; ++l) {
    const float* w = parameters_ + spec_.weight_offset(l);
    for (std::int64_t i = 0; i < spec_.weight_count(l); ++i) sum += static_cast<double>(w[i]) * w[i];
  }
  return 0.5 * config_.weight_decay * sum;
}

Status Network::fit(const float* data, std::int32_t rows, std::int32_t cols,
                    EpochCallback callback, void* user, ProgressCallback progress) {
  if (parameters_ != nullptr && !trainable()) {
    return Status::error(StatusCode::invalid_argument,
                         "network was set up for inference only; set it up with a TrainConfig");
  }
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  if (config_.optimizer == Optimizer::lbfgs) return fit_lbfgs(data, rows, callback, user, progress);
  const std::int64_t params = spec_.parameter_floats();
  const auto d = static_cast<std::int32_t>(spec_.output().size());
  Pcg32 shuffle_rng(config_.seed, kStreamShuffle);
  Pcg32 noise_rng(config_.seed, kStreamNoise);
  copy(parameters_, params, last_good_);
  // A full batch gains nothing from a new order.
  const bool shuffle = config_.shuffle && rows > max_batch_;

  for (std::int32_t epoch = 1; epoch <= config_.epochs; ++epoch) {
    Permutation order;
    if (shuffle) order = Permutation(static_cast<std::uint32_t>(rows), shuffle_rng);
    double loss_sum = 0;
    double sse = 0;
    bool finite = true;
    for (std::int32_t start = 0; start < rows && finite; start += max_batch_) {
      const std::int32_t batch = rows - start < max_batch_ ? rows - start : max_batch_;
      const float* input = data + std::int64_t{start} * cols;
      if (shuffle && batch == 1) {
        input = data + std::int64_t{order(static_cast<std::uint32_t>(start))} * cols;
      } else if (shuffle && noisy_batch_ == nullptr) {
        gather_data_ = data;  // the parts gather their rows (train_batch)
        gather_order_ = &order;
        gather_start_ = start;
        input = input_batch_;
      } else if (shuffle) {
        for (std::int32_t i = 0; i < batch; ++i) {
          const std::uint32_t row = order(static_cast<std::uint32_t>(start + i));
          copy(data + std::int64_t{row} * cols, cols, input_batch_ + std::int64_t{i} * cols);
        }
        input = input_batch_;
      }
      const float* target = input;
      if (noisy_batch_ != nullptr) {
        add_noise(input, std::int64_t{batch} * cols, config_.noise_stddev,
                  config_.clip_noisy_input, &noise_rng, noisy_batch_);
        input = noisy_batch_;
      }
      const double batch_loss = train_batch(input, target, batch, true, &sse);
      gather_data_ = nullptr;
      finite = std::isfinite(batch_loss);
      loss_sum += batch_loss;
      if (progress != nullptr && finite) {
        Progress p;
        p.epoch = epoch;
        p.epochs = config_.epochs;
        p.samples_done = start + batch;
        p.samples_total = rows;
        p.loss = loss_sum / static_cast<double>(start + batch);
        progress(p, user);
      }
    }
    if (!finite || !all_finite(parameters_, params)) {
      copy(last_good_, params, parameters_);
      return Status::error(StatusCode::diverged, "training diverged in epoch ", epoch,
                           " (loss or weights became NaN/Inf); kept the weights of epoch ",
                           epoch - 1, "; try a smaller learning rate");
    }
    copy(parameters_, params, last_good_);
    if (callback != nullptr) {
      const double bce = config_.loss == Loss::bce ? loss_sum / rows : std::nan("");
      const EpochStats stats = epoch_stats(config_, epoch, rows, d, sse,
                                           loss_sum / rows + weight_decay_cost(), bce);
      if (!callback(stats, user)) break;
    }
  }
  return Status();
}

double Network::lbfgs_evaluate(const float* data, std::int32_t rows, double* sse) {
  *sse = 0;
  return train_batch(data, data, rows, false, sse) / rows + weight_decay_cost();
}

// d = -H g by the two-loop recursion over the stored pairs, H0 = (s.y / y.y) I.
void Network::lbfgs_direction() {
  const std::int64_t n = spec_.parameter_floats();
  float* q = lbfgs_direction_;
  for (std::int64_t i = 0; i < n; ++i) q[i] = -gradients_[i];
  const std::int32_t m = config_.lbfgs_memory;
  double alpha[kMaxLbfgsMemory];
  std::int32_t slot = lbfgs_newest_;
  for (std::int32_t i = 0; i < lbfgs_pairs_; ++i, slot = (slot + m - 1) % m) {
    const float* s = lbfgs_s_ + slot * n;
    const float* y = lbfgs_y_ + slot * n;
    alpha[slot] = lbfgs_rho_[slot] * dot(s, q, n);
    const auto a = static_cast<float>(alpha[slot]);
    for (std::int64_t k = 0; k < n; ++k) q[k] -= a * y[k];
  }
  if (lbfgs_pairs_ > 0) {
    const float* y = lbfgs_y_ + lbfgs_newest_ * n;
    const auto gamma = static_cast<float>(1.0 / (lbfgs_rho_[lbfgs_newest_] * dot(y, y, n)));
    for (std::int64_t k = 0; k < n; ++k) q[k] *= gamma;
  }
  slot = (lbfgs_newest_ + m - lbfgs_pairs_ + 1) % m;
  for (std::int32_t i = 0; i < lbfgs_pairs_; ++i, slot = (slot + 1) % m) {
    const float* s = lbfgs_s_ + slot * n;
    const float* y = lbfgs_y_ + slot * n;
    const double beta = lbfgs_rho_[slot] * dot(y, q, n);
    const auto c = static_cast<float>(alpha[slot] - beta);
    for (std::int64_t k = 0; k < n; ++k) q[k] += c * s[k];
  }
}

// Nocedal & Wright, Algorithms 3.5 and 3.6 (bracketing, then zoom with safeguarded
// cubic interpolation), for the strong Wolfe conditions with c1 = 1e-4, c2 = 0.9.
bool Network::lbfgs_line_search(const float* data, std::int32_t rows, double f0, double slope0,
                                double first_step, double* f, double* sse) {
  constexpr double kC1 = 1e-4;
  constexpr double kC2 = 0.9;
  constexpr int kMaxEvaluations = 25;
  const std::int64_t n = spec_.parameter_floats();
  int evaluations = 0;
  // Moves to x0 + alpha d and returns the objective; *slope = g . d there.
  auto at = [&](double alpha, double* slope, double* point_sse) {
    const auto a = static_cast<float>(alpha);
    for (std::int64_t i = 0; i < n; ++i) parameters_[i] = last_good_[i] + a * lbfgs_direction_[i];
    ++evaluations;
    const double value = lbfgs_evaluate(data, rows, point_sse);
    *slope = dot(gradients_, lbfgs_direction_, n);
    const bool ok = std::isfinite(value) && std::isfinite(*slope);
    return ok ? value : HUGE_VAL;
  };
  struct Point {
    double alpha, f, slope;
  };
  auto armijo = [&](const Point& p) { return p.f <= f0 + kC1 * p.alpha * slope0; };
  auto curvature = [&](const Point& p) { return std::fabs(p.slope) <= -kC2 * slope0; };

  Point lo{0.0, f0, slope0};
  Point hi{0.0, f0, slope0};
  Point prev{0.0, f0, slope0};
  double alpha = first_step;
  bool bracketed = false;
  while (evaluations < kMaxEvaluations) {
    Point p{alpha, 0.0, 0.0};
    p.f = at(alpha, &p.slope, sse);
    if (!armijo(p) || (evaluations > 1 && p.f >= prev.f)) {
      lo = prev;
      hi = p;
      bracketed = true;
      break;
    }
    if (curvature(p)) {
      *f = p.f;
      return true;
    }
    if (p.slope >= 0) {
      lo = p;
      hi = prev;
      bracketed = true;
      break;
    }
    prev = p;
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
    Point p{trial, 0.0, 0.0};
    p.f = at(trial, &p.slope, sse);
    if (!armijo(p) || p.f >= lo.f) {
      hi = p;
    } else {
      if (curvature(p)) {
        *f = p.f;
        return true;
      }
      if (p.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
      lo = p;
    }
  }
  // Out of evaluations: settle for the best point with sufficient decrease, if any.
  if (lo.alpha > 0) {
    double slope = 0;
    *f = at(lo.alpha, &slope, sse);
    return std::isfinite(*f) && *f < f0;
  }
  return false;
}

Status Network::fit_lbfgs(const float* data, std::int32_t rows, EpochCallback callback,
                          void* user, ProgressCallback progress) {
  if (rows > max_batch_) {
    return Status::error(StatusCode::invalid_argument, "lbfgs works on the full batch, but the ",
                         rows, " rows exceed the batch size ", max_batch_,
                         "; set the batch size to at least the number of rows");
  }
  const std::int64_t n = spec_.parameter_floats();
  const auto d = static_cast<std::int32_t>(spec_.output().size());
  const std::int32_t m = config_.lbfgs_memory;
  lbfgs_pairs_ = 0;
  lbfgs_newest_ = -1;
  double sse = 0;
  double f = lbfgs_evaluate(data, rows, &sse);
  if (!std::isfinite(f)) {
    return Status::error(StatusCode::diverged,
                         "lbfgs: the objective is not finite at the starting weights");
  }
  copy(parameters_, n, last_good_);
  for (std::int32_t epoch = 1; epoch <= config_.epochs; ++epoch) {
    lbfgs_direction();
    double slope = dot(gradients_, lbfgs_direction_, n);
    if (!(slope < 0)) {  // not a descent direction: forget the pairs, go downhill
      lbfgs_pairs_ = 0;
      for (std::int64_t i = 0; i < n; ++i) lbfgs_direction_[i] = -gradients_[i];
      slope = dot(gradients_, lbfgs_direction_, n);
    }
    if (!(slope < 0)) break;  // zero gradient: a stationary point
    copy(gradients_, n, lbfgs_gradient_);
    // The first step is scaled to unit length; later ones start at the natural step 1.
    const double first_step = lbfgs_pairs_ > 0 ? 1.0 : 1.0 / std::sqrt(-slope);
    double f_new = f;
    if (!lbfgs_line_search(data, rows, f, slope, first_step, &f_new, &sse)) {
      // No further decrease along this direction: keep the best weights and stop.
      copy(last_good_, n, parameters_);
      break;
    }
    if (!all_finite(parameters_, n)) {
      copy(last_good_, n, parameters_);
      return Status::error(StatusCode::diverged, "lbfgs diverged in iteration ", epoch,
                           "; kept the weights of iteration ", epoch - 1);
    }
    const std::int32_t slot = (lbfgs_newest_ + 1) % m;
    float* s = lbfgs_s_ + slot * n;
    float* y = lbfgs_y_ + slot * n;
    for (std::int64_t i = 0; i < n; ++i) {
      s[i] = parameters_[i] - last_good_[i];
      y[i] = gradients_[i] - lbfgs_gradient_[i];
    }
    const double sy = dot(s, y, n);
    // Keep the pair only with positive curvature, so H stays positive definite.
    if (sy > 1e-12 * std::sqrt(dot(s, s, n) * dot(y, y, n))) {
      lbfgs_rho_[slot] = 1.0 / sy;
      lbfgs_newest_ = slot;
      lbfgs_pairs_ = lbfgs_pairs_ < m ? lbfgs_pairs_ + 1 : m;
    }
    f = f_new;
    copy(parameters_, n, last_good_);
    if (progress != nullptr) {
      Progress p;
      p.epoch = epoch;
      p.epochs = config_.epochs;
      p.samples_done = rows;
      p.samples_total = rows;
      p.loss = f;
      progress(p, user);
    }
    // bce is not tracked apart from the objective here.
    if (callback != nullptr && !callback(epoch_stats(config_, epoch, rows, d, sse, f, std::nan("")), user)) {
      break;
    }
  }
  return Status();
}

Status Network::compute_gradient(const float* data, std::int32_t rows, std::int32_t cols,
                                 double* objective) {
  if (parameters_ != nullptr && !trainable()) {
    return Status::error(StatusCode::invalid_argument, "network was set up for inference only");
  }
  if (rows > max_batch_) {
    return Status::error(StatusCode::invalid_argument, "compute_gradient: ", rows,
                         " rows exceed the batch size ", max_batch_, " the arena was sized for");
  }
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  double sse = 0;
  *objective = lbfgs_evaluate(data, rows, &sse);
  return Status();
}

Status Network::run_inference(const float* data, const float* targets, std::int32_t rows,
                              std::int32_t first_layer, std::int32_t last_layer, float* out,
                              Metrics* metrics) {
  const std::int32_t cols = static_cast<std::int32_t>(spec_.input.size());
  const std::int64_t data_cols = spec_.layer_input(first_layer).size();
  const auto out_size = static_cast<std::int32_t>(spec_.layers[last_layer].output.size());
  const bool final_logits = last_layer == spec_.num_layers - 1 && detail::keeps_logits(spec_);
  ErrorSums sums;
  for (std::int32_t start = 0; start < rows; start += max_batch_) {
    const std::int32_t batch = rows - start < max_batch_ ? rows - start : max_batch_;
    const float* a = data + start * data_cols;
    for (std::int32_t l = first_layer; l <= last_layer; ++l) {
      float* y = (l == last_layer && out != nullptr && !final_logits)
                     ? out + std::int64_t{start} * out_size
                     : scratch_[l % 2];
      // The final sigmoid layer writes its logits; the activation follows from them.
      const Activation act = (l == last_layer && final_logits) ? Activation::identity
                                                               : spec_.layers[l].activation;
      layer_forward(l, batch, a, y, act, conv_scratch_);
      a = y;
    }
    const std::int64_t count = std::int64_t{batch} * out_size;
    if (final_logits && out != nullptr) {
      float* dst = out + std::int64_t{start} * out_size;
      for (std::int64_t i = 0; i < count; ++i) dst[i] = kernels::sigmoid(a[i]);
    }
    if (metrics != nullptr) {
      const Activation act = spec_.layers[last_layer].activation;
      const float* y = targets + std::int64_t{start} * cols;
      if (final_logits) accumulate_errors(act, batch, out_size, nullptr, a, y, &sums);
      else accumulate_errors(act, batch, out_size, a, nullptr, y, &sums);
    }
  }
  if (metrics != nullptr) *metrics = make_metrics(config_.loss, sums, out_size);
  return Status();
}

Status Network::reconstruct(const float* data, std::int32_t rows, std::int32_t cols, float* out) {
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "output is null");
  return run_inference(data, data, rows, 0, spec_.num_layers - 1, out, nullptr);
}

Status Network::encode(const float* data, std::int32_t rows, std::int32_t cols, float* code) {
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  if (code == nullptr) return Status::error(StatusCode::invalid_argument, "code output is null");
  return run_inference(data, data, rows, 0, spec_.code_layer, code, nullptr);
}

Status Network::decode(const float* code, std::int32_t rows, std::int32_t cols, float* out) {
  if (spec_.code_layer < 0 || spec_.code_layer + 1 >= spec_.num_layers) {
    return Status::error(StatusCode::invalid_argument, "the network has no decoder after a code layer");
  }
  TINYAE_RETURN_IF_ERROR(check_data(code, rows, cols, spec_.code_layer + 1));
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "output is null");
  return run_inference(code, nullptr, rows, spec_.code_layer + 1, spec_.num_layers - 1, out, nullptr);
}

Status Network::evaluate(const float* data, std::int32_t rows, std::int32_t cols, Metrics* out,
                         const float* targets) {
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  if (targets != nullptr) TINYAE_RETURN_IF_ERROR(check_data(targets, rows, cols));
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "metrics output is null");
  return run_inference(data, targets != nullptr ? targets : data, rows, 0, spec_.num_layers - 1,
                       nullptr, out);
}

}  // namespace tinyae
