// NetworkSpec: validation of a spec, its layer shapes and offsets, and the names of
// its enums.
#include "tinyae/network_spec.hpp"

#include "tinyae/train_config.hpp"

namespace tinyae {
namespace {

bool equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// Keeps every buffer size far from size_t overflow, also on 32-bit targets.
constexpr std::int64_t kMaxTensorFloats = std::int64_t{1} << 28;

// The image layers' parameters, and output shapes that follow from their input.
Status validate_image_layer(const NetworkSpec& spec, std::int32_t l) {
  const LayerSpec& layer = spec.layers[l];
  const Shape in = spec.layer_input(l);
  const Shape& out = layer.output;
  switch (layer.kind) {
    case LayerKind::dense: return Status();
    case LayerKind::conv2d: {
      if (layer.kernel < 1 || layer.kernel > kMaxKernel || layer.stride < 1 ||
          layer.stride > kMaxStride ||
          static_cast<std::uint8_t>(layer.padding) > static_cast<std::uint8_t>(Padding::same)) {
        return Status::error(StatusCode::invalid_argument, "network spec: conv2d layer ", l,
                             " has kernel ", layer.kernel, " and stride ", layer.stride,
                             " (kernel 1 to ", kMaxKernel, ", stride 1 to ", kMaxStride, ")");
      }
      const std::int32_t h = conv_output_size(in.height, layer.kernel, layer.stride, layer.padding);
      const std::int32_t w = conv_output_size(in.width, layer.kernel, layer.stride, layer.padding);
      if (h < 1 || w < 1) {
        return Status::error(StatusCode::invalid_argument, "network spec: conv2d layer ", l,
                             ": a ", layer.kernel, "x", layer.kernel,
                             " kernel does not fit its ", in.height, "x", in.width,
                             " input without padding");
      }
      if (out.height != h || out.width != w || out.channels < 1) {
        return Status::error(StatusCode::invalid_argument, "network spec: conv2d layer ", l,
                             " has output ", out.channels, "x", out.height, "x", out.width,
                             "; its input and settings give ", h, "x", w);
      }
      return Status();
    }
    case LayerKind::max_pool2d:
      if (layer.kernel != 2 || layer.stride != 2 || layer.padding != Padding::same ||
          !(out == Shape{in.channels, (in.height + 1) / 2, (in.width + 1) / 2})) {
        return Status::error(StatusCode::invalid_argument, "network spec: max_pool2d layer ", l,
                             " must be 2x2, stride 2, same, giving ", in.channels, "x",
                             (in.height + 1) / 2, "x", (in.width + 1) / 2);
      }
      return Status();
    case LayerKind::resize:
      if (out.channels != in.channels) {
        return Status::error(StatusCode::invalid_argument, "network spec: resize layer ", l,
                             " changes the channels from ", in.channels, " to ", out.channels);
      }
      return Status();
  }
  return Status::error(StatusCode::invalid_argument, "network spec: layer ", l,
                       " has an unknown kind");
}

}  // namespace

const char* layer_kind_name(LayerKind kind) {
  switch (kind) {
    case LayerKind::dense: return "dense";
    case LayerKind::conv2d: return "conv2d";
    case LayerKind::max_pool2d: return "max_pool2d";
    case LayerKind::resize: return "resize";
  }
  return "unknown";
}

Status parse_activation(const char* name, Activation* out) {
  if (name == nullptr) name = "";
  if (equal(name, "identity") || equal(name, "linear")) {
    *out = Activation::identity;
  } else if (equal(name, "sigmoid")) {
    *out = Activation::sigmoid;
  } else if (equal(name, "tanh")) {
    *out = Activation::tanh;
  } else if (equal(name, "relu")) {
    *out = Activation::relu;
  } else {
    return Status::error(StatusCode::invalid_argument, "unknown activation '", name,
                         "' (expected identity, sigmoid, tanh or relu)");
  }
  return Status();
}

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::identity: return "identity";
    case Activation::sigmoid: return "sigmoid";
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
  }
  return "unknown";
}

