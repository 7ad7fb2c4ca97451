/* C entry points of the exported whole-network int8 cases: fw_ae in int8_whole.c,
 * fw_denoise in int8_denoise.c (a firmware links one of them). */
#ifndef TINYAE_FW_INT8_WHOLE_H
#define TINYAE_FW_INT8_WHOLE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* fw_ae (mnist-dense): in = the uint8 input of x (784 floats in [0, 1]). */
void fw_ae_case_quantize(const float *x, uint8_t *in);
/* out (784 bytes) = the reconstruction of in. */
void fw_ae_case_reconstruct(const uint8_t *in, uint8_t *out);
/* *score = the anomaly score of in; returns 1 above the header's threshold. */
int fw_ae_case_score(const uint8_t *in, int64_t *score);

/* fw_denoise (mnist-conv): in = the uint8 input of x (784 floats in [0, 1]). */
void fw_denoise_case_quantize(const float *x, uint8_t *in);
/* out (784 bytes) = the denoised in. */
void fw_denoise_case_reconstruct(const uint8_t *in, uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif
