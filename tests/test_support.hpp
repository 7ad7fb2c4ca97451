// Small helpers shared by the tests.
#pragma once

#include <string>
#include <vector>

#include "tinyae/tinyae.hpp"

namespace tinyae::test {

// Memory and an Arena of exactly `bytes` usable bytes, aligned.
struct OwnedArena {
  explicit OwnedArena(std::size_t bytes) : storage(bytes + kAlignment) {
    auto p = reinterpret_cast<std::uintptr_t>(storage.data());
    arena = Arena(storage.data() + (kAlignment - p % kAlignment) % kAlignment, bytes);
  }
  std::vector<unsigned char> storage;
  Arena arena;
};

inline std::string data_path(const std::string& relative) {
  return std::string(TINYAE_TEST_DATA_DIR) + "/" + relative;
}

}  // namespace tinyae::test
