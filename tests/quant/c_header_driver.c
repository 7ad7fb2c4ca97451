/* Runs an exported int8 encoder header (model.h, name "tae") on float samples:
 *   c_header_driver samples.f32 out.bin
 * reads rows of TAE_INPUT_SIZE floats and writes, per row, the quantized input
 * (TAE_INPUT_SIZE bytes), the int8 code (TAE_CODE_SIZE bytes) and the dequantized code
 * (TAE_CODE_SIZE floats). Built with -std=c99 -Werror by tests/quant/test_c_header.cpp. */
#include <stdio.h>

#include "model.h"

int main(int argc, char **argv) {
  static uint8_t scratch[TAE_SCRATCH_BYTES];
  float x[TAE_INPUT_SIZE];
  uint8_t in[TAE_INPUT_SIZE];
  int8_t code[TAE_CODE_SIZE];
  float value[TAE_CODE_SIZE];
  FILE *samples;
  FILE *out;
  int j;
  if (argc != 3) return 2;
  samples = fopen(argv[1], "rb");
  out = fopen(argv[2], "wb");
  if (samples == NULL || out == NULL) return 2;
  while (fread(x, sizeof x, 1, samples) == 1) {
    tae_quantize_input(x, in);
    tae_encode(in, code, scratch);
    for (j = 0; j < TAE_CODE_SIZE; ++j) value[j] = tae_dequantize_code(code[j]);
    if (fwrite(in, sizeof in, 1, out) != 1 || fwrite(code, sizeof code, 1, out) != 1 ||
        fwrite(value, sizeof value, 1, out) != 1) {
      return 3;
    }
  }
  fclose(samples);
  return fclose(out) == 0 ? 0 : 3;
}
