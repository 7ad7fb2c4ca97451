/* The exported whole int8 autoencoder of mnist-dense (fw_ae.h, written at build time
 * by the host: platforms/reference/int8_whole_reference), compiled as C99. Its scratch
 * is a static array: the firmware's RAM beside the input and output buffers. */
#include "int8_whole.h"

#include "fw_ae.h"

static uint8_t scratch[FW_AE_SCORE_SCRATCH_BYTES];

void fw_ae_case_quantize(const float *x, uint8_t *in) { fw_ae_quantize_input(x, in); }

void fw_ae_case_reconstruct(const uint8_t *in, uint8_t *out) { fw_ae_reconstruct(in, out, scratch); }

int fw_ae_case_score(const uint8_t *in, int64_t *score) { return fw_ae_score(in, score, scratch); }
