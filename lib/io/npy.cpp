// NumPy .npy format 1.0/2.0/3.0: C order, little-endian <f4, <f8 or |u1.
#include <cmath>
#include <cstring>

#include "array_headers.hpp"
#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

constexpr std::size_t kMaxNpyBytes = std::size_t{1} << 31;
constexpr char kMagic[] = "\x93NUMPY";

// The header dict, parsed as the Python literal NumPy writes and reads:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// then spaces and one '\n'. Only what a literal of these three keys can hold is
// accepted; anything else is an error saying where, never a guess.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
  std::string shape_text;  // as written, for messages
};

class HeaderParser {
 public:
  HeaderParser(const std::string& path, const std::string& text, std::uint64_t max_count)
      : path_(path), text_(text), max_count_(max_count) {}

  Status parse(NpyHeader* out) {
    // A NUL or other control byte ends no string here: the header must be text.
    if (text_.empty() || text_.back() != '\n') return fail("does not end with a newline");
    for (std::size_t i = 0; i + 1 < text_.size(); ++i) {
      const auto c = static_cast<unsigned char>(text_[i]);
      if (c < 0x20 || c > 0x7e) {
        return Status::error(StatusCode::corrupt_data, path_.c_str(), ": .npy header byte ", i, " is '",
                             io::printable(&text_[i], 1).c_str(), "' (the header must be printable ASCII)");
      }
    }
    end_ = text_.size() - 1;
    if (text_[0] != '{') return fail("is not a dict (it must start with '{')");
    pos_ = 1;
    bool seen[3] = {false, false, false};
    for (;;) {
      skip_spaces();
      if (at_end()) return fail("dict is not terminated (no '}')");
      if (text_[pos_] == '}') break;
      std::string key;
      TINYAE_RETURN_IF_ERROR(string_literal("a quoted key", &key));
      int which = -1;
      if (key == "descr") which = 0;
      else if (key == "fortran_order") which = 1;
      else if (key == "shape") which = 2;
      if (which < 0) {
        return Status::error(StatusCode::corrupt_data, path_.c_str(), ": .npy header has an unexpected key '",
                             io::printable(key).c_str(), "' (only 'descr', 'fortran_order' and 'shape')");
      }
      if (seen[which]) {
        return Status::error(StatusCode::corrupt_data, path_.c_str(), ": .npy header has the key '",
                             key.c_str(), "' twice");
      }
      seen[which] = true;
      skip_spaces();
      if (at_end() || text_[pos_] != ':') return fail_at("expected ':' after a key");
      ++pos_;
      skip_spaces();
      if (which == 0) {
        if (!at_end() && (text_[pos_] == '[' || text_[pos_] == '{')) {
          return Status::error(StatusCode::unsupported, path_.c_str(),
                               ": structured dtypes are not supported (supported: <f4, <f8, |u1)");
        }
        TINYAE_RETURN_IF_ERROR(string_literal("'descr' as a quoted string", &out->descr));
      } else if (which == 1) {
        if (word("True")) out->fortran_order = true;
        else if (word("False")) out->fortran_order = false;
        else return fail_at("'fortran_order' must be True or False");
      } else {
        TINYAE_RETURN_IF_ERROR(shape(out));
      }
      skip_spaces();
      if (at_end()) return fail("dict is not terminated (no '}')");
      if (text_[pos_] == ',') ++pos_;
      else if (text_[pos_] != '}') return fail_at("expected ',' or '}' after a value");
    }
    ++pos_;  // the '}'
    skip_spaces();
    if (!at_end()) return fail_at("has text after the dict");
    if (!seen[0]) return fail("has no 'descr' key");
    if (!seen[1]) return fail("has no 'fortran_order' key");
    if (!seen[2]) return fail("has no 'shape' key");
    if (out->descr.empty()) return fail("has an empty descr");
    return Status();
  }

