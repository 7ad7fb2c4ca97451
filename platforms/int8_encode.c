/* The exported int8 encoder, compiled as C99 by the target's C compiler (firmware, ARM
 * Linux): the header fw_int8.h is written at build time by the host (platforms/
 * reference/int8_reference header) from the case in platforms/int8_case.hpp. */
#include "int8_encode.h"

#include "fw_int8.h"

void fw_int8_case_encode(const float *x, int8_t *code) {
  static uint8_t scratch[FW_INT8_SCRATCH_BYTES];
  uint8_t in[FW_INT8_INPUT_SIZE];
  fw_int8_quantize_input(x, in);
  fw_int8_encode(in, code, scratch);
}

int fw_int8_case_code_size(void) { return FW_INT8_CODE_SIZE; }
