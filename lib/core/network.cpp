// Network: setting up its arena block (TrainLayout) and its state, and the public
// methods, each a check of its arguments around the code that does the work:
// trainer.cpp (fit), train_step.cpp (one batch), lbfgs.cpp, inference.cpp.
#include "tinyae/network.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "../kernels/f32_kernels.hpp"
#include "inference.hpp"
#include "network_state.hpp"
#include "random.hpp"
#include "train_step.hpp"
#include "trainer.hpp"
#include "validate.hpp"

namespace tinyae {

// The state blocks fit the space the layout keeps for them.
static_assert(sizeof(detail::NetworkState) <= detail::kInferenceStateBytes,
              "raise kInferenceStateBytes in tinyae/train_layout.hpp");
static_assert(sizeof(detail::TrainingBlock) <= detail::kTrainStateBytes,
              "raise kTrainStateBytes in tinyae/train_layout.hpp");
static_assert(alignof(detail::TrainingBlock) <= kAlignment, "state blocks start on kAlignment");

namespace {

Status check_arena(std::size_t need, const Arena& arena) {
  if (need > arena.available()) {
    return Status::error(StatusCode::arena_too_small, "arena too small for this network: needs ",
                         need, " bytes, available ", arena.available(), ", missing ",
                         need - arena.available());
  }
  return Status();
}

// Rows x cols finite floats for net, cols = the input width of layer first_layer.
Status check_data(const Network& net, const float* data, std::int32_t rows, std::int32_t cols,
                  std::int32_t first_layer = 0) {
  return detail::check_rows(net.spec(), net.parameters() != nullptr, data, rows, cols, first_layer);
}

// The layout's block, zeroed, from the arena.
Status take_block(Arena& arena, const detail::TrainLayout& layout, unsigned char** block) {
  TINYAE_RETURN_IF_ERROR(check_arena(layout.total, arena));
  void* memory = nullptr;
  TINYAE_RETURN_IF_ERROR(arena.allocate(layout.total, &memory));
  *block = static_cast<unsigned char*>(memory);
  std::memset(*block, 0, layout.total);
  return Status();
}

// Glorot uniform U(-r, r), r = sqrt(6 / (fan_in + fan_out)); biases and padding zero.
void glorot_init(const NetworkSpec& spec, std::uint64_t seed, float* parameters) {
  for (std::int64_t i = 0; i < spec.parameter_floats(); ++i) parameters[i] = 0.0f;
  Pcg32 rng(seed, kStreamInit);
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const float r = std::sqrt(6.0f / static_cast<float>(spec.fan_in(l) + spec.fan_out(l)));
    float* w = parameters + spec.weight_offset(l);
    for (std::int64_t i = 0; i < spec.weight_count(l); ++i) {
      w[i] = (2.0f * rng.next_float() - 1.0f) * r;
    }
  }
}

// A caller's block of `floats` values for spec's parameters.
Status check_parameter_block(const NetworkSpec& spec, const void* block, std::int64_t floats) {
  if (block == nullptr) return Status::error(StatusCode::invalid_argument, "parameter block is null");
  if (floats != spec.parameter_floats()) {
    return Status::error(StatusCode::invalid_argument, "parameter block has ", floats,
                         " floats, the spec needs parameter_floats() = ", spec.parameter_floats(),
                         " (", spec.parameter_count(), " values and padding)");
  }
  if (reinterpret_cast<std::uintptr_t>(block) % alignof(float) != 0) {
    return Status::error(StatusCode::invalid_argument, "parameter block is not float-aligned");
  }
  return Status();
}

// A buffer every network of the layout has (possibly of size 0).
float* at(unsigned char* block, const detail::Region& r) {
  return reinterpret_cast<float*>(block + r.offset);
}
// A buffer the config may not need: null then.
float* optional(unsigned char* block, const detail::Region& r) {
  return r.bytes > 0 ? at(block, r) : nullptr;
}

}  // namespace

void add_gaussian_noise(const float* clean, std::int64_t n, float stddev, bool clip,
                        std::uint64_t seed, float* noisy) {
  Pcg32 rng(seed, kStreamNoise);
  kernels::f32().add_noise(n, clean, stddev, clip, detail::noise_key(&rng), 0, noisy);
}

