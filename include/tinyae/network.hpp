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
// A Network is a small handle (spec, parameter pointers, state pointer); its buffers and
// training state live in the arena block it was set up in (detail::TrainLayout), its
// parameters there too unless they are the caller's const block (flash).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tinyae/arena.hpp"
#include "tinyae/conv_geometry.hpp"
#include "tinyae/network_spec.hpp"
#include "tinyae/status.hpp"
#include "tinyae/train_config.hpp"
#include "tinyae/train_layout.hpp"

namespace tinyae {

// Exact arena size for inference only (reconstruct/encode/evaluate) on up to
// max_batch rows per internal step. 0 for a structurally broken spec.
constexpr std::size_t arena_bytes(const NetworkSpec& spec, std::int32_t max_batch) {
  return detail::TrainLayout::inference(spec, max_batch).total;
}

// Exact arena size for inference on parameters the caller keeps (setup with a
// `const float*` block, e.g. in flash): activations and state only, no parameters.
constexpr std::size_t arena_bytes_const_parameters(const NetworkSpec& spec, std::int32_t max_batch) {
  return detail::TrainLayout::inference(spec, max_batch, false).total;
}

// Exact arena size for training with `config` (and inference on the same object).
constexpr std::size_t arena_bytes(const NetworkSpec& spec, const TrainConfig& config) {
  return detail::TrainLayout::training(spec, config).total;
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
// to [0, 1] when clip (the noise of a first batch of n values trained with this seed).
// The same seed gives the same bits on every platform and ISA: the N(0, 1) values are
// Box-Muller on a counter-based hash, with no libm call (lib/kernels/gaussian_noise.hpp);
// they repeat after 2^33 values.
void add_gaussian_noise(const float* clean, std::int64_t n, float stddev, bool clip,
                        std::uint64_t seed, float* noisy);

// Writes the initial parameters a trainable setup with this seed starts from (the same
// generator and order: Glorot uniform weights, zero biases and padding) into out, which
// holds `floats` = spec.parameter_floats() values. E.g. to build a const block on a host.
Status init_parameters(const NetworkSpec& spec, std::uint64_t seed, float* out,
                       std::int64_t floats);

// Where a streamed fit's mini-batches come from: a file read in chunks, a link, a
// sensor, a flash array read one batch at a time. The network owns the batch buffer
// (config.batch_size rows, in its arena), so memory is the model, its optimizer state
// and one batch, whatever the data set's size. An epoch is what the stream gives
// between start_epoch() and a batch of 0 rows; every batch but an epoch's last has
// exactly max_rows rows. The same stream gives the same weights for any thread count.
class BatchStream {
 public:
  // Rows per epoch when known (for progress reports), else 0.
  virtual std::int64_t rows_per_epoch() const { return 0; }
  // Rewinds to the first batch of a new epoch.
  virtual Status start_epoch() = 0;
  // Writes the next rows (0..max_rows rows of cols floats, row-major) into batch and
  // sets *rows; 0 rows ends the epoch. An error stops training (fit returns it).
  virtual Status next(float* batch, std::int32_t max_rows, std::int32_t cols,
                      std::int32_t* rows) = 0;

 protected:
  ~BatchStream() = default;
};

namespace detail {
struct NetworkState;  // lib/core/network_state.hpp; lives in the arena
}  // namespace detail

class Network {
 public:
  // Trainable network: weights initialised (Glorot uniform, zero biases) from
  // config.seed. Takes exactly arena_bytes(spec, config) from the arena.
  Status setup(const NetworkSpec& spec, const TrainConfig& config, Arena& arena);
  // Inference-only network (weights zero until set). Takes arena_bytes(spec, max_batch).
  Status setup(const NetworkSpec& spec, std::int32_t max_batch, Arena& arena);
  // Inference-only network that reads the caller's parameter block (spec order, `floats`
  // = spec.parameter_floats() finite values, e.g. a const array in flash) and never
  // writes it; the block must outlive the network. Takes exactly
  // arena_bytes_const_parameters(spec, max_batch): activations and state only.
  // Its parameters are read-only: parameters(), weights() and biases() give null on a
  // non-const Network (read through a const reference), and set_layer, fit and
  // compute_gradient return an error.
  Status setup(const NetworkSpec& spec, const float* parameters, std::int64_t floats,
               std::int32_t max_batch, Arena& arena);

  // Trains for config.epochs on rows x cols data (cols = input size). NaN/Inf in the
  // data is rejected before training; a NaN/Inf loss stops training with
  // StatusCode::diverged and restores the weights from the end of the last good epoch.
  // Both callbacks get `user`.
  Status fit(const float* data, std::int32_t rows, std::int32_t cols,
             EpochCallback callback = nullptr, void* user = nullptr,
             ProgressCallback progress = nullptr);
  // Trains for config.epochs epochs of the stream's batches with a first-order
  // optimizer (lbfgs needs the full batch: an error). The stream's rows are checked as
  // they arrive: a batch with NaN/Inf, more than batch_size rows, a short batch before
  // the end of an epoch, an empty epoch or the stream's own error stops training, as
  // divergence does, with the weights from the end of the last complete epoch.
  Status fit(BatchStream& stream, EpochCallback callback = nullptr, void* user = nullptr,
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
  // out (rows x layer's output size) = what layer `layer` computes on the way from data
  // (rows x input size) to the output: per-layer comparisons, e.g. against int8.
  Status layer_output(const float* data, std::int32_t rows, std::int32_t cols, std::int32_t layer,
                      float* out);
  // Reconstruction errors of data against targets (rows x cols; null = data itself,
  // e.g. noisy inputs against their clean originals for a denoiser).
  Status evaluate(const float* data, std::int32_t rows, std::int32_t cols, Metrics* out,
                  const float* targets = nullptr);

  const NetworkSpec& spec() const { return spec_; }
  bool trainable() const;
  // Whether the parameters are the caller's const block (setup with const float*).
  bool read_only() const { return parameters_ != nullptr && writable_ == nullptr; }
  // The parameter block (spec().parameter_floats() floats; see NetworkSpec offsets).
  // The writable accessors give null on a read_only() network.
  float* parameters() { return writable_; }
  const float* parameters() const { return parameters_; }
  const float* gradients() const;
  float* weights(std::int32_t layer) { return offset_or_null(writable_, spec_.weight_offset(layer)); }
  float* biases(std::int32_t layer) { return offset_or_null(writable_, spec_.bias_offset(layer)); }
  const float* weights(std::int32_t layer) const { return offset_or_null(parameters_, spec_.weight_offset(layer)); }
  const float* biases(std::int32_t layer) const { return offset_or_null(parameters_, spec_.bias_offset(layer)); }
  // Sets one dense or conv2d layer's parameters (e.g. weights trained elsewhere), in
  // the layout of NetworkSpec::weight_count: dense weights out x in, row-major; conv2d
  // weights filters x (kernel row, kernel column, input channel); then one bias per
  // output (filter). The counts must equal spec().weight_count(layer) and
  // bias_count(layer) and every value must be finite; on error nothing is changed.
  Status set_layer(std::int32_t layer, const float* weights, std::int64_t weight_count,
                   const float* bias, std::int64_t bias_count);
  // Copies a whole parameter block (spec order with padding, `floats` =
  // spec().parameter_floats() finite values: what init_parameters writes and an exported
  // float header holds) into the network, e.g. to fine-tune on a device from a header's
  // const array. Needs a network that owns its parameters; on error nothing is changed.
  Status set_parameters(const float* block, std::int64_t floats);

 private:
  // Both inference set-ups: the parameters in the arena (null) or the caller's.
  Status setup_inference(const NetworkSpec& spec, const float* parameters, std::int32_t max_batch,
                         Arena& arena);
  template <class T>
  static T* offset_or_null(T* block, std::int64_t offset) { return block != nullptr ? block + offset : nullptr; }

  NetworkSpec spec_{};
  const float* parameters_ = nullptr;  // what inference reads
  float* writable_ = nullptr;          // the same block when the network owns it, else null
  detail::NetworkState* state_ = nullptr;  // buffers, config and training state
};

}  // namespace tinyae
