// Validation of a TrainConfig against its NetworkSpec: every field's range, and the
// combinations the trainer cannot run (KL sparsity without a sigmoid code layer, bce
// without a sigmoid output, L-BFGS with noise). Network::setup calls it first.
#include "validate.hpp"

#include <cmath>

#include "network_state.hpp"
#include "tinyae/train_layout.hpp"

namespace tinyae::detail {
namespace {

bool finite_in_range(float v, float lo, float hi) { return std::isfinite(v) && v >= lo && v < hi; }

}  // namespace

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

Status check_rows(const NetworkSpec& spec, bool set_up, const float* data, std::int32_t rows,
                  std::int32_t cols, std::int32_t first_layer) {
  if (!set_up) {
    return Status::error(StatusCode::invalid_argument, "network is not set up");
  }
  if (rows < 1) {
    return Status::error(StatusCode::invalid_argument, "data has ", rows,
                         " rows; need at least 1");
  }
  const std::int64_t width = spec.layer_input(first_layer).size();
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

}  // namespace tinyae::detail
