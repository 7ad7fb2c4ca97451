// Firmware example 1: the float encoder of the mnist-dense network on a Cortex-M.
// Builds the network from its spec and seed in a static arena (no heap), encodes
// fw::kEncoderInputs deterministic images one at a time and prints the codes, as hex
// bits for the host comparison (encoder_reference) and as decimals for people.
//
// TINYAE_FW_EXTRA_ENCODES (default 0) repeats the first encode that many more times,
// so that the instruction-count script can isolate one encode by difference.
#include "console.hpp"
#include "encoder_case.hpp"

#ifndef TINYAE_FW_EXTRA_ENCODES
#define TINYAE_FW_EXTRA_ENCODES 0
#endif

namespace {

alignas(tinyae::kAlignment) unsigned char
    g_arena[tinyae::arena_bytes(fw::kEncoderSpec, fw::kEncoderConfig)];
float g_input[fw::kInputSize];
float g_code[fw::kCodeSize];

}  // namespace

int main() {
  fw::Console out;
  tinyae::Arena arena(g_arena, sizeof g_arena);
  tinyae::Network net;
  tinyae::Status s = net.setup(fw::kEncoderSpec, fw::kEncoderConfig, arena);
  if (!s.ok()) {
    out << "setup failed: " << s.message() << '\n';
    return 1;
  }
  out << "float encoder 784-32 (mnist-dense spec, seed "
      << static_cast<unsigned long long>(fw::kEncoderConfig.seed) << "), arena "
      << static_cast<unsigned long>(sizeof g_arena) << " bytes\n";
  for (int sample = 0; sample < fw::kEncoderInputs; ++sample) {
    fw::encoder_input(sample, g_input);
    const int repeats = sample == 0 ? 1 + TINYAE_FW_EXTRA_ENCODES : 1;
    for (int r = 0; r < repeats; ++r) {
      s = net.encode(g_input, 1, fw::kInputSize, g_code);
      if (!s.ok()) {
        out << "encode failed: " << s.message() << '\n';
        return 1;
      }
    }
    out << "sample " << sample << " code:";
    for (int j = 0; j < fw::kCodeSize; ++j) {
      out << (j % 8 == 0 ? "\n  " : " ");
      out.fixed(static_cast<double>(g_code[j]), 5);
    }
    out << '\n';
    for (int j = 0; j < fw::kCodeSize; ++j) {
      out << "code " << sample << ' ' << j << ' ';
      out.hex_bits(g_code[j]) << '\n';
    }
  }
  out << "done\n";
  out.flush();
  return 0;
}
