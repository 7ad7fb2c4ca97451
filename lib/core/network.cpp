#include "tinyae/network.hpp"

#include <cmath>

#include "../kernels/activation.hpp"
#include "../kernels/f32_kernels.hpp"
#include "loss.hpp"
#include "optimizer.hpp"
#include "random.hpp"

namespace tinyae {
namespace {

bool all_finite(const float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return false;
  }
  return true;
}

void fill_zero(float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] = 0.0f;
}

void copy(const float* from, std::int64_t n, float* to) {
  for (std::int64_t i = 0; i < n; ++i) to[i] = from[i];
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
  if (static_cast<std::uint8_t>(c.optimizer) > static_cast<std::uint8_t>(Optimizer::adam) ||
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
  TINYAE_RETURN_IF_ERROR(validate(spec));
  TINYAE_RETURN_IF_ERROR(validate_config(spec, config));
  TINYAE_RETURN_IF_ERROR(check_arena(arena_bytes(spec, config), arena));

  const std::size_t mark = arena.used();
  const std::int64_t batch = config.batch_size;
  const std::int64_t params = spec.parameter_floats();
  Status s = take(arena, params, &parameters_);
  if (s.ok()) s = take(arena, params, &gradients_);
  if (s.ok()) s = take(arena, params, &last_good_);
  if (s.ok() && detail::optimizer_slots(config.optimizer) >= 1) s = take(arena, params, &moment1_);
  if (s.ok() && detail::optimizer_slots(config.optimizer) >= 2) s = take(arena, params, &moment2_);
  if (s.ok()) s = take(arena, batch * spec.input.size(), &input_batch_);
  if (s.ok() && config.noise_stddev > 0) s = take(arena, batch * spec.input.size(), &noisy_batch_);
  for (std::int32_t l = 0; s.ok() && l < spec.num_layers; ++l) {
    s = take(arena, batch * spec.layers[l].output.size(), &activations_[l]);
  }
  if (s.ok() && detail::keeps_logits(spec)) s = take(arena, batch * spec.output().size(), &logits_);
  for (float*& buffer : scratch_) {
    if (s.ok()) s = take(arena, batch * spec.max_width(), &buffer);
  }
  if (!s.ok()) {
    arena.rewind(mark);
    *this = Network();
    return s;
  }
  spec_ = spec;
  config_ = config;
  max_batch_ = config.batch_size;

  // Glorot uniform U(-r, r), r = sqrt(6 / (fan_in + fan_out)); biases stay zero.
  Pcg32 rng(config.seed, kStreamInit);
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const std::int64_t fan_in = spec.layer_input(l).size();
    const std::int64_t fan_out = spec.layers[l].output.size();
    const float r = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
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
  if (!s.ok()) {
    arena.rewind(mark);
    *this = Network();
    return s;
  }
  spec_ = spec;
  config_ = TrainConfig();
  config_.loss = Loss::mse;
  max_batch_ = max_batch;
  return Status();
}

Status Network::check_data(const float* data, std::int32_t rows, std::int32_t cols) const {
  if (parameters_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, "network is not set up");
  }
  if (rows < 1) {
    return Status::error(StatusCode::invalid_argument, "data has ", rows,
                         " rows; need at least 1");
  }
  if (cols != spec_.input.size()) {
    return Status::error(StatusCode::invalid_argument, "data has ", cols,
                         " columns but the network's input has ", spec_.input.size());
  }
  if (data == nullptr) return Status::error(StatusCode::invalid_argument, "data is null");
  const std::int64_t n = std::int64_t{rows} * cols;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) {
      return Status::error(StatusCode::non_finite, "data has a non-finite value (", data[i],
                           ") at row ", i / cols, ", column ", i % cols);
    }
  }
  return Status();
}

