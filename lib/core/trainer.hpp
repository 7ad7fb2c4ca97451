// The epoch loop (lib/core/trainer.cpp): batches from a BatchSource, noise, one
// train_batch per batch, divergence checks and callbacks; L-BFGS on the full batch.
#pragma once

#include <cstdint>

#include "network_state.hpp"
#include "random.hpp"
#include "train_step.hpp"

namespace tinyae::detail {

// Where an epoch's batches come from. The in-memory source (the rows given to fit, in
// a new order each epoch) is one; the streamed source (a caller's BatchStream) fills
// the network's input batch (TrainState::input_batch, max_batch rows) and points the
// batch at it. One virtual call per batch, none per row.
class BatchSource {
 public:
  // Rows per epoch, for progress reports (0 when unknown).
  virtual std::int64_t rows() const = 0;
  // Called before each epoch's first batch.
  virtual void start_epoch() = 0;
  // The next batch of at most max_rows rows into *out (input, rows, gather; the
  // trainer sets the target); returns its rows, 0 at the end of the epoch, or a
  // negative count on an error, which error() then describes.
  virtual std::int32_t next(std::int32_t max_rows, Batch* out) = 0;
  virtual Status error() const { return Status(); }

 protected:
  ~BatchSource() = default;
};

// The next batch's noise key: two draws of the noise stream's generator.
inline kernels::NoiseKey noise_key(Pcg32* rng) {
  const std::uint32_t k0 = rng->next_u32();
  return kernels::NoiseKey{k0, rng->next_u32()};
}

struct TrainCallbacks {
  EpochCallback epoch = nullptr;
  ProgressCallback progress = nullptr;
  void* user = nullptr;
};

// config.epochs epochs of the source's batches with the configured first-order
// optimizer. A NaN/Inf loss or weight stops with StatusCode::diverged and restores the
// weights of the last good epoch, as does an error of the source. Source is a BatchSource; given its final type (as
// fit gives RowBatches), next() inlines into the per-step loop.
template <class Source>
Status train_epochs(const Model& model, Source& source, const TrainCallbacks& callbacks);

// Network::fit on rows x (input size) checked data: L-BFGS on the full batch, or
// train_epochs over the rows (shuffled each epoch when config.shuffle).
Status fit_rows(const Model& model, const float* data, std::int32_t rows,
                const TrainCallbacks& callbacks);

// Network::fit on a caller's stream: train_epochs over its checked batches.
Status fit_stream(const Model& model, BatchStream& stream, const TrainCallbacks& callbacks);

}  // namespace tinyae::detail
