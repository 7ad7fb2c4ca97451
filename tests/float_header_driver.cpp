// Built by test_const_parameters.cpp against a header from save_float_c_header (named
// `model`, included as "model.h"): writes what the header says, for the test to compare
// with the network it came from. Only the header and tinyae's constexpr code are used,
// so nothing is linked.
#include <cstdio>

#include "model.h"
#include "tinyae/network.hpp"

// The arena size is a compile-time constant of the header's spec.
constexpr std::size_t kArena = tinyae::arena_bytes_const_parameters(model_spec, 3);
static_assert(kArena > 0, "the header's spec is valid");

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr) return 3;
  const unsigned long long arena = kArena;
  const long long floats = model_parameter_floats;
  bool ok = std::fwrite(&model_spec, sizeof model_spec, 1, f) == 1;
  ok = ok && std::fwrite(&arena, sizeof arena, 1, f) == 1;
  ok = ok && std::fwrite(&floats, sizeof floats, 1, f) == 1;
  ok = ok && std::fwrite(model_parameters, sizeof(float), sizeof model_parameters / sizeof(float), f) ==
                 sizeof model_parameters / sizeof(float);
  return std::fclose(f) == 0 && ok ? 0 : 4;
}
