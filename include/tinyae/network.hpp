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
#include "tinyae/conv_geometry.hpp"
#include "tinyae/network_spec.hpp"
#include "tinyae/status.hpp"
#include "tinyae/train_config.hpp"

namespace tinyae {

// Most parts a batch can be split into (TrainConfig::batch_parts).
inline constexpr std::int32_t kMaxBatchParts = 64;
// Most correction pairs L-BFGS keeps (TrainConfig::lbfgs_memory).
inline constexpr std::int32_t kMaxLbfgsMemory = 64;

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
// Parts a batch of batch_size rows is split into.
constexpr std::int32_t batch_parts(const TrainConfig& config) {
  const std::int32_t parts = config.batch_parts < 1 ? 1 : config.batch_parts;
  return parts < config.batch_size ? parts : config.batch_size;
}
// Bytes of each part's convolution scratch when training (0 without conv2d layers).
constexpr std::size_t conv_part_bytes(const NetworkSpec& spec, const TrainConfig& config) {
  const std::int32_t parts = batch_parts(config);
  return float_bytes(conv::scratch_floats(spec, (config.batch_size + parts - 1) / parts));
}
// The convolution scratch of training: one block per part, also used whole by
// inference on a full batch.
constexpr std::size_t conv_training_bytes(const NetworkSpec& spec, const TrainConfig& config) {
  const std::size_t per_part = conv_part_bytes(spec, config) * static_cast<std::size_t>(batch_parts(config));
  const std::size_t whole = float_bytes(conv::scratch_floats(spec, config.batch_size));
  return per_part > whole ? per_part : whole;
}
}  // namespace detail

// Exact arena size for inference only (reconstruct/encode/evaluate) on up to
// max_batch rows per internal step. 0 for a structurally broken spec.
constexpr std::size_t arena_bytes(const NetworkSpec& spec, std::int32_t max_batch) {
  if (spec.num_layers <= 0 || spec.num_layers > kMaxLayers || max_batch <= 0) return 0;
  const std::int64_t batch_width = std::int64_t{max_batch} * spec.max_width();
  return detail::float_bytes(spec.parameter_floats()) + 2 * detail::float_bytes(batch_width) +
         detail::float_bytes(conv::scratch_floats(spec, max_batch));  // convolution scratch
}

