// The headers of .npy and IDX files, parsed from a file's first bytes: shared by the
// loaders, which read the whole file, and FileBatchStream, which reads it in windows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tinyae/status.hpp"

namespace tinyae::io {

struct NpyHeaderInfo {
  std::vector<std::int64_t> shape;
  std::string shape_text;     // as written, printable, for messages
  int item_bytes = 0;         // 4 <f4, 8 <f8, 1 uint8
  std::size_t data_start = 0;  // offset of the first element
  std::uint64_t count = 0;    // elements the shape describes
};
// The magic, version and header dict of an .npy file from its first `have` bytes
// (the header must lie within them); at most max_count elements.
Status parse_npy_header(const std::string& path, const unsigned char* p, std::size_t have,
                        std::uint64_t max_count, NpyHeaderInfo* out);
// One element of the stored dtype as float.
float npy_element(const unsigned char* d, int item_bytes);

struct IdxHeaderInfo {
  unsigned char type = 0;  // 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float, 0x0E double
  int item_bytes = 0;
  std::vector<std::int32_t> dims;
  std::size_t data_start = 0;
  std::uint64_t count = 1;
};
// The magic, type and dimensions of an IDX file from its first `have` bytes; at most
// max_bytes of data.
Status parse_idx_header(const std::string& path, const unsigned char* p, std::size_t have,
                        std::uint64_t max_bytes, IdxHeaderInfo* out);
// One big-endian element of the given IDX type.
double idx_element(unsigned char type, const unsigned char* p);

}  // namespace tinyae::io
