// TrainConfig: loss, optimizer and schedule of a training run.
#pragma once

#include <cstdint>

#include "tinyae/status.hpp"

namespace tinyae {

// Per batch of B samples with D outputs each (a = output, y = target):
//   mse      (1/(B*D)) * sum (a - y)^2                      mean over all elements
//   half_sse (1/(2B))  * sum (a - y)^2                      UFLDL's (1/2N) sum ||x - x^||^2
//   bce      -(1/(B*D)) * sum y log a + (1-y) log(1-a)       needs a sigmoid output layer;
//            computed from the pre-activation, so it stays finite when a saturates
enum class Loss : std::uint8_t { mse, half_sse, bce };

// sgd:      w -= lr * g
// momentum: v = mu * v + g;  w -= lr * v                     (PyTorch's form)
// adam:     Kingma & Ba with bias correction
// lbfgs:    limited-memory BFGS on the full batch (batch_size >= rows), one iteration
//           per epoch, each with a line search that satisfies the strong Wolfe
//           conditions; learning_rate is ignored
enum class Optimizer : std::uint8_t { sgd, momentum, adam, lbfgs };

// Names: "mse", "half_sse", "bce".
Status parse_loss(const char* name, Loss* out);
const char* loss_name(Loss loss);
// Names: "sgd", "momentum", "adam", "lbfgs".
Status parse_optimizer(const char* name, Optimizer* out);
const char* optimizer_name(Optimizer optimizer);

struct TrainConfig {
  Loss loss = Loss::mse;
  Optimizer optimizer = Optimizer::adam;
  float learning_rate = 1e-3f;
  float momentum = 0.9f;
  float adam_beta1 = 0.9f;
  float adam_beta2 = 0.999f;
  float adam_epsilon = 1e-8f;
  // lambda of the L2 penalty (lambda/2) * sum ||W||^2 over weights, not biases.
  float weight_decay = 0.0f;
  // KL sparsity on the code layer (sigmoid): sparsity_weight * sum_j KL(rho || rhohat_j),
  // rho = sparsity_target, rhohat_j = mean activation of code unit j over the batch.
  // Off when sparsity_weight is 0.
  float sparsity_target = 0.05f;
  float sparsity_weight = 0.0f;
  // L1 activity penalty on the code layer: activity_l1 * (1/B) * sum |a| over the batch.
  float activity_l1 = 0.0f;
  // L-BFGS: number of correction pairs kept (memory: 2 * lbfgs_memory parameter blocks).
  std::int32_t lbfgs_memory = 10;
  // Samples per gradient step: 1 = per-sample SGD; the dataset size = full batch.
  // Also the largest batch the arena is sized for.
  std::int32_t batch_size = 32;
  // Each batch is split into this many fixed parts (fewer when the batch is smaller),
  // whose gradients are summed in a fixed order: the result does not depend on the
  // number of threads. Each part beyond the first needs a parameter-sized buffer.
  std::int32_t batch_parts = 4;
  // OpenMP threads working on the parts (0 = OpenMP's default). Ignored in builds
  // without OpenMP.
  std::int32_t threads = 0;
  std::int32_t epochs = 10;
  // Visit the samples in a new pseudo-random order each epoch.
  bool shuffle = true;
  // Denoising: when > 0, each input is x + noise_stddev * N(0, 1), drawn fresh for
  // every batch (the same bits on every ISA and thread count; see add_gaussian_noise),
  // and the target stays the clean x.
  float noise_stddev = 0.0f;
  // Clip noisy inputs to [0, 1] (for data scaled to that range, e.g. pixels / 255).
  bool clip_noisy_input = true;
  // Seeds the initial weights, the shuffles and the noise; same seed, same result.
  std::uint64_t seed = 1;
};

}  // namespace tinyae