Status init_parameters(const NetworkSpec& spec, std::uint64_t seed, float* out, std::int64_t floats) {
  TINYAE_RETURN_IF_ERROR(validate(spec));
  TINYAE_RETURN_IF_ERROR(check_parameter_block(spec, out, floats));
  glorot_init(spec, seed, out);
  return Status();
}

Status Network::setup(const NetworkSpec& spec, const TrainConfig& config, Arena& arena) {
  *this = Network();
  TINYAE_RETURN_IF_ERROR(kernels::forced_isa_status());
  TINYAE_RETURN_IF_ERROR(validate(spec));
  TINYAE_RETURN_IF_ERROR(detail::validate_config(spec, config));
  const detail::TrainLayout layout = detail::TrainLayout::training(spec, config);
  unsigned char* block = nullptr;
  TINYAE_RETURN_IF_ERROR(take_block(arena, layout, &block));

  auto* state = reinterpret_cast<detail::TrainingBlock*>(block + layout.state.offset);
  detail::NetworkState& net = state->network;
  detail::TrainState& t = state->train;
  net.config = config;
  net.max_batch = config.batch_size;
  net.all_dense = spec.all_dense();
  net.train = &t;
  t.threads = 1;
  t.lbfgs.newest = -1;
  for (int i = 0; i < 2; ++i) net.scratch[i] = at(block, layout.scratch[i]);
  net.conv_scratch = optional(block, layout.conv_scratch);
  net.conv_part_floats = layout.conv_part_bytes / sizeof(float);
  t.gradients = at(block, layout.gradients);
  t.last_good = at(block, layout.last_good);
  t.moment1 = optional(block, layout.moment1);
  t.moment2 = optional(block, layout.moment2);
  t.lbfgs.s = optional(block, layout.lbfgs_s);
  t.lbfgs.y = optional(block, layout.lbfgs_y);
  t.lbfgs.direction = optional(block, layout.lbfgs_direction);
  t.lbfgs.gradient = optional(block, layout.lbfgs_gradient);
  t.partials = at(block, layout.partials);
  t.partial_stride = static_cast<std::int64_t>(layout.gradients.bytes / sizeof(float));
  t.input_batch = at(block, layout.input_batch);
  t.noisy_batch = optional(block, layout.noisy_batch);
  for (std::int32_t l = 0; l + 1 < spec.num_layers; ++l) t.activations[l] = at(block, layout.activations[l]);
  t.code_sums = optional(block, layout.code_sums);
  t.code_stride = static_cast<std::int64_t>(layout.rhohat.bytes / sizeof(float));
  t.rhohat = optional(block, layout.rhohat);
  spec_ = spec;
  writable_ = at(block, layout.parameters);
  parameters_ = writable_;
  state_ = &net;
  detail::start_threads(detail::Model{spec_, writable_, *state_});
  glorot_init(spec, config.seed, writable_);
  detail::copy(writable_, spec.parameter_floats(), t.last_good);
  return Status();
}

Status Network::setup(const NetworkSpec& spec, std::int32_t max_batch, Arena& arena) {
  return setup_inference(spec, nullptr, max_batch, arena);
}

Status Network::setup(const NetworkSpec& spec, const float* parameters, std::int64_t floats,
                      std::int32_t max_batch, Arena& arena) {
  *this = Network();
  TINYAE_RETURN_IF_ERROR(validate(spec));
  TINYAE_RETURN_IF_ERROR(check_parameter_block(spec, parameters, floats));
  for (std::int64_t i = 0; i < floats; ++i) {
    if (!std::isfinite(parameters[i])) {
      return Status::error(StatusCode::non_finite, "parameter ", i, " of the block is ", parameters[i]);
    }
  }
  return setup_inference(spec, parameters, max_batch, arena);
}

Status Network::setup_inference(const NetworkSpec& spec, const float* parameters,
                                std::int32_t max_batch, Arena& arena) {
  *this = Network();
  TINYAE_RETURN_IF_ERROR(kernels::forced_isa_status());
  TINYAE_RETURN_IF_ERROR(validate(spec));
  if (max_batch < 1) {
    return Status::error(StatusCode::invalid_argument, "max batch must be at least 1, got ",
                         max_batch);
  }
  const detail::TrainLayout layout =
      detail::TrainLayout::inference(spec, max_batch, parameters == nullptr);
  unsigned char* block = nullptr;
  TINYAE_RETURN_IF_ERROR(take_block(arena, layout, &block));
  auto* net = reinterpret_cast<detail::NetworkState*>(block + layout.state.offset);
  net->config = TrainConfig();
  net->config.loss = Loss::mse;
  net->max_batch = max_batch;
  net->all_dense = spec.all_dense();
  for (int i = 0; i < 2; ++i) net->scratch[i] = at(block, layout.scratch[i]);
  net->conv_scratch = optional(block, layout.conv_scratch);
  spec_ = spec;
  writable_ = parameters == nullptr ? at(block, layout.parameters) : nullptr;
  parameters_ = parameters == nullptr ? writable_ : parameters;
  state_ = net;
  return Status();
}

bool Network::trainable() const { return state_ != nullptr && state_->train != nullptr; }

const float* Network::gradients() const { return trainable() ? state_->train->gradients : nullptr; }

Status Network::set_layer(std::int32_t layer, const float* weights, std::int64_t weight_count,
                          const float* bias, std::int64_t bias_count) {
  if (parameters_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, "set_layer: the network is not set up");
  }
  if (read_only()) {
    return Status::error(StatusCode::invalid_argument,
                         "set_layer: the network reads a const parameter block it never writes");
  }
  if (layer < 0 || layer >= spec_.num_layers) {
    return Status::error(StatusCode::invalid_argument, "set_layer: no layer ", layer,
                         " (the network has layers 0 to ", spec_.num_layers - 1, ")");
  }
  const std::int64_t nw = spec_.weight_count(layer);
  const std::int64_t nb = spec_.bias_count(layer);
  if (nb == 0) {
    return Status::error(StatusCode::invalid_argument, "set_layer: layer ", layer, " (",
                         layer_kind_name(spec_.layers[layer].kind), ") has no parameters");
  }
  if (weight_count != nw || bias_count != nb) {
    return Status::error(StatusCode::invalid_argument, "set_layer: layer ", layer, " (",
                         layer_kind_name(spec_.layers[layer].kind), ") takes ", nw,
                         " weights and ", nb, " biases, got ", weight_count, " and ", bias_count);
  }
  if (weights == nullptr || bias == nullptr) {
    return Status::error(StatusCode::invalid_argument, "set_layer: weights or bias is null");
  }
  for (std::int64_t i = 0; i < nw + nb; ++i) {
    const float v = i < nw ? weights[i] : bias[i - nw];
    if (!std::isfinite(v)) {
      return Status::error(StatusCode::non_finite, "set_layer: layer ", layer,
                           i < nw ? " weight " : " bias ", i < nw ? i : i - nw, " is ", v);
    }
  }
  detail::copy(weights, nw, this->weights(layer));
  detail::copy(bias, nb, biases(layer));
  return Status();
}

Status Network::set_parameters(const float* block, std::int64_t floats) {
  if (writable_ == nullptr) {
    return Status::error(StatusCode::invalid_argument, parameters_ == nullptr
                                                           ? "set_parameters: network is not set up"
                                                           : "set_parameters: the network's parameters are read-only");
  }
  if (block == nullptr) return Status::error(StatusCode::invalid_argument, "set_parameters: block is null");
  if (floats != spec_.parameter_floats()) {
    return Status::error(StatusCode::invalid_argument, "set_parameters: the block has ", floats,
                         " floats; the spec's parameter_floats() is ", spec_.parameter_floats());
  }
  for (std::int64_t i = 0; i < floats; ++i) {
    if (!std::isfinite(block[i])) {
      return Status::error(StatusCode::non_finite, "set_parameters: float ", i, " of the block is ", block[i]);
    }
  }
  detail::copy(block, floats, writable_);
  return Status();
}

Status Network::fit(const float* data, std::int32_t rows, std::int32_t cols,
                    EpochCallback callback, void* user, ProgressCallback progress) {
  if (parameters_ != nullptr && !trainable()) {
    return Status::error(StatusCode::invalid_argument,
                         "network was set up for inference only; set it up with a TrainConfig");
  }
  TINYAE_RETURN_IF_ERROR(check_data(*this, data, rows, cols));
  detail::TrainCallbacks callbacks;
  callbacks.epoch = callback;
  callbacks.progress = progress;
  callbacks.user = user;
  return detail::fit_rows(detail::Model{spec_, writable_, *state_}, data, rows, callbacks);
}

