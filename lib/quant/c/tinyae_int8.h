/* tinyae_int8.h: the integer-only runtime of tinyae's int8 networks, in C99.
 *
 * Every header `tinyae export --c-header` writes carries this file's text (embedded at
 * build time), then its model: weight tables, a layer table (tinyae_int8_layer[]) and
 * entry points that call one layer function per layer on two buffers in the caller's
 * scratch (straight-line calls on constant layers, so the compiler sees every size).
 * It needs <stdint.h> and <string.h> only: no heap, no floating point, no other
 * library. Everything is static inline, so a program may include several exported
 * models (the guard keeps one copy of the runtime).
 *
 * Arithmetic (integers only), per layer and output channel j:
 *   acc = bias[j] + sum_i w[j][i] * x[i]          int32 (the quantizer proved it fits)
 *   v   = clamp(requantize(acc, mult[j], shift[j]) + zero_point, lo, hi)
 *   y   = table ? table[v] : v                     one byte: uint8, int8 for the code
 * requantize is gemmlowp's and TFLite's reference ("double rounding")
 * MultiplyByQuantizedMultiplier, for the real factor mult * 2^(shift - 31):
 *   a = acc * 2^max(shift, 0)
 *   b = SaturatingRoundingDoublingHighMul(a, mult)   (a*b + nudge) / 2^31, truncated
 *   requantize = RoundingDivideByPOT(b, max(-shift, 0))   nearest, ties away from zero
 * It assumes >> of a negative number is arithmetic, as on every common compiler.
 * Images are channels-last (row, column, channel). A convolution is that sum per
 * output pixel over its kernel x kernel x C window (weights in (ky, kx, c) order),
 * taps outside the image reading the input zero point (real 0). Max pooling (2x2,
 * stride 2, an odd last row or column alone) compares the stored bytes, as int8 on
 * the code's grid. A nearest resize copies input (oy * H / OH, ox * W / OW).
 * The code is int8; the layer after it reads the same bytes as uint8 with the top bit
 * flipped (its zero point is the code's + 128), which is exact.
 */
#ifndef TINYAE_INT8_H
#define TINYAE_INT8_H

#include <stdint.h>
#include <string.h>

enum { TINYAE_INT8_DENSE = 0, TINYAE_INT8_CONV2D = 1, TINYAE_INT8_MAX_POOL2D = 2, TINYAE_INT8_RESIZE = 3 };

typedef struct {
  int32_t kind;                              /* TINYAE_INT8_* */
  int32_t h, w, c;                           /* input shape (dense: 1 x 1 x inputs) */
  int32_t oh, ow, oc;                        /* output shape */
  int32_t kernel, stride, pad_top, pad_left; /* conv2d */
  int32_t inputs, outputs;                   /* the weight matrix: outputs x inputs */
  int32_t pad;            /* conv2d: the input zero point; max_pool2d: 0x80 for int8 bytes */
  int32_t zero_point, lo, hi;
  const int8_t *weights;
  const int32_t *bias;
  const int32_t *mult;
  const int8_t *shift;
  const uint8_t *table;   /* sigmoid/tanh: 256 output bytes, or 0 */
} tinyae_int8_layer;

/* SaturatingRoundingDoublingHighMul for b = mult in [2^30, 2^31) (never INT32_MIN, so it
 * never saturates): then it equals floor((a * b + 2^30) / 2^31), the library's form. */
static inline int32_t tinyae_int8_rounding_doubling_high_mul(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
}

