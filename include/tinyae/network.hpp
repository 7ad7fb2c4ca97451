// Network: an autoencoder's weights and buffers in an Arena, with training and inference.
//
//   tinyae::TrainConfig config;                      // loss, optimizer, batch, epochs, seed
//   std::size_t bytes = tinyae::arena_bytes(spec, config);
//   tinyae::Arena arena(memory, bytes);
//   tinyae::Network net;
//   tinyae::Status s = net.setup(spec, config, arena);   // the only step that takes memory
//   s = net.fit(data, rows, cols);                       // allocates nothing
//   s = net.encode(data, rows, cols, codes);
//
// Data is row-major float, one sample per row; the Network never keeps a pointer to it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tinyae/arena.hpp"
#include "tinyae/network_spec.hpp"
#include "tinyae/status.hpp"
#include "tinyae/train_config.hpp"

namespace tinyae {

namespace detail {
constexpr std::size_t float_bytes(std::int64_t n) {
  return n <= 0 ? 0 : align_up(static_cast<std::size_t>(n) * sizeof(float));
}
constexpr int optimizer_slots(Optimizer o) {
  return o == Optimizer::adam ? 2 : o == Optimizer::momentum ? 1 : 0;
}
// Whether the last layer keeps its pre-activation (for a stable BCE).
constexpr bool keeps_logits(const NetworkSpec& spec) {
  return spec.num_layers > 0 &&
         spec.layers[spec.num_layers - 1].activation == Activation::sigmoid;
}
}  // namespace detail

// Exact arena size for inference only (reconstruct/encode/evaluate) on up to
// max_batch rows per internal step. 0 for a structurally broken spec.
constexpr std::size_t arena_bytes(const NetworkSpec& spec, std::int32_t max_batch) {
  if (spec.num_layers <= 0 || spec.num_layers > kMaxLayers || max_batch <= 0) return 0;
  const std::int64_t batch_width = std::int64_t{max_batch} * spec.max_width();
  return detail::float_bytes(spec.parameter_floats()) + 2 * detail::float_bytes(batch_width);
}

// Exact arena size for training with `config` (and inference on the same object).
constexpr std::size_t arena_bytes(const NetworkSpec& spec, const TrainConfig& config) {
  if (spec.num_layers <= 0 || spec.num_layers > kMaxLayers || config.batch_size <= 0) return 0;
  const std::int64_t batch = config.batch_size;
  const std::size_t params = detail::float_bytes(spec.parameter_floats());
  // parameters, gradients, last good parameters, optimizer state
  std::size_t bytes = params * (3 + detail::optimizer_slots(config.optimizer));
  bytes += detail::float_bytes(batch * spec.input.size());  // gathered input batch
  if (config.noise_stddev > 0) bytes += detail::float_bytes(batch * spec.input.size());  // noisy copy
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    bytes += detail::float_bytes(batch * spec.layers[l].output.size());  // activations
  }
  if (detail::keeps_logits(spec)) bytes += detail::float_bytes(batch * spec.output().size());
  bytes += 2 * detail::float_bytes(batch * spec.max_width());  // back-propagated deltas
  return bytes;
}

// Errors between a network's output a and its target y over a set of samples.
struct Metrics {
  double loss = 0;  // the training loss (mse for an inference-only network)
  double mse = 0;   // mean over all elements of (a - y)^2
  double sse = 0;   // sum over all elements of (a - y)^2
  double bce = 0;   // mean binary cross-entropy; NaN unless the output layer is sigmoid
  std::int64_t samples = 0;
};

struct EpochStats {
  std::int32_t epoch = 0;   // 1-based
  std::int32_t epochs = 0;  // planned total
  // Running values over the epoch's training steps (each sample measured just before
  // the step it takes part in); loss includes the weight-decay term at epoch end.
  Metrics train;
};

// Called after every epoch; return false to stop training early (fit returns ok).
using EpochCallback = bool (*)(const EpochStats& stats, void* user);

