// Firmware example: the whole int8 autoencoder from the C header the host exported
// (weights as const arrays in flash; one static scratch array, no arena, no heap).
//   default             fw_ae (mnist-dense 784-32-784): for each of fw::kEncoderInputs
//                       images prints "score <sample> <score> <anomalous>" and
//                       "recon <sample> <784 bytes in hex>"
//   TINYAE_FW_DENOISE   fw_denoise (mnist-conv): prints "denoise <sample> <hex>" for the
//                       noisy images (fw::noisy_input)
// The host compares every byte and score (platforms/reference/int8_whole_reference).
// The stack is painted first and its high-water printed at the end.
//
// TINYAE_FW_EXTRA_RUNS (default 0) repeats the first sample's score (denoise: its
// reconstruct) that many more times, so platforms/insncount.sh can isolate one.
#include <cstdint>

#include "console.hpp"
#include "int8_whole_case.hpp"
#include "int8_whole.h"
#include "stack_paint.hpp"

#ifndef TINYAE_FW_EXTRA_RUNS
#define TINYAE_FW_EXTRA_RUNS 0
#endif

namespace {

void print_hex(fw::Console& out, const char* what, int sample, const std::uint8_t* bytes) {
  static const char kDigits[] = "0123456789abcdef";
  out << what << ' ' << sample << ' ';
  for (int i = 0; i < fw::kInputSize; ++i) out << kDigits[bytes[i] >> 4] << kDigits[bytes[i] & 15];
  out << '\n';
}

// The input and output buffers, static: the stack measures the network alone.
float x[fw::kInputSize];
std::uint8_t in[fw::kInputSize];
std::uint8_t recon[fw::kInputSize];

}  // namespace

int main() {
  fw::paint_stack();
  fw::Console out;
#ifdef TINYAE_FW_DENOISE
  out << "int8 denoiser (mnist-conv spec, seeded, quantized whole on the host), exported C header\n";
  for (int sample = 0; sample < fw::kEncoderInputs; ++sample) {
    fw::noisy_input(sample, x);
    fw_denoise_case_quantize(x, in);
    const long repeats = sample == 0 ? 1 + TINYAE_FW_EXTRA_RUNS : 1;
    for (long r = 0; r < repeats; ++r) fw_denoise_case_reconstruct(in, recon);
    print_hex(out, "denoise", sample, recon);
  }
#else
  out << "int8 autoencoder 784-32-784 (mnist-dense spec, seeded, quantized whole on the host), exported C header\n";
  for (int sample = 0; sample < fw::kEncoderInputs; ++sample) {
    fw::encoder_input(sample, x);
    fw_ae_case_quantize(x, in);
    std::int64_t score = 0;
    int anomalous = 0;
    const long repeats = sample == 0 ? 1 + TINYAE_FW_EXTRA_RUNS : 1;
    for (long r = 0; r < repeats; ++r) anomalous = fw_ae_case_score(in, &score);
    out << "score " << sample << ' ' << static_cast<long long>(score) << ' ' << anomalous << '\n';
    fw_ae_case_reconstruct(in, recon);
    print_hex(out, "recon", sample, recon);
  }
#endif
  out << "stack high-water " << static_cast<unsigned long>(fw::stack_high_water()) << " bytes\n";
  out << "done\n";
  out.flush();
  return 0;
}
