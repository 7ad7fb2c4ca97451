// Prints which ISA the float kernels use; with an argument, fails unless it is that one.
//   tinyae_isa_report [expected]
#include <cstdio>
#include <cstring>

#include "tinyae/isa.hpp"

int main(int argc, char** argv) {
  const char* active = tinyae::active_isa();
  std::printf("float kernels: active ISA %s, best ISA %s\n", active, tinyae::best_isa());
  if (argc > 1 && std::strcmp(active, argv[1]) != 0) {
    std::fprintf(stderr, "expected the %s kernels\n", argv[1]);
    return 1;
  }
  return 0;
}
