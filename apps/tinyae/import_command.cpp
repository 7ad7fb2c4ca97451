#include "import_command.hpp"

#include <cstdio>
#include <filesystem>
#include <vector>

#include "presets.hpp"
#include "tinyae/io.hpp"

namespace tinyae::cli {
namespace {

int fail(const Status& s) {
  std::fprintf(stderr, "tinyae: %s\n", s.message());
  return 1;
}

using Dims = std::vector<std::int64_t>;

std::string shape_text(const Dims& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + (d.size() == 1 ? ",)" : ")");
}

std::string layer_text(const NetworkSpec& spec, std::int32_t l) {
  const LayerSpec& layer = spec.layers[l];
  if (layer.kind == LayerKind::dense) {
    return "dense " + std::to_string(spec.layer_input(l).size()) + " -> " + std::to_string(layer.output.size());
  }
  return "conv2d " + std::to_string(layer.kernel) + "x" + std::to_string(layer.kernel) + ", " +
         std::to_string(spec.layer_input(l).channels) + " -> " + std::to_string(layer.output.channels) + " channels";
}

// A weight file shape a layer accepts, and for each axis of tinyae's layout (dense
// out, in; conv2d filters, ky, kx, c) the file's axis that holds it.
struct FileLayout {
  Dims shape;
  std::vector<std::size_t> axis_of;
};

std::vector<FileLayout> accepted(const NetworkSpec& spec, std::int32_t l, WeightLayout layout) {
  const std::int64_t out = spec.bias_count(l);
  const bool out_in = layout == WeightLayout::out_in;
  if (spec.layers[l].kind == LayerKind::dense) {
    const std::int64_t in = spec.layer_input(l).size();
    if (out_in) return {{{out, in}, {0, 1}}};
    return {{{in, out}, {1, 0}}};
  }
  const std::int64_t k = spec.layers[l].kernel;
  const std::int64_t c = spec.layer_input(l).channels;
  if (!out_in) return {{{k, k, c, out}, {3, 0, 1, 2}}};  // Keras (ky, kx, c, f)
  return {{{out, k * k * c}, {0, 1}},                      // tinyae's export
          {{out, c, k, k}, {0, 2, 3, 1}}};                 // PyTorch (f, c, ky, kx)
}

// values (C order, shape from.shape) reordered into tinyae's layout.
std::vector<float> reorder(const std::vector<float>& values, const FileLayout& from) {
  const std::size_t n = from.axis_of.size();
  std::vector<std::int64_t> stride(n, 1);  // the file's strides
  for (std::size_t a = n - 1; a > 0; --a) stride[a - 1] = stride[a] * from.shape[a];
  std::vector<float> out(values.size());
  std::vector<std::int64_t> index(n, 0);  // over tinyae's axes, last fastest
  for (float& v : out) {
    std::int64_t at = 0;
    for (std::size_t i = 0; i < n; ++i) at += index[i] * stride[from.axis_of[i]];
    v = values[static_cast<std::size_t>(at)];
    for (std::size_t i = n; i-- > 0;) {
      if (++index[i] < from.shape[from.axis_of[i]]) break;
      index[i] = 0;
    }
  }
  return out;
}

// Loads a float array (load_npy refuses NaN and Inf, naming the element).
Status load_values(const std::string& path, NpyArray* out) {
  NpyArray a;
  TINYAE_RETURN_IF_ERROR(load_npy(path, &a));
  if (a.item_bytes == 1) {
    return Status::error(StatusCode::invalid_argument, path.c_str(),
                         ": holds uint8 values; parameters must be float32 or float64");
  }
  *out = std::move(a);
  return Status();
}

const char* layout_name(WeightLayout layout) { return layout == WeightLayout::out_in ? "out-in" : "in-out"; }

// Rejects W<n>.npy and b<n>.npy files the spec has no place for: a typo or a
// different network is better caught than ignored.
Status check_extra_files(const std::string& dir, const NetworkSpec& spec) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 6 || (name[0] != 'W' && name[0] != 'b') || name.compare(name.size() - 4, 4, ".npy") != 0) {
      continue;
    }
    const std::string digits = name.substr(1, name.size() - 5);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
        (digits[0] == '0' && digits.size() > 1)) {
      continue;  // not a name export writes
    }
    const std::string path = (std::filesystem::path(dir) / name).string();
    if (digits.size() > 2 || std::stoi(digits) >= spec.num_layers) {
      return Status::error(StatusCode::invalid_argument, path.c_str(), ": the spec has layers 0 to ",
                           spec.num_layers - 1, " only");
    }
    const std::int32_t l = std::stoi(digits);
    if (spec.bias_count(l) == 0) {
      return Status::error(StatusCode::invalid_argument, path.c_str(), ": the spec's layer ", l, " is ",
                           layer_kind_name(spec.layers[l].kind), ", which has no parameters");
    }
  }
  if (error) return Status::error(StatusCode::io_error, dir.c_str(), ": cannot list the folder (", error.message().c_str(), ")");
  return Status();
}

}  // namespace

