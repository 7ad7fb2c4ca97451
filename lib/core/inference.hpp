// Forward passes without training (lib/core/inference.cpp).
#pragma once

#include <cstdint>

#include "network_state.hpp"

namespace tinyae::detail {

// Layer l on rows samples: y = layer(x) with activation act (the layer's own, or
// identity for logits). Training's forward pass uses it too.
void layer_forward(const ConstModel& model, std::int32_t l, std::int32_t rows, const float* x, float* y,
                   Activation act, float* conv_scratch);

// Layers first_layer .. last_layer on data (rows x that first layer's input width),
// max_batch rows at a time: the last layer's output into out (null: not kept), and
// its errors against targets (rows x input size) into metrics (null: not measured).
void run_inference(const ConstModel& model, const float* data, const float* targets, std::int32_t rows,
                   std::int32_t first_layer, std::int32_t last_layer, float* out, Metrics* metrics);

}  // namespace tinyae::detail
