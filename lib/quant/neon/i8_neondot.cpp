// NEON int8 dense kernel with the Armv8.2 dot product (compiled with
// -march=armv8.2-a+dotprod, chosen at run time when the CPU has asimddp): sdot adds the
// 4 products of 4 signed bytes into each int32 lane, exactly. Tiles of 4 rows x 16
// channels, 16 accumulators.
#include "i8_neon_family.hpp"

namespace tinyae::kernels {
namespace {

struct SdotDot : Neon<SdotDot> {
  static constexpr int kAccs = 4;
  static constexpr int kRows = 4;
  static constexpr int kSingleRowSets = 4;
  static void step(int32x4_t* acc, const int8x16x4_t& w, int8x16_t x) {
    for (int q = 0; q < 4; ++q) acc[q] = vdotq_s32(acc[q], w.val[q], x);
  }
  static void reduce(const int32x4_t* acc, int32x4_t out[4]) {
    for (int q = 0; q < 4; ++q) out[q] = acc[q];
  }
};

}  // namespace

extern const I8Kernels kI8NeonDot;
const I8Kernels kI8NeonDot = {"neondot", pack_neon, dense_tiles<SdotDot>, window_tiles<SdotDot>, quantize_neon};

}  // namespace tinyae::kernels
