#include "presets.hpp"

#include <cstdlib>
#include <sstream>

namespace tinyae::cli {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

namespace {

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
  } else if (name == "fashion-anomaly") {
    p.spec = reference::kFashionAnomaly;
    p.config = reference::fashion_anomaly_config();
    p.train_data = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    p.test_data = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    p.train_labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
    p.test_labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    p.anomaly = true;
  } else if (name == "sparse-patches") {
    p.spec = reference::kSparsePatches;
    p.config = reference::sparse_patches_config();
    p.patch_size = 16;
  } else {
    return Status::error(StatusCode::invalid_argument, "unknown preset '", name.c_str(),
                         "' (known: identity-838, sparse-patches, digits-deep, mnist-dense, mnist-conv, fashion-anomaly)");
  }
  *out = p;
  return Status();
}

namespace {

// Reads a decimal count from 1 to max at text[*at..], advancing *at; false when none.
bool read_count(const std::string& text, std::size_t* at, std::int32_t max, std::int32_t* out) {
  std::size_t end = *at;
  std::int64_t v = 0;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9' && v <= max) {
    v = v * 10 + (text[end] - '0');
    ++end;
  }
  if (end == *at || v < 1 || v > max) return false;
  *at = end;
  *out = static_cast<std::int32_t>(v);
  return true;
}

// Whether text[*at..] starts with word; advances past it if so.
bool read_word(const std::string& text, std::size_t* at, const char* word) {
  const std::string w(word);
  if (text.compare(*at, w.size(), w) != 0) return false;
  *at += w.size();
  return true;
}

constexpr std::int32_t kMaxSize = 1 << 24;

// One layer item (its part before the first ':') appended to *spec.
Status parse_layer(const std::string& item, const std::string& body, NetworkSpec* spec, bool* has_activation) {
  auto bad = [&](const char* why) {
    return Status::error(StatusCode::invalid_argument, "--layers item '", item.c_str(), "': ", why);
  };
  const Shape in = spec->output();
  std::size_t at = 0;
  std::int32_t a = 0;
  std::int32_t b = 0;
  *has_activation = true;
  if (!body.empty() && body[0] >= '0' && body[0] <= '9') {
    if (!read_count(body, &at, kMaxSize, &a) || at != body.size()) return bad("units must be 1 to 16777216");
    *spec = spec->dense(a, Activation::identity);
  } else if (read_word(body, &at, "conv")) {
    if (!read_count(body, &at, kMaxSize, &a)) return bad("give 1 to 16777216 filters, as in conv16k3");
    if (!read_word(body, &at, "k") || !read_count(body, &at, kMaxKernel, &b)) {
      return bad("give a kernel size from 1 to 255 after 'k', as in conv16k3");
    }
    std::int32_t stride = 1;
    const bool has_stride = at + 1 < body.size() && body[at] == 's' && body[at + 1] >= '0' && body[at + 1] <= '9';
    if (has_stride && !(read_word(body, &at, "s") && read_count(body, &at, kMaxStride, &stride))) {
      return bad("give a stride from 1 to 15 after 's', as in conv16k3s2");
    }
    Padding padding = Padding::same;
    if (read_word(body, &at, "valid")) padding = Padding::valid;
    else read_word(body, &at, "same");
    if (at != body.size()) return bad("expected conv<filters>k<kernel>[s<stride>][same|valid], as in conv16k3s2valid");
    if (conv_output_size(in.height, b, stride, padding) < 1 || conv_output_size(in.width, b, stride, padding) < 1) {
      return Status::error(StatusCode::invalid_argument, "--layers item '", item.c_str(), "': a ", b, "x", b,
                           " kernel does not fit its ", in.height, "x", in.width, " input without padding");
    }
    *spec = spec->conv2d(a, b, stride, padding, Activation::identity);
  } else if (body == "pool") {
    if (in.height == 1 && in.width == 1) {
      return Status::error(StatusCode::invalid_argument, "--layers item '", item.c_str(), "': its input is ",
                           in.channels, "x1x1; pooling needs an image (give the input as CxHxW)");
    }
    *spec = spec->max_pool2d();
    *has_activation = false;
  } else if (read_word(body, &at, "resize")) {
    if (!read_count(body, &at, kMaxSize, &a) || !read_word(body, &at, "x") || !read_count(body, &at, kMaxSize, &b) ||
        at != body.size()) {
      return bad("expected resize<height>x<width>, each 1 to 16777216, as in resize14x14");
    }
    *spec = spec->resize(a, b);
    *has_activation = false;
  } else {
    return Status::error(StatusCode::invalid_argument, "--layers item '", item.c_str(), "': expected a layer such as 32 (dense), conv16k3s2valid, pool or resize14x14");
  }
  if (spec->builder_error) {
    return Status::error(StatusCode::invalid_argument, "--layers item '", item.c_str(), "': more than ", kMaxLayers,
                         " layers");
  }
  return Status();
}

}  // namespace

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
    bool has_activation = false;
    TINYAE_RETURN_IF_ERROR(parse_layer(items[i], fields.empty() ? "" : fields[0], &spec, &has_activation));
    for (std::size_t f = 1; f < fields.size(); ++f) {
      if (fields[f] == "code") {
        if (spec.code_layer >= 0) {
          return Status::error(StatusCode::invalid_argument, "--layers item '", items[i].c_str(),
                               "': a layer before it is the code layer already; mark one");
        }
        spec = spec.code();
      } else if (!has_activation) {
        return Status::error(StatusCode::invalid_argument, "--layers item '", items[i].c_str(), "': ",
                             fields[0].c_str(), " has no activation, only :code");
      } else {
        Activation act = Activation::identity;
        const Status s = parse_activation(fields[f].c_str(), &act);
        if (!s.ok()) {
          return Status::error(StatusCode::invalid_argument, "--layers item '", items[i].c_str(), "': ", s.message());
        }
        spec.layers[spec.num_layers - 1].activation = act;
      }
    }
  }
  const Status s = validate(spec);
  if (!s.ok()) return Status::error(StatusCode::invalid_argument, "--layers '", text.c_str(), "': ", s.message());
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