 private:
  bool at_end() const { return pos_ >= end_; }
  void skip_spaces() {
    while (!at_end() && text_[pos_] == ' ') ++pos_;
  }
  bool is_digit() const { return !at_end() && text_[pos_] >= '0' && text_[pos_] <= '9'; }
  bool word(const char* w) {
    const std::size_t n = std::strlen(w);
    if (end_ - pos_ < n || text_.compare(pos_, n, w) != 0) return false;
    pos_ += n;
    return true;
  }
  Status fail(const char* what) const {
    return Status::error(StatusCode::corrupt_data, path_.c_str(), ": .npy header ", what);
  }
  // Quotes the header from where parsing stopped.
  Status fail_at(const char* what) const {
    return Status::error(StatusCode::corrupt_data, path_.c_str(), ": .npy header: ", what, " at byte ",
                         pos_, " ('", io::printable(text_.substr(pos_, end_ - pos_), 24).c_str(), "')");
  }
  // A plain Python string in ' or " quotes (NumPy writes no escapes).
  Status string_literal(const char* what, std::string* out) {
    if (at_end() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return fail_at((std::string("expected ") + what).c_str());
    }
    const char quote = text_[pos_];
    const std::size_t begin = ++pos_;
    while (!at_end() && text_[pos_] != quote && text_[pos_] != '\\') ++pos_;
    if (at_end()) return fail("has an unterminated string");
    if (text_[pos_] == '\\') return fail_at("escapes in strings are not supported");
    *out = text_.substr(begin, pos_ - begin);
    ++pos_;
    return Status();
  }
  // A tuple of non-negative Python ints: (), (3,), (2, 3) or (2, 3,).
  Status shape(NpyHeader* out) {
    const std::size_t close = text_.find(')', pos_);
    out->shape_text = text_.substr(pos_, close == std::string::npos || close >= end_ ? end_ - pos_ : close - pos_ + 1);
    auto bad = [&](const char* why) {
      return Status::error(StatusCode::corrupt_data, path_.c_str(), ": bad shape ",
                           io::printable(out->shape_text).c_str(), " (", why, ")");
    };
    if (at_end() || text_[pos_] != '(') return bad("'shape' must be a tuple");
    ++pos_;
    bool comma_after_last = false;
    std::uint64_t count = 1;
    for (;;) {
      skip_spaces();
      if (!at_end() && text_[pos_] == ')') break;
      if (!is_digit()) return bad("a tuple of non-negative integers");
      if (text_[pos_] == '0' && pos_ + 1 < end_ && text_[pos_ + 1] >= '0' && text_[pos_ + 1] <= '9') {
        return bad("a Python integer has no leading zeros");
      }
      std::uint64_t n = 0;
      while (is_digit()) {
        n = n * 10 + static_cast<std::uint64_t>(text_[pos_++] - '0');
        if (n > (std::uint64_t{1} << 40)) {
          return Status::error(StatusCode::corrupt_data, path_.c_str(), ": absurd shape ",
                               io::printable(out->shape_text).c_str());
        }
      }
      // Checked before multiplying, so the product cannot wrap around.
      if (n != 0 && count > max_count_ / n) {
        return Status::error(StatusCode::corrupt_data, path_.c_str(), ": shape ",
                             io::printable(out->shape_text).c_str(), " is too large");
      }
      count *= n;
      out->shape.push_back(static_cast<std::int64_t>(n));
      skip_spaces();
      comma_after_last = !at_end() && text_[pos_] == ',';
      if (comma_after_last) {
        ++pos_;
      } else if (at_end() || text_[pos_] != ')') {
        return bad("a tuple of non-negative integers");
      }
    }
    ++pos_;  // the ')'
    // In Python (3) is the number 3, not a tuple.
    if (out->shape.size() == 1 && !comma_after_last) return bad("a one-element tuple is written (n,)");
    return Status();
  }

  const std::string& path_;
  const std::string& text_;
  std::uint64_t max_count_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;  // the final '\n'
};

}  // namespace

