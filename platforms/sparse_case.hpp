// The on-device training case that the Cortex-M firmware (tinyae_fw_train_sparse) and
// the host reference (sparse_reference) both run: UFLDL's KL-sparse 64-25-64 sigmoid
// autoencoder (rho 0.01, beta 3, lambda 1e-4, half the summed squared error) on the
// 10000 whitened 8x8 patches of ../shared/data/patches, mini-batches of 32 streamed in
// file order (the patches were sampled at random positions, so the file is already
// shuffled), Adam. Both sides set up the same seeded weights and read the same batches;
// only the float arithmetic (summation order, FMA contraction) differs.
#pragma once

#include "tinyae/tinyae.hpp"

namespace fw {

inline constexpr tinyae::NetworkSpec kSparseSpec = tinyae::NetworkSpec(tinyae::Shape::vector(64))
                                                       .dense(25, tinyae::Activation::sigmoid)
                                                       .code()
                                                       .dense(64, tinyae::Activation::sigmoid);

inline constexpr int kSparseRows = 10000;
inline constexpr int kSparseCols = 64;

constexpr tinyae::TrainConfig sparse_config(int epochs) {
  tinyae::TrainConfig c;
  c.loss = tinyae::Loss::half_sse;
  c.optimizer = tinyae::Optimizer::adam;
  c.learning_rate = 0.01f;
  c.batch_size = 32;
  c.batch_parts = 1;  // one core: no partial gradients to keep
  c.epochs = epochs;
  c.shuffle = false;  // the stream's order
  c.sparsity_target = 0.01f;
  c.sparsity_weight = 3.0f;
  c.weight_decay = 1e-4f;
  c.seed = 1;
  return c;
}

}  // namespace fw
