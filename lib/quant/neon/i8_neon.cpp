// NEON int8 dense kernel for every ARMv7-A/ARMv8.0 core (no dot product): vmull_s8
// multiplies 8 signed bytes into int16 (|128 x 127| fits), vpadal adds pairs of them
// into int32 accumulators, exactly. Each accumulator holds two partial sums of two
// channels; reduce() adds the pairs.
#include "i8_neon_family.hpp"

namespace tinyae::kernels {
namespace {

struct MullDot : Neon<MullDot> {
  static constexpr int kAccs = 8;  // per 4-channel register: channels (0,1) and (2,3)
#if defined(__aarch64__)
  static constexpr int kRows = 2;  // 16 accumulators of 32 q registers
#else
  static constexpr int kRows = 1;  // armv7 has 16 q registers
#endif
  static constexpr int kSingleRowSets = 1;
  static void step(int32x4_t* acc, const int8x16x4_t& w, int8x16_t x) {
    const int8x8_t xd = vget_low_s8(x);
    for (int q = 0; q < 4; ++q) {
      acc[2 * q] = vpadalq_s16(acc[2 * q], vmull_s8(vget_low_s8(w.val[q]), xd));
      acc[2 * q + 1] = vpadalq_s16(acc[2 * q + 1], vmull_s8(vget_high_s8(w.val[q]), xd));
    }
  }
  // acc[2q] = (c0 lo, c0 hi, c1 lo, c1 hi) of channels 4q, 4q+1; acc[2q+1] the next two.
  static void reduce(const int32x4_t* acc, int32x4_t out[4]) {
    for (int q = 0; q < 4; ++q) {
#if defined(__aarch64__)
      out[q] = vpaddq_s32(acc[2 * q], acc[2 * q + 1]);
#else
      out[q] = vcombine_s32(vpadd_s32(vget_low_s32(acc[2 * q]), vget_high_s32(acc[2 * q])),
                            vpadd_s32(vget_low_s32(acc[2 * q + 1]), vget_high_s32(acc[2 * q + 1])));
#endif
    }
  }
};

}  // namespace

extern const I8Kernels kI8Neon;
const I8Kernels kI8Neon = {"neon", pack_neon, dense_tiles<MullDot>, window_tiles<MullDot>, quantize_neon};

}  // namespace tinyae::kernels
