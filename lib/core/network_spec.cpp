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

}  // namespace

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
