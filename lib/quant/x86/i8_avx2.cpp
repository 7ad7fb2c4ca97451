// AVX2 int8 dense kernel (compiled with -mavx2), for CPUs without VNNI. vpmaddubsw
// multiplies 32 unsigned by 32 signed bytes and adds pairs into int16, saturating; fed
// x and w directly, a pair reaches 2 x 255 x 127 > 32767. So the input goes in as
// x - 128, split into magnitude and sign: |x - 128| (at most 128, unsigned) times
// sign(x - 128) * w (vpsignb; |w| <= 127 never overflows). A pair is then at most
// 2 x 128 x 127 = 32512: exact. vpmaddwd with ones adds the pairs into int32 lanes,
// one channel each (the n16k4 layout, as vpdpbusd), and pack_avx2() adds 128 * sum(w)
// to the bias. Tiles of 2 rows x 32 channels.
#include "i8_avx2_family.hpp"

namespace tinyae::kernels {
namespace {

struct SignDot : Ymm<SignDot> {
  static constexpr int kBlocks = 2;
  static constexpr int kAccs = 2;  // channels 0..7 and 8..15 of a block
  static constexpr int kRows = 2;
  static constexpr int kSingleRowSets = 2;
  struct Weights {
    __m256i w[2];
  };
  // 4 inputs minus 128, repeated: as signed bytes, and their magnitudes.
  struct Input {
    __m256i sign, magnitude;
  };
  static Weights load(const std::int8_t* w64) {
    return {{_mm256_load_si256(reinterpret_cast<const __m256i*>(w64)),
             _mm256_load_si256(reinterpret_cast<const __m256i*>(w64 + 32))}};
  }
  // Missing bytes of a partial group become -128; their weights are zero.
  static Input broadcast(const std::uint8_t* p, std::int32_t bytes) {
    const __m256i s = _mm256_xor_si256(_mm256_set1_epi32(load_x4(p, bytes)), _mm256_set1_epi8(-128));
    return {s, _mm256_abs_epi8(s)};
  }
  static void step(__m256i* acc, const Weights& w, const Input& x) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int a = 0; a < 2; ++a) {
      const __m256i pairs = _mm256_maddubs_epi16(x.magnitude, _mm256_sign_epi8(w.w[a], x.sign));
      acc[a] = _mm256_add_epi32(acc[a], _mm256_madd_epi16(pairs, ones));
    }
  }
  static void reduce(const __m256i* acc, __m256i out[2]) {
    out[0] = acc[0];
    out[1] = acc[1];
  }
};

void pack_avx2(std::int32_t n, std::int32_t k, const std::int8_t* w, const std::int32_t* bias,
               void* packed, std::int32_t* packed_bias) {
  pack_n16k4(n, k, w, bias, 128, packed, packed_bias);
}

}  // namespace

extern const I8Kernels kI8Avx2;
const I8Kernels kI8Avx2 = {"avx2", pack_avx2, dense_tiles<SignDot>, window_tiles<SignDot>, quantize_256};

}  // namespace tinyae::kernels