void Network::forward_batch(const float* input, std::int32_t batch) {
  const kernels::F32Kernels& k = kernels::f32();
  const std::int32_t last = spec_.num_layers - 1;
  for (std::int32_t l = 0; l <= last; ++l) {
    const auto in = static_cast<std::int32_t>(spec_.layer_input(l).size());
    const auto out = static_cast<std::int32_t>(spec_.layers[l].output.size());
    const float* x = l == 0 ? input : activations_[l - 1];
    const Activation act = spec_.layers[l].activation;
    if (l == last && logits_ != nullptr) {
      k.dense_forward(batch, out, in, x, in, weights(l), in, biases(l), Activation::identity,
                      logits_, out);
      k.activate(std::int64_t{batch} * out, logits_, activations_[l], Activation::sigmoid);
    } else {
      k.dense_forward(batch, out, in, x, in, weights(l), in, biases(l), act, activations_[l], out);
    }
  }
}

double Network::backward_batch(const float* input, const float* target, std::int32_t batch,
                               double* sse) {
  const kernels::F32Kernels& k = kernels::f32();
  const std::int32_t last = spec_.num_layers - 1;
  const auto d = static_cast<std::int32_t>(spec_.output().size());
  ErrorSums sums;
  // With one sample a layer's delta is its bias gradient: deltas are formed in place
  // there, and the column sums (copies) are skipped.
  const bool single = batch == 1;
  float* delta = single ? gradients_ + spec_.bias_offset(last) : scratch_[0];
  output_delta(config_.loss, spec_.layers[last].activation, batch, d, activations_[last],
               nullptr, target, delta, &sums);
  // Logits only matter for the bce value (vectorized log/exp); other losses skip it.
  if (config_.loss == Loss::bce) sums.bce = k.bce_sum(std::int64_t{batch} * d, logits_, target);
  for (std::int32_t l = last; l >= 0; --l) {
    const auto in = static_cast<std::int32_t>(spec_.layer_input(l).size());
    const auto out = static_cast<std::int32_t>(spec_.layers[l].output.size());
    const float* x = l == 0 ? input : activations_[l - 1];
    k.gemm_tn(out, in, batch, delta, out, x, in, gradients_ + spec_.weight_offset(l), in, false);
    if (!single) k.column_sum(batch, out, delta, out, gradients_ + spec_.bias_offset(l), false);
    if (l > 0) {
      float* next = single                  ? gradients_ + spec_.bias_offset(l - 1)
                    : delta == scratch_[0] ? scratch_[1]
                                           : scratch_[0];
      // The product through W and the activation derivative in one pass.
      k.delta_backward(batch, in, out, delta, out, weights(l), in, activations_[l - 1], in,
                       spec_.layers[l - 1].activation, nullptr, next, in);
      delta = next;
    }
  }
  *sse += sums.sse;
  return make_metrics(config_.loss, sums, d).loss * batch;
}