namespace io {

Status parse_npy_header(const std::string& path, const unsigned char* p, std::size_t have,
                        std::uint64_t max_count, NpyHeaderInfo* out) {
  if (std::memcmp(p, kMagic, have < 6 ? have : 6) != 0) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": not a .npy file (bad magic)");
  }
  if (have < 8) return io::too_short(path, "", have, 10, true);
  const int major = p[6];
  if (major < 1 || major > 3 || p[7] != 0) {
    return Status::error(StatusCode::unsupported, path.c_str(), ": .npy format version ", major, ".",
                         static_cast<int>(p[7]), " (1.0, 2.0 and 3.0 supported)");
  }
  // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4. NumPy pads
  // the header so the data starts on a 64-byte boundary; it reads files that do not,
  // and so does this loader.
  const std::size_t start = major == 1 ? 10 : 12;
  if (have < start) return io::too_short(path, "", have, start);
  const std::size_t header_len = major == 1 ? p[8] | (std::size_t{p[9]} << 8) : io::read_le32(p + 8);
  if (header_len > have - start) {
    return io::too_short(path, "truncated .npy header: ", have, start + header_len);
  }
  NpyHeader header;
  const std::string text(reinterpret_cast<const char*>(p) + start, header_len);
  TINYAE_RETURN_IF_ERROR(HeaderParser(path, text, max_count).parse(&header));
  const std::string& descr = header.descr;
  int size = 0;
  if (descr == "<f4") size = 4;
  else if (descr == "<f8") size = 8;
  else if (descr == "|u1" || descr == "<u1") size = 1;
  else {
    return Status::error(StatusCode::unsupported, path.c_str(), ": dtype '", io::printable(descr).c_str(),
                         "' (supported: <f4, <f8, |u1)");
  }
  if (header.fortran_order) {
    return Status::error(StatusCode::unsupported, path.c_str(),
                         ": only C-order arrays are supported (fortran_order must be False)");
  }
  out->shape = std::move(header.shape);
  out->shape_text = io::printable(header.shape_text);
  out->item_bytes = size;
  out->data_start = start + header_len;
  out->count = 1;
  for (std::int64_t n : out->shape) out->count *= static_cast<std::uint64_t>(n);  // bounded by the parser
  return Status();
}

float npy_element(const unsigned char* d, int item_bytes) {
  if (item_bytes == 4) {
    const std::uint32_t bits = io::read_le32(d);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  if (item_bytes == 8) {
    const std::uint64_t bits = io::read_le32(d) | (std::uint64_t{io::read_le32(d + 4)} << 32);
    double v;
    std::memcpy(&v, &bits, 8);
    return static_cast<float>(v);
  }
  return d[0];
}

}  // namespace io

Status load_npy(const std::string& path, NpyArray* out) {
  std::string bytes;
  TINYAE_RETURN_IF_ERROR(io::read_file(path, kMaxNpyBytes, &bytes));
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  io::NpyHeaderInfo header;
  TINYAE_RETURN_IF_ERROR(io::parse_npy_header(path, p, bytes.size(), kMaxNpyBytes, &header));
  const int size = header.item_bytes;
  const std::uint64_t expected = header.count * static_cast<std::uint64_t>(size);
  if (bytes.size() - header.data_start != expected) {
    return Status::error(StatusCode::corrupt_data, path.c_str(), ": shape ", header.shape_text.c_str(),
                         " needs ", expected, " data bytes, the file has ", bytes.size() - header.data_start);
  }
  NpyArray a;
  a.shape = std::move(header.shape);
  const auto n = static_cast<std::size_t>(header.count);  // bounded by kMaxNpyBytes above
  a.item_bytes = size;
  a.values.resize(n);
  const unsigned char* d = p + header.data_start;
  for (std::size_t i = 0; i < n; ++i) {
    a.values[i] = io::npy_element(d + static_cast<std::size_t>(size) * i, size);
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
