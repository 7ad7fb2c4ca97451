// IDX files (the MNIST family): big-endian header, then row-major data.
#include <cmath>
#include <cstring>

#include "array_headers.hpp"
#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

constexpr std::size_t kMaxIdxBytes = std::size_t{1} << 31;
constexpr int kMaxIdxDims = 8;

int element_bytes(unsigned char type) {
  switch (type) {
    case 0x08: case 0x09: return 1;  // uint8, int8
    case 0x0B: return 2;             // int16
    case 0x0C: case 0x0D: return 4;  // int32, float32
    case 0x0E: return 8;             // float64
    default: return 0;
  }
}

}  // namespace

namespace io {

double idx_element(unsigned char type, const unsigned char* p) {
  switch (type) {
    case 0x08: return p[0];
    case 0x09: return static_cast<signed char>(p[0]);
    case 0x0B: return static_cast<std::int16_t>((p[0] << 8) | p[1]);
    case 0x0C: return static_cast<std::int32_t>(io::read_be32(p));
    case 0x0D: {
      const std::uint32_t bits = io::read_be32(p);
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    default: {
      const std::uint64_t bits = (std::uint64_t{io::read_be32(p)} << 32) | io::read_be32(p + 4);
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
  }
}

Status parse_idx_header(const std::string& path, const unsigned char* p, std::size_t have,
                        std::uint64_t max_bytes, IdxHeaderInfo* out) {
  if ((have > 0 && p[0] != 0) || (have > 1 && p[1] != 0)) {
    return Status::error(StatusCode::corrupt_data, path.c_str(),
                         ": not an IDX file (magic must start with two zero bytes)");
  }
  // The smallest header: magic, type, one dimension and its size.
  if (have < 4) return io::too_short(path, "", have, 8, true);
  const unsigned char type = p[2];
  const int size = element_bytes(type);
  if (size == 0) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": unknown IDX data type ",
                         io::hex_byte(type).c_str());
  }
  const int ndims = p[3];
  if (ndims < 1 || ndims > kMaxIdxDims) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": IDX header has ", ndims,
                         " dimensions (1 to ", kMaxIdxDims, " accepted)");
  }
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndims);
  if (have < header) return io::too_short(path, "truncated IDX header: ", have, header);
  IdxHeaderInfo h;
  h.type = type;
  h.item_bytes = size;
  h.data_start = header;
  for (int d = 0; d < ndims; ++d) {
    const std::uint32_t n = io::read_be32(p + 4 + 4 * d);
    if (n == 0 || n > 0x7fffffffu) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": IDX dimension ", d,
                           " is ", n, " (must be 1 to 2^31-1)");
    }
    h.count *= n;
    if (h.count * static_cast<std::uint64_t>(size) > max_bytes) {
      return Status::error(StatusCode::corrupt_data, path.c_str(),
                           ": IDX dimensions describe more than ", max_bytes, " bytes");
    }
    h.dims.push_back(static_cast<std::int32_t>(n));
  }
  *out = std::move(h);
  return Status();
}

}  // namespace io

Status load_idx(const std::string& path, IdxArray* out) {
  std::string bytes;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, kMaxIdxBytes, &bytes));
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  io::IdxHeaderInfo h;
  TINYAE_RETURN_IF_ERROR(io::parse_idx_header(path, p, bytes.size(), kMaxIdxBytes, &h));
  const std::uint64_t expected = h.data_start + h.count * static_cast<std::uint64_t>(h.item_bytes);
  if (bytes.size() != expected) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": IDX header describes ",
                         expected, " bytes but the file has ", bytes.size(),
                         bytes.size() < expected ? " (truncated)" : " (trailing data)");
  }
  IdxArray a;
  a.type = h.type;
  a.dims = std::move(h.dims);
  const auto n = static_cast<std::size_t>(h.count);  // bounded by kMaxIdxBytes above
  a.values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = io::idx_element(h.type, p + h.data_start + i * static_cast<std::size_t>(h.item_bytes));
    a.values[i] = static_cast<float>(v);
    if (!std::isfinite(a.values[i])) {
      return Status::error(StatusCode::non_finite, path.c_str(), ": value ", i,
                           " is not finite in float");
    }
  }
  *out = std::move(a);
  return Status();
}

Status load_idx_images(const std::string& path, Matrix* out) {
  IdxArray a;
  TINYAE_RETURN_IF_ERROR(load_idx(path, &a));
  if (a.type != 0x08 || a.dims.size() < 2) {
    return Status::error(StatusCode::corrupt_data, path.c_str(),
                         ": expected uint8 images (IDX type 0x08, 2 or more dimensions), the file has type ",
                         io::hex_byte(a.type).c_str(), " and ", a.dims.size(),
                         a.dims.size() == 1 ? " dimension" : " dimensions");
  }
  std::int64_t cols = 1;
  for (std::size_t d = 1; d < a.dims.size(); ++d) cols *= a.dims[d];
  if (cols > 0x7fffffff) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": images too large");
  }
  Matrix m;
  m.rows = a.dims[0];
  m.cols = static_cast<std::int32_t>(cols);
  m.values = std::move(a.values);
  for (float& v : m.values) v /= 255.0f;
  *out = std::move(m);
  return Status();
}

Status load_idx_labels(const std::string& path, std::int32_t classes, std::vector<std::uint8_t>* out) {
  if (classes < 1 || classes > 256) {
    return Status::error(StatusCode::invalid_argument, "load_idx_labels: ", classes,
                         " classes (uint8 labels allow 1 to 256)");
  }
  IdxArray a;
  TINYAE_RETURN_IF_ERROR(load_idx(path, &a));
  if (a.type != 0x08 || a.dims.size() != 1) {
    return Status::error(StatusCode::corrupt_data, path.c_str(),
                         ": expected uint8 labels (IDX type 0x08, 1 dimension), the file has type ",
                         io::hex_byte(a.type).c_str(), " and ", a.dims.size(),
                         a.dims.size() == 1 ? " dimension" : " dimensions");
  }
  std::vector<std::uint8_t> labels(a.values.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto label = static_cast<std::int32_t>(a.values[i]);  // exact: uint8 in float
    if (label >= classes) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": label ", label, " at index ", i,
                           " is out of range (0 to ", classes - 1, ")");
    }
    labels[i] = static_cast<std::uint8_t>(label);
  }
  *out = std::move(labels);
  return Status();
}

}  // namespace tinyae