void Network::add_weight_decay_gradient() {
  const float lambda = config_.weight_decay;
  if (lambda == 0.0f) return;
  for (std::int32_t l = 0; l < spec_.num_layers; ++l) {
    const float* w = weights(l);
    float* g = gradients_ + spec_.weight_offset(l);
    for (std::int64_t i = 0; i < spec_.weight_count(l); ++i) g[i] += lambda * w[i];
  }
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

void Network::optimizer_step() {
  OptimizerState state{moment1_, moment2_, adam_steps_};
  tinyae::optimizer_step(config_, spec_.parameter_floats(), parameters_, gradients_, &state);
  adam_steps_ = state.steps;
}

Status Network::fit(const float* data, std::int32_t rows, std::int32_t cols,
                    EpochCallback callback, void* user) {
  if (parameters_ != nullptr && !trainable()) {
    return Status::error(StatusCode::invalid_argument,
                         "network was set up for inference only; set it up with a TrainConfig");
  }
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  const std::int64_t params = spec_.parameter_floats();
  const auto d = static_cast<std::int32_t>(spec_.output().size());
  Pcg32 shuffle_rng(config_.seed, kStreamShuffle);
  Pcg32 noise_rng(config_.seed, kStreamNoise);
  copy(parameters_, params, last_good_);

  for (std::int32_t epoch = 1; epoch <= config_.epochs; ++epoch) {
    Permutation order;
    if (config_.shuffle) order = Permutation(static_cast<std::uint32_t>(rows), shuffle_rng);
    double loss_sum = 0;
    double sse = 0;
    bool finite = true;
    for (std::int32_t start = 0; start < rows && finite; start += max_batch_) {
      const std::int32_t batch = rows - start < max_batch_ ? rows - start : max_batch_;
      const float* input = data + std::int64_t{start} * cols;
      if (config_.shuffle && batch == 1) {
        input = data + std::int64_t{order(static_cast<std::uint32_t>(start))} * cols;
      } else if (config_.shuffle) {
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
      forward_batch(input, batch);
      const double batch_loss = backward_batch(input, target, batch, &sse);
      finite = std::isfinite(batch_loss);
      if (finite) {
        add_weight_decay_gradient();
        optimizer_step();
        loss_sum += batch_loss;
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
      EpochStats stats;
      stats.epoch = epoch;
      stats.epochs = config_.epochs;
      ErrorSums sums;
      sums.sse = sse;
      sums.samples = rows;
      stats.train = make_metrics(config_.loss, sums, d);
      stats.train.loss = loss_sum / rows + weight_decay_cost();
      if (config_.loss == Loss::bce) stats.train.bce = loss_sum / rows;
      else stats.train.bce = std::nan("");
      if (!callback(stats, user)) break;
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
  forward_batch(data, rows);
  double sse = 0;
  const double loss = backward_batch(data, data, rows, &sse) / rows;
  add_weight_decay_gradient();
  *objective = loss + weight_decay_cost();
  return Status();
}

Status Network::run_inference(const float* data, const float* targets, std::int32_t rows,
                              std::int32_t last_layer, float* out, Metrics* metrics) {
  const kernels::F32Kernels& k = kernels::f32();
  const std::int32_t cols = static_cast<std::int32_t>(spec_.input.size());
  const auto out_size = static_cast<std::int32_t>(spec_.layers[last_layer].output.size());
  const bool final_logits = last_layer == spec_.num_layers - 1 && detail::keeps_logits(spec_);
  ErrorSums sums;
  for (std::int32_t start = 0; start < rows; start += max_batch_) {
    const std::int32_t batch = rows - start < max_batch_ ? rows - start : max_batch_;
    const float* x = data + std::int64_t{start} * cols;
    const float* a = x;
    for (std::int32_t l = 0; l <= last_layer; ++l) {
      const auto in = static_cast<std::int32_t>(spec_.layer_input(l).size());
      const auto n = static_cast<std::int32_t>(spec_.layers[l].output.size());
      float* y = (l == last_layer && out != nullptr && !final_logits)
                     ? out + std::int64_t{start} * out_size
                     : scratch_[l % 2];
      // The final sigmoid layer writes its logits; the activation follows from them.
      const Activation act = (l == last_layer && final_logits) ? Activation::identity
                                                               : spec_.layers[l].activation;
      k.dense_forward(batch, n, in, a, in, weights(l), in, biases(l), act, y, n);
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
  return run_inference(data, data, rows, spec_.num_layers - 1, out, nullptr);
}

Status Network::encode(const float* data, std::int32_t rows, std::int32_t cols, float* code) {
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  if (code == nullptr) return Status::error(StatusCode::invalid_argument, "code output is null");
  return run_inference(data, data, rows, spec_.code_layer, code, nullptr);
}

Status Network::evaluate(const float* data, std::int32_t rows, std::int32_t cols, Metrics* out,
                         const float* targets) {
  TINYAE_RETURN_IF_ERROR(check_data(data, rows, cols));
  if (targets != nullptr) TINYAE_RETURN_IF_ERROR(check_data(targets, rows, cols));
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "metrics output is null");
  return run_inference(data, targets != nullptr ? targets : data, rows, spec_.num_layers - 1,
                       nullptr, out);
}

}  // namespace tinyae
