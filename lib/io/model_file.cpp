// Model file: magic, format version, network spec, parameters, CRC-32.
//
//   0   "TINYAEMF"                       8 bytes
//   8   format version (1 or 2)          u32
//   12  number of layers L               u32
//   16  input channels, height, width    3 x i32
//   28  code layer                       i32
//   32  L x { kind u8, activation u8, kernel u8, stride u4 | padding u4 << 4,
//             output c, h, w 3 x i32 }                                16 bytes each
//   ..  parameter count P                u32
//   ..  P float32: per layer its weights, then its biases (NetworkSpec::weight_count
//       gives the layout: dense out x in, conv2d filters x (ky, kx, c))
//
// Version 1 files from before the image layers have dense layers only, with kernel,
// stride and padding 0: they read the same, and dense-only models are written byte for
// byte as before. A build without image layers rejects a conv model ("unknown kind").
// A model without a threshold is written as version 1, so older builds read it.
//   ..  version 2 only, an anomaly model's threshold (AnomalyThreshold):
//       percentile f64 in (0, 100], score f64 finite and >= 0
//   ..  CRC-32 (zlib) of all bytes before it   u32
// All integers and floats little-endian.
#include <zlib.h>

#include <cmath>
#include <cstring>

#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

constexpr char kMagic[8] = {'T', 'I', 'N', 'Y', 'A', 'E', 'M', 'F'};
constexpr std::uint32_t kVersion = 2;  // the newest version read
constexpr std::size_t kMaxModelBytes = std::size_t{1} << 31;

std::uint32_t crc_of(const std::string& bytes, std::size_t n) {
  return static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n)));
}

bool same_spec(const NetworkSpec& a, const NetworkSpec& b) {
  if (!(a.input == b.input) || a.num_layers != b.num_layers || a.code_layer != b.code_layer) {
    return false;
  }
  for (std::int32_t l = 0; l < a.num_layers; ++l) {
    const LayerSpec& x = a.layers[l];
    const LayerSpec& y = b.layers[l];
    if (x.kind != y.kind || x.activation != y.activation || !(x.output == y.output) ||
        x.kernel != y.kernel || x.stride != y.stride || x.padding != y.padding) {
      return false;
    }
  }
  return true;
}

void append_f64(std::string* bytes, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  io::append_le32(bytes, static_cast<std::uint32_t>(bits));
  io::append_le32(bytes, static_cast<std::uint32_t>(bits >> 32));
}

double read_f64(const unsigned char* p) {
  const std::uint64_t bits = io::read_le32(p) | (std::uint64_t{io::read_le32(p + 4)} << 32);
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}

bool valid_threshold(const AnomalyThreshold& a) {
  return a.percentile > 0 && a.percentile <= 100 && std::isfinite(a.score) && a.score >= 0;
}

}  // namespace

Status save_model(const std::string& path, const Network& net, const AnomalyThreshold* anomaly) {
  const NetworkSpec& spec = net.spec();
  if (net.parameters() == nullptr) {
    return Status::error(StatusCode::invalid_argument, "save_model: the network is not set up");
  }
  if (anomaly != nullptr && !valid_threshold(*anomaly)) {
    return Status::error(StatusCode::invalid_argument, "save_model: anomaly threshold ", anomaly->score,
                         " at percentile ", anomaly->percentile,
                         " (needs a percentile in (0, 100] and a finite score >= 0)");
  }
  std::string bytes(kMagic, sizeof kMagic);
  io::append_le32(&bytes, anomaly != nullptr ? 2u : 1u);
  io::append_le32(&bytes, static_cast<std::uint32_t>(spec.num_layers));
  io::append_le32(&bytes, static_cast<std::uint32_t>(spec.input.channels));
  io::append_le32(&bytes, static_cast<std::uint32_t>(spec.input.height));
  io::append_le32(&bytes, static_cast<std::uint32_t>(spec.input.width));
  io::append_le32(&bytes, static_cast<std::uint32_t>(spec.code_layer));
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const LayerSpec& layer = spec.layers[l];
    io::append_le32(&bytes, static_cast<std::uint32_t>(layer.kind) |
                                (static_cast<std::uint32_t>(layer.activation) << 8) |
                                (static_cast<std::uint32_t>(layer.kernel) << 16) |
                                (static_cast<std::uint32_t>(layer.stride) << 24) |
                                (static_cast<std::uint32_t>(layer.padding) << 28));
    io::append_le32(&bytes, static_cast<std::uint32_t>(layer.output.channels));
    io::append_le32(&bytes, static_cast<std::uint32_t>(layer.output.height));
    io::append_le32(&bytes, static_cast<std::uint32_t>(layer.output.width));
  }
  io::append_le32(&bytes, static_cast<std::uint32_t>(spec.parameter_count()));
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    const float* w = net.parameters() + spec.weight_offset(l);
    const float* b = net.parameters() + spec.bias_offset(l);
    for (const auto& [values, n] : {std::pair{w, spec.weight_count(l)}, std::pair{b, spec.bias_count(l)}}) {
      for (std::int64_t i = 0; i < n; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &values[i], 4);
        io::append_le32(&bytes, bits);
      }
    }
  }
  if (anomaly != nullptr) {
    append_f64(&bytes, anomaly->percentile);
    append_f64(&bytes, anomaly->score);
  }
  io::append_le32(&bytes, crc_of(bytes, bytes.size()));
  return io::write_file_atomic(path, bytes.data(), bytes.size());
}

