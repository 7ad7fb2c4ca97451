// Firmware example: the int8 encoder of the mnist-dense case, from the C header the host
// exported (weights as const arrays in flash; no arena, no heap). Prints the codes of
// fw::kEncoderInputs deterministic images as "int8 <sample> <j> <value>" lines, which
// the host compares byte for byte (platforms/reference/int8_reference).
//
// TINYAE_FW_EXTRA_ENCODES (default 0) repeats the first encode that many more times,
// so that platforms/insncount.sh can isolate one encode by difference.
#include "console.hpp"
#include "int8_case.hpp"
#include "int8_encode.h"

#ifndef TINYAE_FW_EXTRA_ENCODES
#define TINYAE_FW_EXTRA_ENCODES 0
#endif

int main() {
  fw::Console out;
  out << "int8 encoder 784-32 (mnist-dense spec, seed "
      << static_cast<unsigned long long>(fw::kEncoderConfig.seed)
      << ", quantized on the host), exported C header\n";
  const bool ok = fw::run_int8_header(TINYAE_FW_EXTRA_ENCODES, [&out](int sample, const std::int8_t* code) {
    out << "sample " << sample << " int8 code:";
    for (int j = 0; j < fw::kCodeSize; ++j) out << (j % 16 == 0 ? "\n  " : " ") << static_cast<int>(code[j]);
    out << '\n';
    for (int j = 0; j < fw::kCodeSize; ++j) {
      out << "int8 " << sample << ' ' << j << ' ' << static_cast<int>(code[j]) << '\n';
    }
  });
  if (!ok) {
    out << "the header's code size " << fw_int8_case_code_size() << " is not " << fw::kCodeSize << '\n';
    out.flush();
    return 1;
  }
  out << "done\n";
  out.flush();
  return 0;
}