Status parse_loss(const char* name, Loss* out) {
  if (name == nullptr) name = "";
  if (equal(name, "mse")) {
    *out = Loss::mse;
  } else if (equal(name, "half_sse")) {
    *out = Loss::half_sse;
  } else if (equal(name, "bce")) {
    *out = Loss::bce;
  } else {
    return Status::error(StatusCode::invalid_argument, "unknown loss '", name,
                         "' (expected mse, half_sse or bce)");
  }
  return Status();
}

const char* loss_name(Loss loss) {
  switch (loss) {
    case Loss::mse: return "mse";
    case Loss::half_sse: return "half_sse";
    case Loss::bce: return "bce";
  }
  return "unknown";
}

Status parse_optimizer(const char* name, Optimizer* out) {
  if (name == nullptr) name = "";
  if (equal(name, "sgd")) {
    *out = Optimizer::sgd;
  } else if (equal(name, "momentum")) {
    *out = Optimizer::momentum;
  } else if (equal(name, "adam")) {
    *out = Optimizer::adam;
  } else if (equal(name, "lbfgs")) {
    *out = Optimizer::lbfgs;
  } else {
    return Status::error(StatusCode::invalid_argument, "unknown optimizer '", name,
                         "' (expected sgd, momentum, adam or lbfgs)");
  }
  return Status();
}

const char* optimizer_name(Optimizer optimizer) {
  switch (optimizer) {
    case Optimizer::sgd: return "sgd";
    case Optimizer::momentum: return "momentum";
    case Optimizer::adam: return "adam";
    case Optimizer::lbfgs: return "lbfgs";
  }
  return "unknown";
}

Status validate(const NetworkSpec& spec) {
  if (spec.builder_error) {
    return Status::error(StatusCode::invalid_argument, "network spec: more than ", kMaxLayers,
                         " layers, or code() called before any layer");
  }
  const Shape& in = spec.input;
  if (in.channels <= 0 || in.height <= 0 || in.width <= 0) {
    return Status::error(StatusCode::invalid_argument, "network spec: input shape ",
                         in.channels, "x", in.height, "x", in.width,
                         " must be positive in every dimension");
  }
  if (spec.num_layers <= 0 || spec.num_layers > kMaxLayers) {
    return Status::error(StatusCode::invalid_argument, "network spec: needs 1 to ", kMaxLayers,
                         " layers, has ", spec.num_layers);
  }
  std::int64_t total = 0;
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const LayerSpec& layer = spec.layers[l];
    const Shape& out = layer.output;
    TINYAE_RETURN_IF_ERROR(validate_image_layer(spec, l));
    if (out.channels <= 0 || out.height <= 0 || out.width <= 0) {
      return Status::error(StatusCode::invalid_argument, "network spec: layer ", l,
                           " has output ", out.channels, "x", out.height, "x", out.width,
                           "; sizes must be positive");
    }
    if (static_cast<std::uint8_t>(layer.activation) > static_cast<std::uint8_t>(Activation::relu)) {
      return Status::error(StatusCode::invalid_argument, "network spec: layer ", l,
                           " has an unknown activation");
    }
    if (in.size() > kMaxTensorFloats || out.size() > kMaxTensorFloats ||
        spec.weight_count(l) > kMaxTensorFloats) {
      return Status::error(StatusCode::invalid_argument, "network spec: layer ", l,
                           " is too large (more than ", kMaxTensorFloats, " values)");
    }
    total += spec.weight_count(l);
  }
  if (total > kMaxTensorFloats) {
    return Status::error(StatusCode::invalid_argument, "network spec: ", total,
                         " weights in all, more than ", kMaxTensorFloats);
  }
  if (spec.code_layer < 0 || spec.code_layer >= spec.num_layers) {
    return Status::error(StatusCode::invalid_argument,
                         "network spec: no code layer; mark the bottleneck with .code()");
  }
  if (spec.output().size() != in.size()) {
    const Shape o = spec.output();
    return Status::error(StatusCode::invalid_argument, "network spec: output ", o.channels,
                         "x", o.height, "x", o.width, " differs from input ", in.channels, "x",
                         in.height, "x", in.width, "; an autoencoder reconstructs its input");
  }
  return Status();
}

}  // namespace tinyae
