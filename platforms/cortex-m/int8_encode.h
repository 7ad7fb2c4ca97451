/* C entry points of the firmware's int8 encoder (int8_encode.c). */
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
#endif

#endif