Status Network::fit(BatchStream& stream, EpochCallback callback, void* user,
                    ProgressCallback progress) {
  if (state_ == nullptr) return Status::error(StatusCode::invalid_argument, "network is not set up");
  if (!trainable()) {
    return Status::error(StatusCode::invalid_argument,
                         "network was set up for inference only; set it up with a TrainConfig");
  }
  detail::TrainCallbacks callbacks;
  callbacks.epoch = callback;
  callbacks.progress = progress;
  callbacks.user = user;
  return detail::fit_stream(detail::Model{spec_, writable_, *state_}, stream, callbacks);
}

Status Network::compute_gradient(const float* data, std::int32_t rows, std::int32_t cols,
                                 double* objective) {
  if (parameters_ != nullptr && !trainable()) {
    return Status::error(StatusCode::invalid_argument, "network was set up for inference only");
  }
  const std::int32_t max_batch = state_ != nullptr ? state_->max_batch : 0;
  if (rows > max_batch) {
    return Status::error(StatusCode::invalid_argument, "compute_gradient: ", rows,
                         " rows exceed the batch size ", max_batch,
                         " the arena was sized for");
  }
  TINYAE_RETURN_IF_ERROR(check_data(*this, data, rows, cols));
  double sse = 0;
  *objective = detail::full_batch_objective(detail::Model{spec_, writable_, *state_}, data, rows, &sse);
  return Status();
}

Status Network::reconstruct(const float* data, std::int32_t rows, std::int32_t cols, float* out) {
  TINYAE_RETURN_IF_ERROR(check_data(*this, data, rows, cols));
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "output is null");
  detail::run_inference(detail::ConstModel{spec_, parameters_, *state_}, data, data, rows, 0, spec_.num_layers - 1, out, nullptr);
  return Status();
}

Status Network::encode(const float* data, std::int32_t rows, std::int32_t cols, float* code) {
  TINYAE_RETURN_IF_ERROR(check_data(*this, data, rows, cols));
  if (code == nullptr) return Status::error(StatusCode::invalid_argument, "code output is null");
  detail::run_inference(detail::ConstModel{spec_, parameters_, *state_}, data, data, rows, 0, spec_.code_layer, code, nullptr);
  return Status();
}

Status Network::decode(const float* code, std::int32_t rows, std::int32_t cols, float* out) {
  if (spec_.code_layer < 0 || spec_.code_layer + 1 >= spec_.num_layers) {
    return Status::error(StatusCode::invalid_argument, "the network has no decoder after a code layer");
  }
  TINYAE_RETURN_IF_ERROR(check_data(*this, code, rows, cols, spec_.code_layer + 1));
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "output is null");
  detail::run_inference(detail::ConstModel{spec_, parameters_, *state_}, code, nullptr, rows, spec_.code_layer + 1, spec_.num_layers - 1, out, nullptr);
  return Status();
}

Status Network::layer_output(const float* data, std::int32_t rows, std::int32_t cols,
                             std::int32_t layer, float* out) {
  TINYAE_RETURN_IF_ERROR(check_data(*this, data, rows, cols));
  if (layer < 0 || layer >= spec_.num_layers) {
    return Status::error(StatusCode::invalid_argument, "layer ", layer, " is not in 0 .. ",
                         spec_.num_layers - 1);
  }
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "output is null");
  detail::run_inference(detail::ConstModel{spec_, parameters_, *state_}, data, data, rows, 0, layer, out, nullptr);
  return Status();
}

Status Network::evaluate(const float* data, std::int32_t rows, std::int32_t cols, Metrics* out,
                         const float* targets) {
  TINYAE_RETURN_IF_ERROR(check_data(*this, data, rows, cols));
  if (targets != nullptr) TINYAE_RETURN_IF_ERROR(check_data(*this, targets, rows, cols));
  if (out == nullptr) return Status::error(StatusCode::invalid_argument, "metrics output is null");
  detail::run_inference(detail::ConstModel{spec_, parameters_, *state_}, data, targets != nullptr ? targets : data, rows, 0, spec_.num_layers - 1,
                       nullptr, out);
  return Status();
}

}  // namespace tinyae
