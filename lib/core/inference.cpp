// Inference: layers run max_batch rows at a time, ping-ponging between the two scratch
// buffers, straight into the caller's output for the last layer. reconstruct, encode,
// decode and evaluate are thin checks around run_inference (lib/core/network.cpp).
#include "inference.hpp"

#include "../kernels/activation.hpp"
#include "../kernels/f32_kernels.hpp"
#include "conv_layers.hpp"
#include "loss.hpp"

namespace tinyae::detail {

void layer_forward(const ConstModel& m, std::int32_t l, std::int32_t rows, const float* x, float* y,
                   Activation act, float* conv_scratch) {
  const NetworkSpec& spec = m.spec;
  const kernels::F32Kernels& k = kernels::f32();
  const LayerSpec& layer = spec.layers[l];
  const Shape in = spec.layer_input(l);
  switch (layer.kind) {
    case LayerKind::dense: {
      const auto n_in = static_cast<std::int32_t>(in.size());
      const auto n_out = static_cast<std::int32_t>(layer.output.size());
      k.dense_forward(rows, n_out, n_in, x, n_in, m.weights(l), n_in, m.biases(l), act, y, n_out);
      return;
    }
    case LayerKind::conv2d:
      conv::conv2d_forward(k, conv::conv2d_geometry(spec, l), rows, x, m.weights(l), m.biases(l), act,
                           y, conv_scratch);
      return;
    case LayerKind::max_pool2d: conv::max_pool2d_forward(in, rows, x, y); return;
    case LayerKind::resize:
      conv::resize_nearest_forward(in, layer.output.height, layer.output.width, rows, x, y);
      return;
  }
}

void run_inference(const ConstModel& m, const float* data, const float* targets, std::int32_t rows,
                   std::int32_t first_layer, std::int32_t last_layer, float* out, Metrics* metrics) {
  const NetworkSpec& spec = m.spec;
  const std::int32_t max_batch = m.state.max_batch;
  const std::int32_t cols = static_cast<std::int32_t>(spec.input.size());
  const std::int64_t data_cols = spec.layer_input(first_layer).size();
  const auto out_size = static_cast<std::int32_t>(spec.layers[last_layer].output.size());
  const bool final_logits = last_layer == spec.num_layers - 1 && keeps_logits(spec);
  ErrorSums sums;
  for (std::int32_t start = 0; start < rows; start += max_batch) {
    const std::int32_t batch = rows - start < max_batch ? rows - start : max_batch;
    const float* a = data + start * data_cols;
    for (std::int32_t l = first_layer; l <= last_layer; ++l) {
      float* y = (l == last_layer && out != nullptr && !final_logits)
                     ? out + std::int64_t{start} * out_size
                     : m.state.scratch[l % 2];
      // The final sigmoid layer writes its logits; the activation follows from them.
      const Activation act = (l == last_layer && final_logits) ? Activation::identity
                                                               : spec.layers[l].activation;
      layer_forward(m, l, batch, a, y, act, m.state.conv_scratch);
      a = y;
    }
    const std::int64_t count = std::int64_t{batch} * out_size;
    if (final_logits && out != nullptr) {
      float* dst = out + std::int64_t{start} * out_size;
      for (std::int64_t i = 0; i < count; ++i) dst[i] = kernels::sigmoid(a[i]);
    }
    if (metrics != nullptr) {
      const Activation act = spec.layers[last_layer].activation;
      const float* y = targets + std::int64_t{start} * cols;
      if (final_logits) accumulate_errors(act, batch, out_size, nullptr, a, y, &sums);
      else accumulate_errors(act, batch, out_size, a, nullptr, y, &sums);
    }
  }
  if (metrics != nullptr) *metrics = make_metrics(m.config().loss, sums, out_size);
}

}  // namespace tinyae::detail
