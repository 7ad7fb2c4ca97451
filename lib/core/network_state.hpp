// What a Network keeps in its arena besides the parameters: pointers to the buffers
// of its TrainLayout, its config, and the state of a training run (the parts of the
// current batch, Adam's step count, L-BFGS's pair weights). Also Model, the view of
// (spec, parameters, state) that the training and inference code works on.
#pragma once

#include <cstdint>
#include <cstring>

#include "tinyae/network.hpp"

namespace tinyae::detail {

// One part of a batch: its rows, and the sums its backward pass produced.
struct Part {
  std::int32_t begin = 0;
  std::int32_t rows = 0;
  double loss = 0;  // data loss summed over the part's samples
  double sse = 0;
  double l1 = 0;    // sum of |code activation|
};

// L-BFGS's memory: the pairs and vectors (parameter blocks in the arena) and the
// weights of the pairs.
struct LbfgsState {
  float* s = nullptr;  // lbfgs_memory steps, one parameter block each
  float* y = nullptr;  // as many gradient changes
  float* direction = nullptr;
  float* gradient = nullptr;  // gradient at the iteration's start point
  double rho[kMaxLbfgsMemory] = {};  // 1 / (y . s) of each stored pair
  std::int32_t pairs = 0;            // stored pairs
  std::int32_t newest = -1;          // slot of the newest pair
};

// Training buffers and the state of a run (null pointers: not needed by the config).
struct TrainState {
  float* gradients = nullptr;  // the batch gradient, also part 0's partial gradient
  float* last_good = nullptr;
  float* moment1 = nullptr;  // momentum velocity, or Adam's first moment
  float* moment2 = nullptr;  // Adam's second moment
  float* input_batch = nullptr;
  float* noisy_batch = nullptr;
  float* activations[kMaxLayers] = {};  // hidden layers' outputs
  float* partials = nullptr;            // parts 1.. partial gradients
  std::int64_t partial_stride = 0;      // floats from one part's gradient to the next
  float* code_sums = nullptr;           // KL: each part's code column sums
  std::int64_t code_stride = 0;
  float* rhohat = nullptr;              // KL: mean code activations
  LbfgsState lbfgs;
  Part parts[kMaxBatchParts] = {};
  std::int32_t threads = 1;
  std::int64_t adam_steps = 0;

  float* partial_gradient(std::int32_t part) const {
    return part == 0 ? gradients : partials + partial_stride * (part - 1);
  }
  float* code_sum(std::int32_t part) const { return code_sums + code_stride * part; }
};

struct NetworkState {
  TrainConfig config;  // an inference-only network's: the defaults with mse loss
  std::int32_t max_batch = 0;
  bool all_dense = true;     // with one row per part, deltas live in the bias gradients
  float* scratch[2] = {};    // deltas when training; ping-pong activations in inference
  float* conv_scratch = nullptr;       // convolution scratch, one block per part
  std::size_t conv_part_floats = 0;    // floats from one part's block to the next
  TrainState* train = nullptr;         // null: inference only
};

// A trainable network's state block: both parts in one arena region.
struct TrainingBlock {
  NetworkState network;
  TrainState train;
};

// The network as the training and inference code sees it.
struct Model {
  const NetworkSpec& spec;
  float* parameters;
  NetworkState& state;

  TrainState& train() const { return *state.train; }
  const TrainConfig& config() const { return state.config; }
  float* weights(std::int32_t layer) const { return parameters + spec.weight_offset(layer); }
  float* biases(std::int32_t layer) const { return parameters + spec.bias_offset(layer); }
};

// memcpy, not a loop: the library's own code is built for the baseline ISA (SSE2 on
// x86-64), while the C library picks its widest copy at run time.
inline void copy(const float* from, std::int64_t n, float* to) {
  if (n > 0) std::memcpy(to, from, static_cast<std::size_t>(n) * sizeof(float));
}

// Whether no value is NaN or Inf: an exponent of all ones. Integer bit tests, so the
// compiler vectorizes the scan (a float test would have to keep its order).
inline bool all_finite(const float* x, std::int64_t n) {
  constexpr std::uint32_t kExponent = 0x7f800000u;
  std::uint32_t found = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    found |= static_cast<std::uint32_t>((bits & kExponent) == kExponent);
  }
  return found == 0;
}

}  // namespace tinyae::detail
