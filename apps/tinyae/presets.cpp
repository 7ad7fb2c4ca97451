#include "presets.hpp"

#include <cstdlib>
#include <sstream>

namespace tinyae::cli {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Status parse_int(const std::string& text, std::int32_t* out) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 1 || v > (1 << 24)) {
    return Status::error(StatusCode::invalid_argument, "'", text.c_str(),
                         "' is not a size from 1 to 16777216");
  }
  *out = static_cast<std::int32_t>(v);
  return Status();
}

}  // namespace

Status find_preset(const std::string& name, Preset* out) {
  Preset p;
  p.name = name;
  if (name == "identity-838") {
    p.spec = reference::kIdentity838;
    p.config = reference::identity838_config();
  } else if (name == "digits-deep") {
    p.spec = reference::kDigitsDeep;
    p.config = reference::digits_deep_config();
    p.train_data = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
    p.columns = 64;
    p.scale = 1.0f / 16.0f;
    p.holdout = 5;
  } else if (name == "mnist-dense") {
    p.spec = reference::kMnistDense;
    p.config = reference::mnist_dense_config();
    p.train_data = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    p.test_data = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  } else if (name == "mnist-conv") {
    p.spec = reference::kMnistConv;
    p.config = reference::mnist_conv_config();
    p.train_data = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    p.test_data = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  } else if (name == "sparse-patches") {
    p.spec = reference::kSparsePatches;
    p.config = reference::sparse_patches_config();
    p.patch_size = 16;
  } else {
    return Status::error(StatusCode::invalid_argument, "unknown preset '", name.c_str(),
                         "' (known: identity-838, sparse-patches, digits-deep, mnist-dense, mnist-conv)");
  }
  *out = p;
  return Status();
}

Status parse_layers(const std::string& text, NetworkSpec* out) {
  std::vector<std::string> items;
  std::stringstream all(text);
  for (std::string item; std::getline(all, item, ',');) items.push_back(item);
  if (items.size() < 2) {
    return Status::error(StatusCode::invalid_argument, "--layers '", text.c_str(),
                         "': give the input size and at least one layer, e.g. 784,32:relu:code,784:sigmoid");
  }
  Shape input{1, 1, 1};
  std::stringstream dims(items[0]);
  std::vector<std::int32_t> sizes;
  for (std::string d; std::getline(dims, d, 'x');) {
    std::int32_t v = 0;
    TINYAE_RETURN_IF_ERROR(parse_int(d, &v));
    sizes.push_back(v);
  }
  if (sizes.size() == 1) input = Shape::vector(sizes[0]);
  else if (sizes.size() == 3) input = Shape{sizes[0], sizes[1], sizes[2]};
  else return Status::error(StatusCode::invalid_argument, "--layers: input '", items[0].c_str(), "' must be N or CxHxW");
  NetworkSpec spec(input);
  for (std::size_t i = 1; i < items.size(); ++i) {
    std::stringstream parts(items[i]);
    std::vector<std::string> fields;
    for (std::string f; std::getline(parts, f, ':');) fields.push_back(f);
    std::int32_t units = 0;
    TINYAE_RETURN_IF_ERROR(parse_int(fields.empty() ? "" : fields[0], &units));
    Activation act = Activation::identity;
    bool code = false;
    for (std::size_t f = 1; f < fields.size(); ++f) {
      if (fields[f] == "code") code = true;
      else TINYAE_RETURN_IF_ERROR(parse_activation(fields[f].c_str(), &act));
    }
    spec = spec.dense(units, act);
    if (code) spec = spec.code();
  }
  TINYAE_RETURN_IF_ERROR(validate(spec));
  *out = spec;
  return Status();
}

std::string describe(const NetworkSpec& spec) {
  std::ostringstream s;
  const Shape& in = spec.input;
  if (in.height == 1 && in.width == 1) s << in.channels;
  else s << in.channels << "x" << in.height << "x" << in.width;
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const LayerSpec& layer = spec.layers[l];
    s << ",";
    switch (layer.kind) {
      case LayerKind::dense: s << layer.output.size(); break;
      case LayerKind::conv2d:
        s << "conv" << layer.output.channels << "k" << layer.kernel;
        if (layer.stride != 1) s << "s" << layer.stride;
        s << (layer.padding == Padding::same ? "same" : "valid");
        break;
      case LayerKind::max_pool2d: s << "pool"; break;
      case LayerKind::resize: s << "resize" << layer.output.height << "x" << layer.output.width; break;
    }
    if (layer.kind == LayerKind::dense || layer.kind == LayerKind::conv2d) {
      s << ":" << activation_name(layer.activation);
    }
    if (l == spec.code_layer) s << ":code";
  }
  return s.str();
}

Status load_rows(const std::string& path, std::int32_t columns, float scale, Matrix* out,
                 std::int32_t patch_size) {
  if (patch_size > 0) {
    Patches patches;
    TINYAE_RETURN_IF_ERROR(read_patches(path, patch_size, reference::kSparsePatchCount, 1, &patches));
    *out = std::move(patches.values);
    return Status();
  }
  Matrix m;
  if (ends_with(path, ".csv") || ends_with(path, ".csv.gz")) {
    TINYAE_RETURN_IF_ERROR(load_csv(path, &m));
  } else if (ends_with(path, ".npy")) {
    NpyArray a;
    TINYAE_RETURN_IF_ERROR(load_npy(path, &a));
    if (a.shape.size() < 2 || a.shape[0] > 0x7fffffff ||
        static_cast<std::int64_t>(a.values.size()) / a.shape[0] > 0x7fffffff) {
      return Status::error(StatusCode::invalid_argument, path.c_str(),
                           ": expected an array of samples (2 or more dimensions)");
    }
    m.rows = static_cast<std::int32_t>(a.shape[0]);
    m.cols = static_cast<std::int32_t>(static_cast<std::int64_t>(a.values.size()) / a.shape[0]);
    m.values = std::move(a.values);
  } else {
    TINYAE_RETURN_IF_ERROR(load_idx_images(path, &m));
  }
  if (columns > 0 && columns != m.cols) {
    if (columns > m.cols) {
      return Status::error(StatusCode::invalid_argument, path.c_str(), " has ", m.cols,
                           " columns, fewer than the ", columns, " needed");
    }
    std::vector<float> kept;
    kept.reserve(static_cast<std::size_t>(m.rows) * columns);
    for (std::int32_t r = 0; r < m.rows; ++r) kept.insert(kept.end(), m.row(r), m.row(r) + columns);
    m.values = std::move(kept);
    m.cols = columns;
  }
  if (scale != 1.0f) {
    for (float& v : m.values) v *= scale;
  }
  *out = std::move(m);
  return Status();
}

Matrix one_hot8() {
  Matrix m;
  m.rows = 8;
  m.cols = 8;
  m.values.assign(64, 0.0f);
  for (int i = 0; i < 8; ++i) m.values[i * 8 + i] = 1.0f;
  return m;
}

}  // namespace tinyae::cli
