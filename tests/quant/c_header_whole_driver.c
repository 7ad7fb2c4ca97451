/* Runs an exported whole-network int8 header (model.h, name "tae") on uint8 samples:
 *   c_header_whole_driver samples.u8 out.bin
 * reads rows of TAE_INPUT_SIZE bytes and writes, per row, the code (TAE_CODE_SIZE
 * bytes), the reconstruction (TAE_OUTPUT_SIZE bytes), the decoded code (TAE_OUTPUT_SIZE
 * bytes), the score (int64) and the flag _score returned (int32). Built with -std=c99
 * -Werror by tests/quant/test_c_header.cpp. */
#include <stdio.h>

#include "model.h"

int main(int argc, char **argv) {
  static uint8_t scratch[TAE_SCRATCH_BYTES];
  static uint8_t score_scratch[TAE_SCORE_SCRATCH_BYTES];
  uint8_t in[TAE_INPUT_SIZE];
  int8_t code[TAE_CODE_SIZE];
  uint8_t out[TAE_OUTPUT_SIZE];
  uint8_t decoded[TAE_OUTPUT_SIZE];
  int64_t score;
  int32_t flag;
  FILE *samples;
  FILE *result;
  if (argc != 3) return 2;
  samples = fopen(argv[1], "rb");
  result = fopen(argv[2], "wb");
  if (samples == NULL || result == NULL) return 2;
  while (fread(in, sizeof in, 1, samples) == 1) {
    tae_encode(in, code, scratch);
    tae_reconstruct(in, out, scratch);
    tae_decode(code, decoded, scratch);
    flag = tae_score(in, &score, score_scratch);
    if (fwrite(code, sizeof code, 1, result) != 1 || fwrite(out, sizeof out, 1, result) != 1 ||
        fwrite(decoded, sizeof decoded, 1, result) != 1 || fwrite(&score, sizeof score, 1, result) != 1 ||
        fwrite(&flag, sizeof flag, 1, result) != 1) {
      return 3;
    }
  }
  fclose(samples);
  return fclose(result) == 0 ? 0 : 3;
}
