// One training step on one batch (lib/core/train_step.cpp).
#pragma once

#include <cstdint>

#include "../kernels/f32_kernels.hpp"
#include "network_state.hpp"
#include "random.hpp"

namespace tinyae::detail {

// Rows that the parts copy into the input batch themselves, in parallel: part rows i
// come from data row order(start + i).
struct GatherRows {
  const float* data = nullptr;  // null: the input is ready
  const Permutation* order = nullptr;
  std::int32_t start = 0;
};

// Denoising: each part adds its own rows' noise (kernels' add_noise at the rows' offset
// in the batch, so the noise does not depend on the parts), the clean rows stay the target.
struct NoiseRows {
  float* noisy = nullptr;  // null: no noise; else the noisy inputs, the batch's size
  float stddev = 0.0f;
  bool clip = false;
  kernels::NoiseKey key{};  // this batch's
};

// What one step trains on: rows x (input size) inputs and their targets.
struct Batch {
  const float* input = nullptr;   // with gather, the buffer the parts fill
  const float* target = nullptr;  // may be input itself (an autoencoder's target)
  std::int32_t rows = 0;
  GatherRows gather;
  NoiseRows noise;
};

// One batch: forward, backward, gradients summed over the parts in a fixed order,
// weight decay, and (when step) the optimizer step. Returns the batch objective times
// batch.rows (data loss summed over samples, plus rows * sparsity penalties); adds the
// squared error to *sse. The gradient is left in the gradients block, except after a
// per-sample SGD step of a dense network without penalties: its layers step as the
// backward pass reaches them and the block holds only the deltas, or nothing new (a
// network no wider than 16 steps in plain loops, its rows on the stack).
double train_batch(const Model& model, const Batch& batch, bool step, double* sse);

// (1/2) * weight_decay * sum ||W||^2 at the current parameters.
double weight_decay_cost(const Model& model);

// The full objective (mean loss + penalties + weight decay) and its gradient at the
// current parameters over rows rows of data as one batch (rows <= max_batch); no step.
double full_batch_objective(const Model& model, const float* data, std::int32_t rows,
                            double* sse);

// Starts the OpenMP thread team and its work-sharing loops once, at setup: the
// runtime allocates for them then, and training must not allocate.
void start_threads(const Model& model);

}  // namespace tinyae::detail
