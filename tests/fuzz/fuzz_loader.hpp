// Shared body of the loader fuzzers: the loaders read paths, so each input is written
// to a private temporary file first. A crash, hang, leak or sanitizer report fails.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "tinyae/io.hpp"

namespace tinyae::fuzz {

inline const std::string& temp_path(const char* suffix) {
  static const std::string path =
      std::string(P_tmpdir) + "/tinyae_fuzz_" + std::to_string(getpid()) + suffix;
  return path;
}

template <class Load>
int run(const std::uint8_t* data, std::size_t size, const char* suffix, Load load) {
  const std::string& path = temp_path(suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  (void)load(path);
  return 0;
}

}  // namespace tinyae::fuzz
