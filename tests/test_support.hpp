// Small helpers shared by the tests.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tinyae/tinyae.hpp"

namespace tinyae::test {

// Memory and an Arena of exactly `bytes` usable bytes starting at the aligned `base`.
struct OwnedArena {
  explicit OwnedArena(std::size_t bytes) : storage(bytes + kAlignment) {
    auto p = reinterpret_cast<std::uintptr_t>(storage.data());
    base = storage.data() + (kAlignment - p % kAlignment) % kAlignment;
    arena = Arena(base, bytes);
  }
  std::vector<unsigned char> storage;
  unsigned char* base = nullptr;
  Arena arena;
};

// A path in the temporary folder, for files a test writes.
inline std::string temp_path(const std::string& name) {
  return std::string(P_tmpdir) + "/tinyae_test_" + name;
}

// Writes contents to temp_path(name) and returns that path.
inline std::string write_temp_file(const std::string& name, const std::string& contents) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

inline std::string data_path(const std::string& relative) {
  return std::string(TINYAE_TEST_DATA_DIR) + "/" + relative;
}

}  // namespace tinyae::test
