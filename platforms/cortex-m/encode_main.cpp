// Firmware example 1: the float encoder of the mnist-dense network on a Cortex-M.
// Builds the network from its spec and seed in a static arena (no heap), encodes
// fw::kEncoderInputs deterministic images and prints the codes, as hex bits for the
// host comparison (platforms/reference/encoder_reference) and as decimals for people.
//
// TINYAE_FW_EXTRA_ENCODES (default 0) repeats the first encode that many more times,
// so that platforms/insncount.sh can isolate one encode by difference.
//
// TINYAE_FW_CONST_PARAMETERS (tinyae_fw_encode_flash): the same seeded weights come
// from fw_float.h instead, a const array in flash written at build time by the host's
// encoder_reference (init_parameters + save_float_c_header); the static arena holds
// only the activations (arena_bytes_const_parameters).
#include "console.hpp"
#include "encoder_case.hpp"
#ifdef TINYAE_FW_CONST_PARAMETERS
#include "fw_float.h"
#endif

#ifndef TINYAE_FW_EXTRA_ENCODES
#define TINYAE_FW_EXTRA_ENCODES 0
#endif

namespace {

#ifdef TINYAE_FW_CONST_PARAMETERS
static_assert(fw_encoder_spec.parameter_floats() == fw::kEncoderSpec.parameter_floats(),
              "fw_float.h holds the encoder case's network");
constexpr std::size_t kArenaBytes = tinyae::arena_bytes_const_parameters(fw_encoder_spec, 1);
static_assert(kArenaBytes > 0 && kArenaBytes <= 8 * 1024, "the flash encoder runs in 8 KB of RAM");
#else
constexpr std::size_t kArenaBytes = tinyae::arena_bytes(fw::kEncoderSpec, fw::kEncoderConfig);
#endif
alignas(tinyae::kAlignment) unsigned char g_arena[kArenaBytes];

// The encoder's network in `arena`: from the const header, or from spec and seed.
template <class Emit>
tinyae::Status encode_all(tinyae::Arena& arena, Emit emit) {
#ifdef TINYAE_FW_CONST_PARAMETERS
  tinyae::Network net;
  TINYAE_RETURN_IF_ERROR(
      net.setup(fw_encoder_spec, fw_encoder_parameters, fw_encoder_parameter_floats, 1, arena));
  return fw::run_encoder(net, TINYAE_FW_EXTRA_ENCODES, emit);
#else
  return fw::run_encoder(arena, TINYAE_FW_EXTRA_ENCODES, emit);
#endif
}

}  // namespace

int main() {
  fw::Console out;
  out << "float encoder 784-32 (mnist-dense spec, seed "
      << static_cast<unsigned long long>(fw::kEncoderConfig.seed) << "), arena "
      << static_cast<unsigned long>(sizeof g_arena)
#ifdef TINYAE_FW_CONST_PARAMETERS
      << " bytes, weights a const array in flash\n";
#else
      << " bytes (with weights from an exported model instead of the seeded init, inference"
         " alone would need "
      << static_cast<unsigned long>(tinyae::arena_bytes(fw::kEncoderSpec, 1)) << ")\n";
#endif
  tinyae::Arena arena(g_arena, sizeof g_arena);
  const tinyae::Status s = encode_all(arena, [&out](int sample, const float* code) {
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
