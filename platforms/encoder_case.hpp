// The float-encoder case that the firmware and the host reference both run: the
// mnist-dense network (784-32-784, ReLU code, sigmoid output) with its seeded Glorot
// initial weights, encoding a few deterministic 28x28 inputs. The weights come from
// Network::setup (PCG32, the same on every platform), so both sides compute them
// independently; only the float arithmetic (summation order, FMA) may differ.
#pragma once

#include <cstdint>

#include "tinyae/tinyae.hpp"

namespace fw {

inline constexpr tinyae::NetworkSpec kEncoderSpec = tinyae::reference::kMnistDense;

// Plain SGD and batch 1 keep the arena smallest (no optimizer state); only the seed
// matters for the weights.
constexpr tinyae::TrainConfig encoder_config() {
  tinyae::TrainConfig c;
  c.loss = tinyae::Loss::bce;
  c.optimizer = tinyae::Optimizer::sgd;
  c.learning_rate = 0.01f;
  c.batch_size = 1;
  c.epochs = 1;
  c.seed = 2026;
  return c;
}
inline constexpr tinyae::TrainConfig kEncoderConfig = encoder_config();

inline constexpr int kEncoderInputs = 4;
inline constexpr int kInputSize = 784;
inline constexpr int kCodeSize = 32;

// Input `sample`: a 28x28 image in [0, 1] with a blob, a stripe pattern and a gradient
// that differ per sample. Integer arithmetic, then one exact-rounded division: the
// same floats everywhere.
inline void encoder_input(int sample, float* x) {
  const int cy = 8 + 4 * sample;
  const int cx = 20 - 3 * sample;
  for (int r = 0; r < 28; ++r) {
    for (int c = 0; c < 28; ++c) {
      const int d2 = (r - cy) * (r - cy) + (c - cx) * (c - cx);
      int v = d2 < 40 ? 255 - 5 * d2 : 0;                      // blob
      if ((r + (sample + 1) * c) % (5 + sample) == 0) v += 96;  // stripes
      v += (r * 28 + c) * (sample + 1) % 64;                   // gradient
      x[r * 28 + c] = static_cast<float>(v > 255 ? 255 : v) / 255.0f;
    }
  }
}

// Codes agree when |device - host| <= kAbsTolerance + kRelTolerance * |host|. A code
// is ReLU(b + sum of 784 products) with |w| <= sqrt(6/816) ~ 0.086 and x in [0, 1];
// reordering such a float sum changes it by a few 1e-6 (about sqrt(784) * 2^-24 *
// sum |w x|), so 1e-4 leaves a wide margin while catching any wrong weight or input.
inline constexpr double kAbsTolerance = 1e-4;
inline constexpr double kRelTolerance = 1e-4;

// Encodes every input with net (set up with kEncoderSpec), the first one 1 + `extra`
// times (instruction counts take the difference), and calls emit(sample, code) after
// each. Returns the first failure.
template <class Emit>
tinyae::Status run_encoder(tinyae::Network& net, long extra, Emit emit) {
  float input[kInputSize];
  float code[kCodeSize];
  for (int sample = 0; sample < kEncoderInputs; ++sample) {
    encoder_input(sample, input);
    const long repeats = sample == 0 ? 1 + extra : 1;
    for (long r = 0; r < repeats; ++r) {
      TINYAE_RETURN_IF_ERROR(net.encode(input, 1, kInputSize, code));
    }
    emit(sample, static_cast<const float*>(code));
  }
  return tinyae::Status();
}

// The same on the network built from spec and seed in `arena`
// (arena_bytes(kEncoderSpec, kEncoderConfig) bytes).
template <class Emit>
tinyae::Status run_encoder(tinyae::Arena& arena, long extra, Emit emit) {
  tinyae::Network net;
  TINYAE_RETURN_IF_ERROR(net.setup(kEncoderSpec, kEncoderConfig, arena));
  return run_encoder(net, extra, emit);
}

}  // namespace fw
