// Firmware example 1: the float encoder of the mnist-dense network on a Cortex-M.
// Builds the network from its spec and seed in a static arena (no heap), encodes
// fw::kEncoderInputs deterministic images and prints the codes, as hex bits for the
// host comparison (platforms/reference/encoder_reference) and as decimals for people.
//
// TINYAE_FW_EXTRA_ENCODES (default 0) repeats the first encode that many more times,
// so that platforms/insncount.sh can isolate one encode by difference.
#include "console.hpp"
#include "encoder_case.hpp"

#ifndef TINYAE_FW_EXTRA_ENCODES
#define TINYAE_FW_EXTRA_ENCODES 0
#endif

namespace {

alignas(tinyae::kAlignment) unsigned char
    g_arena[tinyae::arena_bytes(fw::kEncoderSpec, fw::kEncoderConfig)];

}  // namespace

int main() {
  fw::Console out;
  out << "float encoder 784-32 (mnist-dense spec, seed "
      << static_cast<unsigned long long>(fw::kEncoderConfig.seed) << "), arena "
      << static_cast<unsigned long>(sizeof g_arena)
      << " bytes (with weights from an exported model instead of the seeded init, inference"
         " alone would need "
      << static_cast<unsigned long>(tinyae::arena_bytes(fw::kEncoderSpec, 1)) << ")\n";
  tinyae::Arena arena(g_arena, sizeof g_arena);
  const tinyae::Status s =
      fw::run_encoder(arena, TINYAE_FW_EXTRA_ENCODES, [&out](int sample, const float* code) {
        out << "sample " << sample << " code:";
        for (int j = 0; j < fw::kCodeSize; ++j) {
          out << (j % 8 == 0 ? "\n  " : " ");
          out.fixed(static_cast<double>(code[j]), 5);
        }
        out << '\n';
        for (int j = 0; j < fw::kCodeSize; ++j) {
          out << "code " << sample << ' ' << j << ' ';
          out.hex_bits(code[j]) << '\n';
        }
      });
  if (!s.ok()) {
    out << "encoder failed: " << s.message() << '\n';
    out.flush();
    return 1;
  }
  out << "done\n";
  out.flush();
  return 0;
}
