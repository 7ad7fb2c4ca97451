// What a Network keeps in its arena besides the parameters: pointers to the buffers
// of its TrainLayout, its config, and the state of a training run (the parts of the
// current batch, Adam's step count, L-BFGS's pair weights). Also Model, the view of
// (spec, parameters, state) that the training code works on, and ConstModel, the
// read-only view inference works on.
#pragma once

#include <cstdint>
#include <cstring>

#include "tinyae/network.hpp"

namespace tinyae::detail {

// One part of a batch: its rows, and the sums its backward pass produced.
struct Part {
  std::int32_t begin;
  std::int32_t rows;
  double loss;  // data loss summed over the part's samples
  double sse;
  double l1;  // sum of |code activation|
};

// L-BFGS's memory: the pairs and vectors (parameter blocks in the arena) and the
// weights of the pairs.
struct LbfgsState {
  float* s;  // lbfgs_memory steps, one parameter block each
  float* y;  // as many gradient changes
  float* direction;
  float* gradient;  // gradient at the iteration's start point
  double rho[kMaxLbfgsMemory];  // 1 / (y . s) of each stored pair
  std::int32_t pairs;  // stored pairs
  std::int32_t newest;  // slot of the newest pair (-1: none)
};

// Training buffers and the state of a run (null pointers: not needed by the config).
struct TrainState {
  float* gradients;  // the batch gradient, also part 0's partial gradient
  float* last_good;
  float* moment1;  // momentum velocity, or Adam's first moment
  float* moment2;  // Adam's second moment
  float* input_batch;
  float* noisy_batch;
  float* activations[kMaxLayers];  // hidden layers' outputs
  float* partials;  // parts 1.. partial gradients
  std::int64_t partial_stride;  // floats from one part's gradient to the next
  float* code_sums;  // KL: each part's code column sums
  std::int64_t code_stride;
  float* rhohat;  // KL: mean code activations
  LbfgsState lbfgs;
  Part parts[kMaxBatchParts];
  std::int32_t threads;
  std::int64_t adam_steps;

  float* partial_gradient(std::int32_t part) const {
    return part == 0 ? gradients : partials + partial_stride * (part - 1);
  }
  float* code_sum(std::int32_t part) const { return code_sums + code_stride * part; }
};

struct NetworkState {
  TrainConfig config;  // an inference-only network's: the defaults with mse loss
  std::int32_t max_batch;
  bool all_dense;  // with one row per part, deltas live in the bias gradients
  float* scratch[2];  // deltas when training; ping-pong activations in inference
  float* conv_scratch;  // convolution scratch, one block per part
  std::size_t conv_part_floats;  // floats from one part's block to the next
  TrainState* train;  // null: inference only
};

// A trainable network's state block: both parts in one arena region. These structs
// are plain aggregates that setup() finds zeroed in the arena (the block is memset)
// and fills in; no constructor runs, so no placement new is linked into firmware.
struct TrainingBlock {
  NetworkState network;
  TrainState train;
};

// The network as inference reads it: parameters are never written (they may be a
// caller's const block in flash).
struct ConstModel {
  const NetworkSpec& spec;
  const float* parameters;
  const NetworkState& state;

  const TrainConfig& config() const { return state.config; }
  const float* weights(std::int32_t layer) const { return parameters + spec.weight_offset(layer); }
  const float* biases(std::int32_t layer) const { return parameters + spec.bias_offset(layer); }
};

// The network as the training code sees it (its own, writable parameters).
struct Model {
  const NetworkSpec& spec;
  float* parameters;
  NetworkState& state;

  TrainState& train() const { return *state.train; }
  const TrainConfig& config() const { return state.config; }
  float* weights(std::int32_t layer) const { return parameters + spec.weight_offset(layer); }
  float* biases(std::int32_t layer) const { return parameters + spec.bias_offset(layer); }
  operator ConstModel() const { return ConstModel{spec, parameters, state}; }
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
