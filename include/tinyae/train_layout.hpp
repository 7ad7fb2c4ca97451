// TrainLayout: where every buffer of a Network sits in its arena block, computed once
// (constexpr) from the spec and the config. arena_bytes() is its total and
// Network::setup() places its pointers at its offsets, so the two cannot disagree.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tinyae/conv_geometry.hpp"
#include "tinyae/network_spec.hpp"
#include "tinyae/train_config.hpp"

namespace tinyae {

// Most parts a batch can be split into (TrainConfig::batch_parts).
inline constexpr std::int32_t kMaxBatchParts = 64;
// Most correction pairs L-BFGS keeps (TrainConfig::lbfgs_memory).
inline constexpr std::int32_t kMaxLbfgsMemory = 64;

namespace detail {

// Bytes of the Network's internal state kept in the arena (lib/core/network_state.hpp
// checks them against sizeof): an inference-only network's, and a trainable one's
// (parts, L-BFGS pair weights, buffer pointers).
inline constexpr std::size_t kInferenceStateBytes = 128;
inline constexpr std::size_t kTrainStateBytes = 3008;

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

// A byte range of the block; bytes == 0: the buffer is not needed.
struct Region {
  std::size_t offset = 0;
  std::size_t bytes = 0;
};

// The block of one Network, in the order setup() has always taken its buffers. Every
// region starts on a kAlignment boundary; all of them are zeroed at setup.
struct TrainLayout {
  bool valid = false;  // false for a structurally broken spec or batch size (total 0)
  Region parameters;
  // training only
  Region gradients;        // also part 0's partial gradient
  Region last_good;        // parameters at the end of the last good epoch
  Region moment1;          // momentum velocity, or Adam's first moment
  Region moment2;          // Adam's second moment
  Region lbfgs_s;          // L-BFGS: lbfgs_memory steps
  Region lbfgs_y;          // ... and as many gradient changes
  Region lbfgs_direction;  // search direction
  Region lbfgs_gradient;   // gradient at the iteration's start point
  Region partials;         // parts 1.. partial gradients, one parameter block each
  Region input_batch;      // gathered (shuffled) input batch
  Region noisy_batch;      // denoising: the corrupted copy
  Region activations[kMaxLayers];  // hidden layers' outputs (the output layer has none)
  // both: deltas when training, ping-pong activations in inference
  Region scratch[2];
  Region conv_scratch;          // one block per part when training; whole in inference
  std::size_t conv_part_bytes = 0;
  Region code_sums;             // KL: each part's code column sums, one block each
  Region rhohat;                // KL: mean code activations
  Region state;                 // the Network's internal state
  std::size_t total = 0;

  // Layout of a trainable network (and inference on the same object).
  static constexpr TrainLayout training(const NetworkSpec& spec, const TrainConfig& config) {
    TrainLayout t;
    if (spec.num_layers <= 0 || spec.num_layers > kMaxLayers || config.batch_size <= 0) return t;
    const std::int64_t batch = config.batch_size;
    const std::size_t params = float_bytes(spec.parameter_floats());
    const std::int32_t parts = batch_parts(config);
    t.parameters = t.place(params);
    t.gradients = t.place(params);
    t.last_good = t.place(params);
    if (optimizer_slots(config.optimizer) >= 1) t.moment1 = t.place(params);
    if (optimizer_slots(config.optimizer) >= 2) t.moment2 = t.place(params);
    if (config.optimizer == Optimizer::lbfgs && config.lbfgs_memory > 0) {
      const auto memory = static_cast<std::size_t>(config.lbfgs_memory);
      t.lbfgs_s = t.place(params * memory);
      t.lbfgs_y = t.place(params * memory);
      t.lbfgs_direction = t.place(params);
      t.lbfgs_gradient = t.place(params);
    }
    t.partials = t.place(params * static_cast<std::size_t>(parts - 1));
    t.input_batch = t.place(float_bytes(batch * spec.input.size()));
    if (config.noise_stddev > 0) t.noisy_batch = t.place(float_bytes(batch * spec.input.size()));
    for (std::int32_t l = 0; l + 1 < spec.num_layers; ++l) {
      t.activations[l] = t.place(float_bytes(batch * spec.layers[l].output.size()));
    }
    for (Region& r : t.scratch) r = t.place(float_bytes(batch * spec.max_width()));
    t.conv_scratch = t.place(conv_training_bytes(spec, config));
    t.conv_part_bytes = detail::conv_part_bytes(spec, config);
    if (config.sparsity_weight > 0) {
      const std::size_t code = float_bytes(spec.code_shape().size());
      t.code_sums = t.place(code * static_cast<std::size_t>(parts));
      t.rhohat = t.place(code);
    }
    t.state = t.place(kTrainStateBytes);
    t.valid = true;
    return t;
  }

  // Layout of an inference-only network on up to max_batch rows per internal step;
  // without own_parameters it reads the caller's (const) block and keeps none here.
  static constexpr TrainLayout inference(const NetworkSpec& spec, std::int32_t max_batch,
                                         bool own_parameters = true) {
    TrainLayout t;
    if (spec.num_layers <= 0 || spec.num_layers > kMaxLayers || max_batch <= 0) return t;
    if (own_parameters) t.parameters = t.place(float_bytes(spec.parameter_floats()));
    for (Region& r : t.scratch) r = t.place(float_bytes(std::int64_t{max_batch} * spec.max_width()));
    t.conv_scratch = t.place(float_bytes(conv::scratch_floats(spec, max_batch)));
    t.state = t.place(kInferenceStateBytes);
    t.valid = true;
    return t;
  }

 private:
  constexpr Region place(std::size_t bytes) {
    const Region r{total, bytes};
    total += bytes;
    return r;
  }
};

}  // namespace detail
}  // namespace tinyae
