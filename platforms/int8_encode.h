/* C entry points of the exported int8 encoder of the case (int8_encode.c). */
#ifndef TINYAE_FW_INT8_ENCODE_H
#define TINYAE_FW_INT8_ENCODE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* code (fw_int8_case_code_size() bytes) = the int8 encoder of x (784 floats in [0, 1]). */
void fw_int8_case_encode(const float *x, int8_t *code);
int fw_int8_case_code_size(void);

#ifdef __cplusplus
}

#include "int8_case.hpp"

namespace fw {

// Encodes the case's inputs with the exported header, the first one 1 + extra times
// (instruction counts take the difference), and calls emit(sample, code) after each.
// False when the header's code size is not the case's.
template <class Emit>
bool run_int8_header(long extra, Emit emit) {
  if (fw_int8_case_code_size() != kCodeSize) return false;
  float input[kInputSize];
  std::int8_t code[kCodeSize];
  for (int sample = 0; sample < kEncoderInputs; ++sample) {
    encoder_input(sample, input);
    const long repeats = sample == 0 ? 1 + extra : 1;
    for (long r = 0; r < repeats; ++r) fw_int8_case_encode(input, code);
    emit(sample, static_cast<const std::int8_t*>(code));
  }
  return true;
}

}  // namespace fw
#endif

#endif