Status import_npy(const std::string& dir, WeightLayout layout, Network* net) {
  const NetworkSpec& spec = net->spec();
  if (!std::filesystem::is_directory(dir)) {
    return Status::error(StatusCode::io_error, dir.c_str(), ": not a folder");
  }
  TINYAE_RETURN_IF_ERROR(check_extra_files(dir, spec));
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    if (spec.bias_count(l) == 0) continue;  // pooling and resizing
    const std::string w_path = (std::filesystem::path(dir) / ("W" + std::to_string(l) + ".npy")).string();
    const std::string b_path = (std::filesystem::path(dir) / ("b" + std::to_string(l) + ".npy")).string();
    const std::vector<FileLayout> shapes = accepted(spec, l, layout);
    std::string wanted;
    for (const FileLayout& f : shapes) wanted += (wanted.empty() ? "" : " or ") + shape_text(f.shape);
    const std::string needs = "the spec's layer " + std::to_string(l) + " (" + layer_text(spec, l) + ") needs ";
    const Dims bias_shape{spec.bias_count(l)};
    const std::string with_layout = std::string(" with --layout ") + layout_name(layout);
    if (!std::filesystem::exists(w_path)) {
      return Status::error(StatusCode::io_error, w_path.c_str(), " is missing: ", needs.c_str(), wanted.c_str(),
                           with_layout.c_str());
    }
    if (!std::filesystem::exists(b_path)) {
      return Status::error(StatusCode::io_error, b_path.c_str(), " is missing: ", needs.c_str(),
                           shape_text(bias_shape).c_str());
    }
    NpyArray w;
    NpyArray b;
    TINYAE_RETURN_IF_ERROR(load_values(w_path, &w));
    const FileLayout* match = nullptr;
    for (const FileLayout& f : shapes) {
      if (f.shape == w.shape) match = &f;
    }
    if (match == nullptr) {
      return Status::error(StatusCode::invalid_argument, w_path.c_str(), " has shape ", shape_text(w.shape).c_str(),
                           "; ", needs.c_str(), wanted.c_str(), with_layout.c_str());
    }
    TINYAE_RETURN_IF_ERROR(load_values(b_path, &b));
    if (b.shape != bias_shape) {
      return Status::error(StatusCode::invalid_argument, b_path.c_str(), " has shape ", shape_text(b.shape).c_str(),
                           "; ", needs.c_str(), shape_text(bias_shape).c_str());
    }
    const std::vector<float> weights = reorder(w.values, *match);
    TINYAE_RETURN_IF_ERROR(net->set_layer(l, weights.data(), static_cast<std::int64_t>(weights.size()),
                                          b.values.data(), static_cast<std::int64_t>(b.values.size())));
  }
  return Status();
}

ImportCommand::ImportCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("import", "build a model file from NumPy weights (tinyae export --npy, PyTorch, Keras)");
  cmd_->add_option("--npy", npy_, "folder with W<layer>.npy and b<layer>.npy for every dense and conv layer")
      ->required();
  cmd_->add_option("--layers", layers_, "the network, as train --layers takes it");
  cmd_->add_option("--preset", preset_, "or a preset's network");
  cmd_->add_option("--layout", layout_,
                   "out-in: dense (out, in), conv (filters, k*k*channels) as exported or (filters, channels, k, k) "
                   "as PyTorch; in-out: dense (in, out), conv (k, k, channels, filters) as Keras")
      ->capture_default_str()
      ->check(CLI::IsMember({"out-in", "in-out"}));
  cmd_->add_option("--out", out_, "model file to write")->required();
}

int ImportCommand::run() {
  if (layers_.empty() == preset_.empty()) {
    return fail(Status::error(StatusCode::invalid_argument, "import: give the network as --layers or --preset"));
  }
  NetworkSpec spec;
  Status s;
  if (!layers_.empty()) {
    s = parse_layers(layers_, &spec);
  } else {
    Preset p;
    s = find_preset(preset_, &p);
    spec = p.spec;
  }
  if (!s.ok()) return fail(s);
  const WeightLayout layout = layout_ == "in-out" ? WeightLayout::in_out : WeightLayout::out_in;
  ArenaBuffer memory;
  Network net;
  s = memory.allocate(arena_bytes(spec, 1));
  if (s.ok()) s = net.setup(spec, 1, memory.arena());
  if (s.ok()) s = import_npy(npy_, layout, &net);
  if (s.ok()) s = save_model(out_, net);  // only once every array is in
  if (!s.ok()) return fail(s);
  std::int32_t arrays = 0;
  for (std::int32_t l = 0; l < spec.num_layers; ++l) arrays += spec.bias_count(l) > 0 ? 1 : 0;
  std::printf("wrote %s: %s, %lld parameters from %d weight and %d bias arrays (--layout %s)\n", out_.c_str(),
              describe(spec).c_str(), static_cast<long long>(spec.parameter_count()), arrays, arrays,
              layout_name(layout));
  return 0;
}

}  // namespace tinyae::cli
