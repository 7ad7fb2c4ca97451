// The float-encoder case of platforms/encoder_case.hpp on a Linux target: prints the
// codes as the firmware does ("code <sample> <j> <hex bits>") for the host comparison.
//   tinyae_encode_codes [extra]   repeats the first encode `extra` more times (for
//                                 platforms/insncount.sh, which counts by difference)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "encoder_case.hpp"
#include "tinyae/isa.hpp"

namespace {

alignas(tinyae::kAlignment) unsigned char
    g_arena[tinyae::arena_bytes(fw::kEncoderSpec, fw::kEncoderConfig)];

}  // namespace

int main(int argc, char** argv) {
  const long extra = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
  std::printf("float encoder 784-32 (mnist-dense spec, seed %llu), %s kernels\n",
              static_cast<unsigned long long>(fw::kEncoderConfig.seed), tinyae::active_isa());
  tinyae::Arena arena(g_arena, sizeof g_arena);
  const tinyae::Status s = fw::run_encoder(arena, extra, [](int sample, const float* code) {
    for (int j = 0; j < fw::kCodeSize; ++j) {
      std::uint32_t bits = 0;
      std::memcpy(&bits, &code[j], sizeof bits);
      std::printf("code %d %d %08lx\n", sample, j, static_cast<unsigned long>(bits));
    }
  });
  if (!s.ok()) {
    std::fprintf(stderr, "encoder failed: %s\n", s.message());
    return 1;
  }
  return 0;
}