// Corrupts n values the way denoising training does: clean + stddev * N(0, 1), clipped
// to [0, 1] when clip; the same seed gives the same noise on every platform's libm
// that rounds log/sin/cos the same way.
TINYAE_EXPORT void add_gaussian_noise(const float* clean, std::int64_t n, float stddev, bool clip,
                                      std::uint64_t seed, float* noisy);

class TINYAE_EXPORT Network {
 public:
  // Trainable network: weights initialised (Glorot uniform, zero biases) from
  // config.seed. Takes exactly arena_bytes(spec, config) from the arena.
  Status setup(const NetworkSpec& spec, const TrainConfig& config, Arena& arena);
  // Inference-only network (weights zero until set). Takes arena_bytes(spec, max_batch).
  Status setup(const NetworkSpec& spec, std::int32_t max_batch, Arena& arena);

  // Trains for config.epochs on rows x cols data (cols = input size). NaN/Inf in the
  // data is rejected before training; a NaN/Inf loss stops training with
  // StatusCode::diverged and restores the weights from the end of the last good epoch.
  Status fit(const float* data, std::int32_t rows, std::int32_t cols,
             EpochCallback callback = nullptr, void* user = nullptr);

  // Objective (training loss + weight decay) and its gradient at the current weights
  // over all rows as one batch (rows <= batch_size). The gradient is left in
  // gradients(), laid out like parameters().
  Status compute_gradient(const float* data, std::int32_t rows, std::int32_t cols,
                          double* objective);

  // out (rows x input size) = the network's reconstruction of data.
  Status reconstruct(const float* data, std::int32_t rows, std::int32_t cols, float* out);
  // code (rows x code size) = the code layer's activations.
  Status encode(const float* data, std::int32_t rows, std::int32_t cols, float* code);
  // Reconstruction errors of data against targets (rows x cols; null = data itself,
  // e.g. noisy inputs against their clean originals for a denoiser).
  Status evaluate(const float* data, std::int32_t rows, std::int32_t cols, Metrics* out,
                  const float* targets = nullptr);

  const NetworkSpec& spec() const { return spec_; }
  bool trainable() const { return gradients_ != nullptr; }
  // The parameter block (spec().parameter_floats() floats; see NetworkSpec offsets).
  float* parameters() { return parameters_; }
  const float* parameters() const { return parameters_; }
  const float* gradients() const { return gradients_; }
  float* weights(std::int32_t layer) { return parameters_ + spec_.weight_offset(layer); }
  float* biases(std::int32_t layer) { return parameters_ + spec_.bias_offset(layer); }

 private:
  Status check_data(const float* data, std::int32_t rows, std::int32_t cols) const;
  Status run_inference(const float* data, const float* targets, std::int32_t rows,
                       std::int32_t last_layer, float* out, Metrics* metrics);
  void forward_batch(const float* input, std::int32_t batch);
  // Gradient of the batch's mean loss against target into gradients_; returns the
  // loss summed over samples and adds the squared error to *sse.
  double backward_batch(const float* input, const float* target, std::int32_t batch, double* sse);
  void add_weight_decay_gradient();
  double weight_decay_cost() const;
  void optimizer_step();

  NetworkSpec spec_{};
  TrainConfig config_{};
  std::int32_t max_batch_ = 0;
  float* parameters_ = nullptr;
  float* gradients_ = nullptr;
  float* last_good_ = nullptr;
  float* moment1_ = nullptr;  // momentum velocity, or Adam's first moment
  float* moment2_ = nullptr;  // Adam's second moment
  float* input_batch_ = nullptr;
  float* noisy_batch_ = nullptr;
  float* activations_[kMaxLayers] = {};
  float* logits_ = nullptr;
  float* scratch_[2] = {};  // deltas when training; ping-pong activations in inference
  std::int64_t adam_steps_ = 0;
};

}  // namespace tinyae