Status load_model(const std::string& path, Model* out) {
  std::string bytes;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, kMaxModelBytes, &bytes));
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 16 || std::memcmp(p, kMagic, sizeof kMagic) != 0) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": not a tinyae model file");
  }
  const std::uint32_t version = io::read_le32(p + 8);
  if (version < 1 || version > kVersion) {
    return Status::error(StatusCode::unsupported, path.c_str(), ": model format version ",
                         version, "; this build reads versions 1 to ", kVersion);
  }
  if (bytes.size() < 40 || io::read_le32(p + bytes.size() - 4) != crc_of(bytes, bytes.size() - 4)) {
    return Status::error(StatusCode::corrupt_data, path.c_str(),
                         ": checksum mismatch (the file is truncated or corrupt)");
  }
  const std::uint32_t layers = io::read_le32(p + 12);
  if (layers < 1 || layers > static_cast<std::uint32_t>(kMaxLayers)) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": ", layers, " layers (1 to ",
                         kMaxLayers, " allowed)");
  }
  const std::size_t header = 32 + 16 * std::size_t{layers} + 4;
  if (bytes.size() < header + 4) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": truncated header");
  }
  auto i32 = [&](std::size_t at) { return static_cast<std::int32_t>(io::read_le32(p + at)); };
  Model m;
  m.spec.input = Shape{i32(16), i32(20), i32(24)};
  m.spec.code_layer = i32(28);
  m.spec.num_layers = static_cast<std::int32_t>(layers);
  for (std::uint32_t l = 0; l < layers; ++l) {
    const std::size_t at = 32 + 16 * std::size_t{l};
    const std::uint32_t word = io::read_le32(p + at);
    if ((word & 0xffu) > static_cast<std::uint32_t>(LayerKind::resize)) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": layer ", l,
                           " has an unknown kind");
    }
    LayerSpec& layer = m.spec.layers[l];
    layer.kind = static_cast<LayerKind>(word & 0xffu);
    layer.activation = static_cast<Activation>((word >> 8) & 0xffu);
    layer.output = Shape{i32(at + 4), i32(at + 8), i32(at + 12)};
    layer.kernel = static_cast<std::int32_t>((word >> 16) & 0xffu);
    layer.stride = static_cast<std::int32_t>((word >> 24) & 0xfu);
    layer.padding = static_cast<Padding>(word >> 28);
    const bool has_geometry = layer.kind == LayerKind::conv2d || layer.kind == LayerKind::max_pool2d;
    if (!has_geometry && (word >> 16) != 0) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": ", layer_kind_name(layer.kind),
                           " layer ", l, " has kernel, stride or padding bits set");
    }
  }
  Status s = validate(m.spec);
  if (!s.ok()) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": ", s.message());
  }
  const std::uint32_t count = io::read_le32(p + header - 4);
  const std::size_t extra = version == 2 ? 16 : 0;  // the anomaly threshold
  if (count != m.spec.parameter_count() || bytes.size() != header + 4 * std::size_t{count} + extra + 4) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": holds ", count,
                         " parameters in ", bytes.size(), " bytes; its spec needs ",
                         m.spec.parameter_count());
  }
  m.parameters.resize(count);
  std::memcpy(m.parameters.data(), p + header, 4 * std::size_t{count});
  if (version == 2) {
    const unsigned char* a = p + header + 4 * std::size_t{count};
    m.anomaly.percentile = read_f64(a);
    m.anomaly.score = read_f64(a + 8);
    if (!valid_threshold(m.anomaly)) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": anomaly threshold ", m.anomaly.score,
                           " at percentile ", m.anomaly.percentile, " is out of range");
    }
  }
  *out = std::move(m);
  return Status();
}

Status set_parameters(const Model& model, Network* net) {
  const NetworkSpec& spec = net->spec();
  if (net->parameters() == nullptr || !same_spec(spec, model.spec)) {
    return Status::error(StatusCode::invalid_argument,
                         "set_parameters: the network was not set up with the model's spec");
  }
  if (static_cast<std::int64_t>(model.parameters.size()) != spec.parameter_count()) {
    return Status::error(StatusCode::invalid_argument, "set_parameters: model has ",
                         model.parameters.size(), " parameters, the spec needs ",
                         spec.parameter_count());
  }
  const float* src = model.parameters.data();
  for (std::int32_t l = 0; l < spec.num_layers; ++l) {
    std::memcpy(net->weights(l), src, sizeof(float) * static_cast<std::size_t>(spec.weight_count(l)));
    src += spec.weight_count(l);
    std::memcpy(net->biases(l), src, sizeof(float) * static_cast<std::size_t>(spec.bias_count(l)));
    src += spec.bias_count(l);
  }
  return Status();
}

}  // namespace tinyae
