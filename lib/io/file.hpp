// File helpers shared by the loaders and writers (host only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tinyae/status.hpp"

namespace tinyae::io {

// Reads at most max_bytes of a file, gunzipping it when it is gzip (zlib passes
// plain files through). A longer file is an error, not a large allocation.
Status read_file(const std::string& path, std::size_t max_bytes, std::string* out);

// Writes bytes to path + ".tmp", flushes it to disk, then renames it over path: a
// failed or interrupted write leaves any previous file at path untouched.
Status write_file_atomic(const std::string& path, const void* bytes, std::size_t size);

// File bytes made fit to quote in a message: printable ASCII stays, a backslash becomes
// "\\" and any other byte "\xHH" (a NUL or a newline must not cut or break the line);
// at most max_bytes of input are shown, then "...".
std::string printable(const char* data, std::size_t size, std::size_t max_bytes = 40);
inline std::string printable(const std::string& bytes, std::size_t max_bytes = 40) {
  return printable(bytes.data(), bytes.size(), max_bytes);
}

// A byte as "0x0F" (Status formats integers in decimal).
std::string hex_byte(unsigned char byte);

// corrupt_data "<path>: <what>file too short (N bytes; the header needs [at least ]M)".
Status too_short(const std::string& path, const char* what, std::size_t size, std::size_t needed,
                 bool at_least = false);

inline std::uint32_t read_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline std::uint32_t read_le32(const unsigned char* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
}
inline void append_le32(std::string* s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

}  // namespace tinyae::io
