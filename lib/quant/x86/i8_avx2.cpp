// AVX2 int8 dense kernel (compiled with -mavx2): inputs widened to int16 and multiplied
// with vpmaddwd, which adds pairs of int16 products into int32 exactly. (vpmaddubsw would
// be twice as fast but saturates: 2 x 255 x 127 does not fit in int16.) Accumulators
// hold two partial sums per channel; reduce() adds them.
#include "i8_avx2_family.hpp"

namespace tinyae::kernels {
namespace {

struct MaddDot : Ymm<MaddDot> {
  static constexpr int kAccs = 4;  // 4 channels x 2 partial sums each
  static constexpr int kRows = 2;
  static constexpr int kSingleRowSets = 2;
  struct Weights {
    __m256i w[4];  // channels 4a .. 4a+3, 4 depths each, as int16
  };
  static Weights load(const std::int8_t* w64) {
    Weights out;
    for (int a = 0; a < 4; ++a) {
      out.w[a] = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(w64 + 16 * a)));
    }
    return out;
  }
  // x0 x1 x2 x3 repeated, as int16.
  static __m256i broadcast(const std::uint8_t* p, std::int32_t bytes) {
    return _mm256_cvtepu8_epi16(_mm_set1_epi32(load_x4(p, bytes)));
  }
  static void step(__m256i* acc, const Weights& w, __m256i x) {
    for (int a = 0; a < 4; ++a) acc[a] = _mm256_add_epi32(acc[a], _mm256_madd_epi16(w.w[a], x));
  }
  // acc[a] lanes: (c0 lo, c0 hi, c1 lo, c1 hi | c2 lo, c2 hi, c3 lo, c3 hi) for channels
  // 4a..4a+3. hadd gives (c0 c1 c4 c5 | c2 c3 c6 c7); the permute restores the order.
  static void reduce(const __m256i* acc, __m256i out[2]) {
    const __m256i order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
    out[0] = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(acc[0], acc[1]), order);
    out[1] = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(acc[2], acc[3]), order);
  }
};

}  // namespace

extern const I8Kernels kI8Avx2;
const I8Kernels kI8Avx2 = {"avx2", pack_256, dense_tiles<MaddDot>, quantize_256};

}  // namespace tinyae::kernels
