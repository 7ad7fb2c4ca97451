#include "file.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tinyae::io {

namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

// zlib's reason for the last error, without the "<path>: " it starts with (the
// message names the path once, first).
const char* gzip_reason(gzFile file, const std::string& path) {
  int code = 0;
  const char* why = gzerror(file, &code);
  if (std::strncmp(why, path.c_str(), path.size()) == 0 && std::strncmp(why + path.size(), ": ", 2) == 0) {
    why += path.size() + 2;
  }
  return why;
}

}  // namespace

std::string printable(const char* data, std::size_t size, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < size && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHexDigits[c >> 4];
      out += kHexDigits[c & 15];
    }
  }
  if (size > max_bytes) out += "...";
  return out;
}

std::string hex_byte(unsigned char byte) {
  return {'0', 'x', kHexDigits[byte >> 4], kHexDigits[byte & 15]};
}

Status too_short(const std::string& path, const char* what, std::size_t size, std::size_t needed,
                 bool at_least) {
  return Status::error(StatusCode::corrupt_data, path.c_str(), ": ", what, "file too short (", size,
                       " bytes; the header needs ", at_least ? "at least " : "", needed, ")");
}

Status read_file(const std::string& path, std::size_t max_bytes, std::string* out) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status::error(StatusCode::io_error, path.c_str(), ": cannot open (",
                         std::strerror(errno), ")");
  }
  std::string data;
  char chunk[1 << 16];
  for (;;) {
    const int n = gzread(file, chunk, sizeof chunk);
    if (n < 0) {
      Status s = Status::error(StatusCode::corrupt_data, path.c_str(),
                               ": corrupt or unreadable data (", gzip_reason(file, path), ")");
      gzclose(file);
      return s;
    }
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
      gzclose(file);
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": larger than the ",
                           max_bytes, " bytes accepted");
    }
    data.append(chunk, static_cast<std::size_t>(n));
  }
  // A gzip stream cut short reads as a clean end of file; gzclose reports it.
  int code = Z_OK;
  gzerror(file, &code);
  const std::string why = code == Z_OK ? std::string() : std::string(" (") + gzip_reason(file, path) + ")";
  if (gzclose(file) != Z_OK) {
    return Status::error(StatusCode::corrupt_data, path.c_str(),
                         ": compressed data is truncated or corrupt", why.c_str());
  }
  *out = std::move(data);
  return Status();
}

Status write_file_atomic(const std::string& path, const void* bytes, std::size_t size) {
  const std::string temp = path + ".tmp";
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) {
    return Status::error(StatusCode::io_error, temp.c_str(), ": cannot create (",
                         std::strerror(errno), ")");
  }
  bool ok = size == 0 || std::fwrite(bytes, 1, size, file) == size;
  ok = std::fflush(file) == 0 && ok;
  ok = ::fsync(fileno(file)) == 0 && ok;
  const int saved_errno = errno;
  ok = std::fclose(file) == 0 && ok;
  if (!ok) {
    std::remove(temp.c_str());
    return Status::error(StatusCode::io_error, path.c_str(), ": write failed (",
                         std::strerror(saved_errno), "); the previous file is unchanged");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(temp.c_str());
    return Status::error(StatusCode::io_error, path.c_str(), ": cannot replace (",
                         std::strerror(e), ")");
  }
  return Status();
}

}  // namespace tinyae::io