static inline int32_t tinyae_int8_rounding_divide_by_pot(int32_t x, int32_t e) {
  const int32_t mask = (int32_t)(((uint32_t)1 << e) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

/* Requantizes channel j's sum: the byte stored for it. */
static inline uint8_t tinyae_int8_output(int32_t acc, int32_t j, const tinyae_int8_layer *l) {
  const int32_t s = l->shift[j];
  int32_t v;
  if (s > 0) acc *= (int32_t)1 << s;
  v = tinyae_int8_rounding_divide_by_pot(tinyae_int8_rounding_doubling_high_mul(acc, l->mult[j]), s > 0 ? 0 : -s);
  v += l->zero_point;
  v = v < l->lo ? l->lo : (v > l->hi ? l->hi : v);
  return l->table ? l->table[v] : (uint8_t)(v & 0xFF);
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__)
/* Cores with the DSP extension (Cortex-M4/M7/M33, Armv7-A): SMLAD adds two 16 x 16-bit
 * products to a sum, so 4 input bytes and 4 weights take two SMLADs after SXTB16 /
 * UXTB16 split them into halfword pairs (bytes 0, 2 and, rotated, 1, 3). The sums
 * are the same integers as the plain loop's. GNU inline assembly: GCC and Clang. */
#define TINYAE_INT8_DSP 1
static inline uint32_t tinyae_int8_load32(const void *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline uint32_t tinyae_int8_sxtb16(uint32_t v) {
  uint32_t r;
  __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(v));
  return r;
}
static inline uint32_t tinyae_int8_sxtb16_ror8(uint32_t v) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
static inline uint32_t tinyae_int8_uxtb16(uint32_t v) {
  uint32_t r;
  __asm__("uxtb16 %0, %1" : "=r"(r) : "r"(v));
  return r;
}
static inline uint32_t tinyae_int8_uxtb16_ror8(uint32_t v) {
  uint32_t r;
  __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
static inline int32_t tinyae_int8_smlad(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* sums[0..3] += rows w, w + inputs, w + 2 * inputs, w + 3 * inputs times x: four
 * channels share each widened input word (23 instructions per 16 multiply-adds). */
static inline void tinyae_int8_dot4(const uint8_t *x, const int8_t *w, int32_t inputs, int32_t *sums) {
  const int8_t *w1 = w + inputs, *w2 = w1 + inputs, *w3 = w2 + inputs;
  int32_t i, a0 = sums[0], a1 = sums[1], a2 = sums[2], a3 = sums[3];
  for (i = 0; i + 4 <= inputs; i += 4) {
    const uint32_t xv = tinyae_int8_load32(x + i);
    const uint32_t x02 = tinyae_int8_uxtb16(xv), x13 = tinyae_int8_uxtb16_ror8(xv);
    uint32_t v = tinyae_int8_load32(w + i);
    a0 = tinyae_int8_smlad(tinyae_int8_sxtb16(v), x02, a0);
    a0 = tinyae_int8_smlad(tinyae_int8_sxtb16_ror8(v), x13, a0);
    v = tinyae_int8_load32(w1 + i);
    a1 = tinyae_int8_smlad(tinyae_int8_sxtb16(v), x02, a1);
    a1 = tinyae_int8_smlad(tinyae_int8_sxtb16_ror8(v), x13, a1);
    v = tinyae_int8_load32(w2 + i);
    a2 = tinyae_int8_smlad(tinyae_int8_sxtb16(v), x02, a2);
    a2 = tinyae_int8_smlad(tinyae_int8_sxtb16_ror8(v), x13, a2);
    v = tinyae_int8_load32(w3 + i);
    a3 = tinyae_int8_smlad(tinyae_int8_sxtb16(v), x02, a3);
    a3 = tinyae_int8_smlad(tinyae_int8_sxtb16_ror8(v), x13, a3);
  }
  for (; i < inputs; ++i) {
    a0 += (int32_t)w[i] * (int32_t)x[i];
    a1 += (int32_t)w1[i] * (int32_t)x[i];
    a2 += (int32_t)w2[i] * (int32_t)x[i];
    a3 += (int32_t)w3[i] * (int32_t)x[i];
  }
  sums[0] = a0;
  sums[1] = a1;
  sums[2] = a2;
  sums[3] = a3;
}
/* sums[0..1] += rows w0, w1 times x: both channels use each widened input word. */
static inline void tinyae_int8_dot2(const uint8_t *x, const int8_t *w0, const int8_t *w1, int32_t inputs,
                                    int32_t *sums) {
  int32_t i, a0 = sums[0], a1 = sums[1];
  for (i = 0; i + 4 <= inputs; i += 4) {
    const uint32_t xv = tinyae_int8_load32(x + i), u = tinyae_int8_load32(w0 + i), w = tinyae_int8_load32(w1 + i);
    const uint32_t x02 = tinyae_int8_uxtb16(xv), x13 = tinyae_int8_uxtb16_ror8(xv);
    a0 = tinyae_int8_smlad(tinyae_int8_sxtb16(u), x02, a0);
    a0 = tinyae_int8_smlad(tinyae_int8_sxtb16_ror8(u), x13, a0);
    a1 = tinyae_int8_smlad(tinyae_int8_sxtb16(w), x02, a1);
    a1 = tinyae_int8_smlad(tinyae_int8_sxtb16_ror8(w), x13, a1);
  }
  for (; i < inputs; ++i) {
    a0 += (int32_t)w0[i] * (int32_t)x[i];
    a1 += (int32_t)w1[i] * (int32_t)x[i];
  }
  sums[0] = a0;
  sums[1] = a1;
}
#endif

/* Output channel j of a dense layer (or one window) on x[inputs]. */
static inline uint8_t tinyae_int8_channel(const tinyae_int8_layer *l, const uint8_t *x, int32_t j) {
  const int8_t *wj = l->weights + j * l->inputs;
  int32_t i, acc = l->bias[j];
  for (i = 0; i < l->inputs; ++i) acc += (int32_t)wj[i] * (int32_t)x[i];
  return tinyae_int8_output(acc, j, l);
}

/* y[outputs] = the layer's bytes for x[inputs] (a dense layer, or one window). */
static inline void tinyae_int8_dense(const tinyae_int8_layer *l, const uint8_t *x, uint8_t *y) {
  int32_t j;
#if defined(TINYAE_INT8_DSP)
  for (j = 0; j + 3 < l->outputs; j += 4) {
    int32_t sums[4];
    int32_t c;
    for (c = 0; c < 4; ++c) sums[c] = l->bias[j + c];
    tinyae_int8_dot4(x, l->weights + j * l->inputs, l->inputs, sums);
    for (c = 0; c < 4; ++c) y[j + c] = tinyae_int8_output(sums[c], j + c, l);
  }
  for (; j + 1 < l->outputs; j += 2) {
    const int8_t *wj = l->weights + j * l->inputs;
    int32_t sums[2];
    sums[0] = l->bias[j];
    sums[1] = l->bias[j + 1];
    tinyae_int8_dot2(x, wj, wj + l->inputs, l->inputs, sums);
    y[j] = tinyae_int8_output(sums[0], j, l);
    y[j + 1] = tinyae_int8_output(sums[1], j + 1, l);
  }
  if (l->outputs % 2 != 0) y[l->outputs - 1] = tinyae_int8_channel(l, x, l->outputs - 1);
#else
  for (j = 0; j < l->outputs; ++j) y[j] = tinyae_int8_channel(l, x, j);
#endif
}

/* Each output pixel's window copied to patch (the input zero point outside the
 * image), then the dense layer on it. */
static inline void tinyae_int8_conv(const tinyae_int8_layer *l, const uint8_t *x, uint8_t *patch, uint8_t *y) {
  const int32_t c = l->c;
  int32_t oy, ox, ky, kx;
  for (oy = 0; oy < l->oh; ++oy) {
    for (ox = 0; ox < l->ow; ++ox) {
      uint8_t *p = patch;
      for (ky = 0; ky < l->kernel; ++ky) {
        const int32_t iy = oy * l->stride - l->pad_top + ky;
        for (kx = 0; kx < l->kernel; ++kx, p += c) {
          const int32_t ix = ox * l->stride - l->pad_left + kx;
          if (iy < 0 || iy >= l->h || ix < 0 || ix >= l->w) {
            memset(p, l->pad, (size_t)c);
          } else {
            memcpy(p, x + (iy * l->w + ix) * c, (size_t)c);
          }
        }
      }
      tinyae_int8_dense(l, patch, y + (oy * l->ow + ox) * l->oc);
    }
  }
}

/* 2x2 max pooling, stride 2; pad = 0x80 compares int8 bytes (x ^ 0x80 orders them as
 * unsigned), 0 uint8 ones. */
static inline void tinyae_int8_max_pool(const tinyae_int8_layer *l, const uint8_t *x, uint8_t *y) {
  const int32_t h = l->h, w = l->w, c = l->c;
  const uint8_t flip = (uint8_t)l->pad;
  int32_t oy, ox, ch;
  for (oy = 0; oy < l->oh; ++oy) {
    const int32_t y0 = 2 * oy, y1 = 2 * oy + 1 < h ? 2 * oy + 1 : 2 * oy;
    for (ox = 0; ox < l->ow; ++ox) {
      const int32_t x0 = 2 * ox, x1 = 2 * ox + 1 < w ? 2 * ox + 1 : 2 * ox;
      for (ch = 0; ch < c; ++ch, ++y) {
        const uint8_t a = (uint8_t)(x[(y0 * w + x0) * c + ch] ^ flip);
        const uint8_t b = (uint8_t)(x[(y0 * w + x1) * c + ch] ^ flip);
        const uint8_t d = (uint8_t)(x[(y1 * w + x0) * c + ch] ^ flip);
        const uint8_t e = (uint8_t)(x[(y1 * w + x1) * c + ch] ^ flip);
        const uint8_t ab = a > b ? a : b, de = d > e ? d : e;
        *y = (uint8_t)((ab > de ? ab : de) ^ flip);
      }
    }
  }
}

static inline void tinyae_int8_resize(const tinyae_int8_layer *l, const uint8_t *x, uint8_t *y) {
  int32_t oy, ox;
  for (oy = 0; oy < l->oh; ++oy) {
    const uint8_t *row = x + (oy * l->h / l->oh) * l->w * l->c;
    for (ox = 0; ox < l->ow; ++ox, y += l->c) memcpy(y, row + (ox * l->w / l->ow) * l->c, (size_t)l->c);
  }
}

/* int8 <-> uint8 on the same grid: the code layer's bytes for the layer after it. */
static inline void tinyae_int8_flip(uint8_t *x, int32_t n) {
  int32_t i;
  for (i = 0; i < n; ++i) x[i] = (uint8_t)(x[i] ^ 0x80u);
}

/* sum_i (a[i] - b[i])^2, exact. */
static inline int64_t tinyae_int8_sum_squares(const uint8_t *a, const uint8_t *b, int32_t n) {
  int64_t sum = 0;
  int32_t i;
  for (i = 0; i < n; ++i) {
    const int32_t d = (int32_t)a[i] - (int32_t)b[i];
    sum += d * d;
  }
  return sum;
}

#endif /* TINYAE_INT8_H */
