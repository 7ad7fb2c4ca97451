/* The exported int8 convolutional denoiser of mnist-conv (fw_denoise.h, written at
 * build time by the host: platforms/reference/int8_whole_reference), compiled as C99. */
#include "int8_whole.h"

#include "fw_denoise.h"

static uint8_t scratch[FW_DENOISE_RECONSTRUCT_SCRATCH_BYTES];

void fw_denoise_case_quantize(const float *x, uint8_t *in) { fw_denoise_quantize_input(x, in); }

void fw_denoise_case_reconstruct(const uint8_t *in, uint8_t *out) { fw_denoise_reconstruct(in, out, scratch); }