namespace {

Status load_labels(const std::string& path, std::vector<std::int32_t>* out) {
  std::vector<std::int32_t> labels;
  if (ends_with(path, ".csv") || ends_with(path, ".csv.gz")) {
    Matrix m;
    TINYAE_RETURN_IF_ERROR(load_csv(path, &m));
    labels.resize(static_cast<std::size_t>(m.rows));
    for (std::int32_t r = 0; r < m.rows; ++r) {
      const float v = m.row(r)[m.cols - 1];
      if (!(v >= 0 && v <= 2147483520.0f) || v != static_cast<float>(static_cast<std::int64_t>(v))) {
        return Status::error(StatusCode::invalid_argument, path.c_str(), ": row ", r + 1,
                             " has label ", v, " in its last column (labels are whole numbers >= 0)");
      }
      labels[std::size_t(r)] = static_cast<std::int32_t>(v);
    }
  } else {
    std::vector<std::uint8_t> bytes;
    TINYAE_RETURN_IF_ERROR(load_idx_labels(path, 256, &bytes));
    labels.assign(bytes.begin(), bytes.end());
  }
  *out = std::move(labels);
  return Status();
}

}  // namespace

Status anomaly_flags(const std::string& labels_path, std::int32_t rows, std::int32_t normal_class,
                     std::vector<std::uint8_t>* anomalous) {
  std::vector<std::int32_t> labels;
  TINYAE_RETURN_IF_ERROR(load_labels(labels_path, &labels));
  if (static_cast<std::int64_t>(labels.size()) != rows) {
    return Status::error(StatusCode::invalid_argument, labels_path.c_str(), " has ", labels.size(),
                         " labels for ", rows, " samples");
  }
  std::vector<std::uint8_t> flags(labels.size());
  std::size_t normal = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    flags[i] = labels[i] != normal_class ? 1 : 0;
    normal += flags[i] == 0 ? 1 : 0;
  }
  if (normal == 0) {
    return Status::error(StatusCode::invalid_argument, "class ", normal_class, " does not occur in ",
                         labels_path.c_str());
  }
  *anomalous = std::move(flags);
  return Status();
}

Matrix normal_rows(const Matrix& m, const std::vector<std::uint8_t>& anomalous) {
  Matrix kept;
  kept.cols = m.cols;
  for (std::int32_t r = 0; r < m.rows; ++r) {
    if (anomalous[std::size_t(r)] != 0) continue;
    kept.values.insert(kept.values.end(), m.row(r), m.row(r) + m.cols);
    ++kept.rows;
  }
  return kept;
}

Status load_network(const std::string& path, std::int32_t max_batch, LoadedModel* out) {
  TINYAE_RETURN_IF_ERROR(load_model(path, &out->model));
  TINYAE_RETURN_IF_ERROR(out->memory.allocate(arena_bytes(out->model.spec, max_batch)));
  TINYAE_RETURN_IF_ERROR(out->net.setup(out->model.spec, max_batch, out->memory.arena()));
  return set_parameters(out->model, &out->net);
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
