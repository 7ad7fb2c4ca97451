// NumPy .npy format 1.0/2.0/3.0: C order, little-endian <f4, <f8 or |u1.
#include <cmath>
#include <cstring>

#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

constexpr std::size_t kMaxNpyBytes = std::size_t{1} << 31;
constexpr char kMagic[] = "\x93NUMPY";

// The value after 'key': in the header dict, or empty.
std::string dict_value(const std::string& header, const char* key) {
  const std::string quoted = std::string("'") + key + "'";
  std::size_t at = header.find(quoted);
  if (at == std::string::npos) return "";
  at = header.find(':', at + quoted.size());
  if (at == std::string::npos) return "";
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  if (at >= header.size()) return "";
  std::size_t end;
  if (header[at] == '\'') {
    end = header.find('\'', at + 1);
    return end == std::string::npos ? "" : header.substr(at + 1, end - at - 1);
  }
  if (header[at] == '(') {
    end = header.find(')', at);
    return end == std::string::npos ? "" : header.substr(at, end - at + 1);
  }
  end = header.find_first_of(",}", at);
  return end == std::string::npos ? "" : header.substr(at, end - at);
}

}  // namespace

Status load_npy(const std::string& path, NpyArray* out) {
  std::string bytes;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, kMaxNpyBytes, &bytes));
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 10 || std::memcmp(p, kMagic, 6) != 0) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": not a .npy file (bad magic)");
  }
  const int major = p[6];
  std::size_t header_len;
  std::size_t start;
  if (major == 1) {
    header_len = p[8] | (std::size_t{p[9]} << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::error(StatusCode::corrupt_data, path.c_str(), ": truncated .npy header");
    header_len = io::read_le32(p + 8);
    start = 12;
  } else {
    return Status::error(StatusCode::unsupported, path.c_str(), ": .npy format version ", major,
                         " (1 to 3 supported)");
  }
  if (header_len > bytes.size() - start) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": truncated .npy header");
  }
  const std::string header = bytes.substr(start, header_len);
  const std::string descr = dict_value(header, "descr");
  const std::string fortran = dict_value(header, "fortran_order");
  const std::string shape_text = dict_value(header, "shape");
  int size = 0;
  if (descr == "<f4") size = 4;
  else if (descr == "<f8") size = 8;
  else if (descr == "|u1" || descr == "<u1") size = 1;
  else {
    return Status::error(StatusCode::unsupported, path.c_str(), ": dtype '", descr.c_str(),
                         "' (supported: <f4, <f8, |u1)");
  }
  if (fortran != "False") {
    return Status::error(StatusCode::unsupported, path.c_str(),
                         ": only C-order arrays are supported (fortran_order must be False)");
  }
  if (shape_text.size() < 2 || shape_text.front() != '(' || shape_text.back() != ')') {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": .npy header has no shape");
  }
  NpyArray a;
  std::uint64_t count = 1;
  const char* s = shape_text.c_str() + 1;
  while (*s != ')') {
    while (*s == ' ' || *s == ',') ++s;
    if (*s == ')') break;
    if (*s < '0' || *s > '9') {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": bad shape ",
                           shape_text.c_str());
    }
    std::uint64_t n = 0;
    while (*s >= '0' && *s <= '9') {
      n = n * 10 + static_cast<std::uint64_t>(*s++ - '0');
      if (n > (std::uint64_t{1} << 40)) {
        return Status::error(StatusCode::corrupt_data, path.c_str(), ": absurd shape ",
                             shape_text.c_str());
      }
    }
    count *= n;
    if (count > kMaxNpyBytes) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": shape ",
                           shape_text.c_str(), " is too large");
    }
    a.shape.push_back(static_cast<std::int64_t>(n));
  }
  const std::size_t data_start = start + header_len;
  const std::uint64_t expected = count * static_cast<std::uint64_t>(size);
  if (bytes.size() - data_start != expected) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": shape ", shape_text.c_str(),
                         " needs ", expected, " data bytes, the file has ", bytes.size() - data_start);
  }
  const auto n = static_cast<std::size_t>(count);  // bounded by kMaxNpyBytes above
  a.item_bytes = size;
  a.values.resize(n);
  const unsigned char* d = p + data_start;
  for (std::size_t i = 0; i < n; ++i) {
    if (size == 4) {
      const std::uint32_t bits = io::read_le32(d + 4 * i);
      std::memcpy(&a.values[i], &bits, 4);
    } else if (size == 8) {
      const std::uint64_t bits = io::read_le32(d + 8 * i) | (std::uint64_t{io::read_le32(d + 8 * i + 4)} << 32);
      double v;
      std::memcpy(&v, &bits, 8);
      a.values[i] = static_cast<float>(v);
    } else {
      a.values[i] = d[i];
    }
    if (!std::isfinite(a.values[i])) {
      return Status::error(StatusCode::non_finite, path.c_str(), ": element ", i,
                           " is not finite in float");
    }
  }
  *out = std::move(a);
  return Status();
}

Status save_npy(const std::string& path, const float* data, const std::vector<std::int64_t>& shape) {
  std::string dims;
  std::uint64_t count = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) return Status::error(StatusCode::invalid_argument, "save_npy: negative dimension");
    if (i > 0) dims += ", ";
    dims += std::to_string(shape[i]);
    count *= static_cast<std::uint64_t>(shape[i]);
  }
  if (shape.size() == 1) dims += ",";  // Python's one-element tuple
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so the data starts on a 64-byte boundary, ending in '\n'.
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes(kMagic, 6);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &data[i], 4);
    io::append_le32(&bytes, bits);
  }
  return io::write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace tinyae
