// Running the tinyae command line (TINYAE_CLI, set by CMake) from a test, as a user would.
#pragma once

#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tinyae::test {

struct Run {
  int exit_code;
  std::string output;  // stdout and stderr
};

inline Run run(const std::string& args) {
  const std::string command = std::string(TINYAE_CLI) + " " + args + " 2>&1";
  Run r{-1, ""};
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The number printed right after label in text.
inline double number_after(const std::string& text, const std::string& label) {
  const std::size_t at = text.find(label);
  REQUIRE(at != std::string::npos);
  return std::strtod(text.c_str() + at + label.size(), nullptr);
}

}  // namespace tinyae::test