// Exact arena size for training with `config` (and inference on the same object).
constexpr std::size_t arena_bytes(const NetworkSpec& spec, const TrainConfig& config) {
  if (spec.num_layers <= 0 || spec.num_layers > kMaxLayers || config.batch_size <= 0) return 0;
  const std::int64_t batch = config.batch_size;
  const std::size_t params = detail::float_bytes(spec.parameter_floats());
  // parameters, gradients, last good parameters, optimizer state
  std::size_t bytes = params * (3 + detail::optimizer_slots(config.optimizer));
  // L-BFGS: correction pairs, search direction, previous gradient
  if (config.optimizer == Optimizer::lbfgs && config.lbfgs_memory > 0) {
    bytes += params * (2 * static_cast<std::size_t>(config.lbfgs_memory) + 2);
  }
  // each part's partial gradient beyond the first
  bytes += params * static_cast<std::size_t>(detail::batch_parts(config) - 1);
  bytes += detail::float_bytes(batch * spec.input.size());  // gathered input batch
  if (config.noise_stddev > 0) bytes += detail::float_bytes(batch * spec.input.size());  // noisy copy
  // hidden activations (the output layer goes straight to its delta)
  for (std::int32_t l = 0; l + 1 < spec.num_layers; ++l) {
    bytes += detail::float_bytes(batch * spec.layers[l].output.size());
  }
  bytes += 2 * detail::float_bytes(batch * spec.max_width());  // back-propagated deltas
  bytes += detail::conv_training_bytes(spec, config);           // convolution scratch
  // KL sparsity: each part's code column sums, and the mean activations
  if (config.sparsity_weight > 0) {
    bytes += static_cast<std::size_t>(detail::batch_parts(config) + 1) *
             detail::float_bytes(spec.code_shape().size());
  }
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

struct Progress {
  std::int32_t epoch = 0;  // 1-based
  std::int32_t epochs = 0;
  std::int64_t samples_done = 0;   // in this epoch
  std::int64_t samples_total = 0;  // rows per epoch
  double loss = 0;                 // running mean training loss of the epoch so far
};
// Called after every training step (for progress displays).
using ProgressCallback = void (*)(const Progress& progress, void* user);

// Corrupts n values the way denoising training does: clean + stddev * N(0, 1), clipped
// to [0, 1] when clip; the same seed gives the same noise on every platform's libm
// that rounds log/sin/cos the same way.
void add_gaussian_noise(const float* clean, std::int64_t n, float stddev, bool clip,
                        std::uint64_t seed, float* noisy);

class Permutation;

class Network {
 public:
  // Trainable network: weights initialised (Glorot uniform, zero biases) from
  // config.seed. Takes exactly arena_bytes(spec, config) from the arena.
  Status setup(const NetworkSpec& spec, const TrainConfig& config, Arena& arena);
  // Inference-only network (weights zero until set). Takes arena_bytes(spec, max_batch).
  Status setup(const NetworkSpec& spec, std::int32_t max_batch, Arena& arena);

  // Trains for config.epochs on rows x cols data (cols = input size). NaN/Inf in the
  // data is rejected before training; a NaN/Inf loss stops training with
  // StatusCode::diverged and restores the weights from the end of the last good epoch.
  // Both callbacks get `user`.
  Status fit(const float* data, std::int32_t rows, std::int32_t cols,
             EpochCallback callback = nullptr, void* user = nullptr,
             ProgressCallback progress = nullptr);

  // Objective (training loss + weight decay + sparsity penalties) and its gradient at
  // the current weights over all rows as one batch (rows <= batch_size): what any
  // optimizer needs. The gradient is left in gradients(), laid out like parameters().
  Status compute_gradient(const float* data, std::int32_t rows, std::int32_t cols,
                          double* objective);

  // out (rows x input size) = the network's reconstruction of data.
  Status reconstruct(const float* data, std::int32_t rows, std::int32_t cols, float* out);
  // code (rows x code size) = the code layer's activations.
  Status encode(const float* data, std::int32_t rows, std::int32_t cols, float* code);
  // out (rows x output size) = the decoder (the layers after the code layer) on codes
  // (rows x cols, cols = the code size): what reconstruct() makes of them.
  Status decode(const float* code, std::int32_t rows, std::int32_t cols, float* out);
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
  // Sets one dense or conv2d layer's parameters (e.g. weights trained elsewhere), in
  // the layout of NetworkSpec::weight_count: dense weights out x in, row-major; conv2d
  // weights filters x (kernel row, kernel column, input channel); then one bias per
  // output (filter). The counts must equal spec().weight_count(layer) and
  // bias_count(layer) and every value must be finite; on error nothing is changed.
  Status set_layer(std::int32_t layer, const float* weights, std::int64_t weight_count,
                   const float* bias, std::int64_t bias_count);

 private:
  // One part of a batch: its rows, and the sums its backward pass produced.
  struct Part {
    std::int32_t begin = 0;
    std::int32_t rows = 0;
    double loss = 0;  // data loss summed over the part's samples
    double sse = 0;
    double l1 = 0;    // sum of |code activation|
  };
  // Rows x cols finite floats, cols = the input width of layer first_layer.
  Status check_data(const float* data, std::int32_t rows, std::int32_t cols,
                    std::int32_t first_layer = 0) const;
  // Layers first_layer .. last_layer on data (rows x that first layer's input width).
  Status run_inference(const float* data, const float* targets, std::int32_t rows,
                       std::int32_t first_layer, std::int32_t last_layer, float* out,
                       Metrics* metrics);
  // One batch: forward, backward, gradients summed over the parts in a fixed order,
  // weight decay, and (when step) the optimizer step. Returns the batch objective
  // times batch (data loss summed over samples, plus batch * sparsity penalties); adds
  // the squared error to *sse.
  double train_batch(const float* input, const float* target, std::int32_t batch, bool step,
                     double* sse);
  // Forward through a part's rows, ending in the output layer's delta and error sums.
  // Layer l on rows samples: y = layer(x) with activation act (the layer's own, or
  // identity for logits).
  void layer_forward(std::int32_t l, std::int32_t rows, const float* x, float* y, Activation act,
                     float* conv_scratch);
  // Gradients of a conv2d, max_pool2d or resize layer from delta = dL/d(its output,
  // before its activation): its weight and bias gradients into gradient, and dL/d(its
  // input) into dx (null: not needed); relu_input: a max_pool2d layer's dx includes
  // the derivative of the ReLU whose output it pools.
  void image_layer_backward(std::int32_t l, std::int32_t rows, const float* x, const float* delta,
                            float* gradient, float* dx, bool relu_input, float* conv_scratch);
  float* part_conv_scratch(std::int32_t part) {
    return conv_scratch_ + conv_part_floats_ * static_cast<std::size_t>(part);
  }
  void forward_part(const float* input, const float* target, std::int32_t batch,
                    std::int32_t part);
  void backward_part(const float* input, std::int32_t batch, std::int32_t part);
  // Where a part keeps its delta of `layer` in delta buffer `buffer` (0 or 1).
  float* part_delta(std::int32_t part, std::int32_t buffer, std::int32_t layer);
  void mean_code_activations(std::int32_t batch, std::int32_t parts);
  void finish_gradient(std::int64_t begin, std::int64_t end, std::int32_t parts, bool step);
  // Sparsity penalties of a batch (KL from rhohat_, L1 from the sum of |a|).
  double sparsity_cost(double l1_sum, std::int32_t batch) const;
  double weight_decay_cost() const;
  Status fit_lbfgs(const float* data, std::int32_t rows, EpochCallback callback, void* user,
                   ProgressCallback progress);
  // The objective at the current parameters (gradient into gradients_).
  double lbfgs_evaluate(const float* data, std::int32_t rows, double* sse);
  // The strong-Wolfe line search along lbfgs_direction_ from last_good_ (objective f0,
  // slope slope0 < 0). On success the parameters, gradient, *f and *sse are those of
  // the accepted point.
  bool lbfgs_line_search(const float* data, std::int32_t rows, double f0, double slope0,
                         double first_step, double* f, double* sse);
  void lbfgs_direction();

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
  float* activations_[kMaxLayers] = {};  // hidden layers' outputs (training)
  float* scratch_[2] = {};  // deltas when training; ping-pong activations in inference
  float* conv_scratch_ = nullptr;     // convolution scratch, one block per part
  std::size_t conv_part_floats_ = 0;  // floats from one part's block to the next
  bool all_dense_ = true;  // with one row per part, deltas live in the bias gradients
  float* partial_gradients_[kMaxBatchParts] = {};  // [0] is gradients_
  float* code_sums_[kMaxBatchParts] = {};          // KL: each part's code column sums
  float* rhohat_ = nullptr;                        // KL: mean code activations
  float* lbfgs_s_ = nullptr;  // L-BFGS: lbfgs_memory steps, then as many gradient changes
  float* lbfgs_y_ = nullptr;
  float* lbfgs_direction_ = nullptr;
  float* lbfgs_gradient_ = nullptr;  // gradient at the iteration's start point
  double lbfgs_rho_[kMaxLbfgsMemory] = {};  // 1 / (y . s) of each stored pair
  std::int32_t lbfgs_pairs_ = 0;           // stored pairs
  std::int32_t lbfgs_newest_ = -1;         // slot of the newest pair
  Part parts_[kMaxBatchParts] = {};
  // When set, each part copies its rows of the step's batch (rows start.. of the
  // shuffled order) from gather_data_ into input_batch_ itself, in parallel.
  const float* gather_data_ = nullptr;
  const Permutation* gather_order_ = nullptr;
  std::int32_t gather_start_ = 0;
  std::int32_t threads_ = 1;
  std::int64_t adam_steps_ = 0;
};

}  // namespace tinyae
