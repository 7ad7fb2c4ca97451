// AVX-VNNI int8 dense kernel (compiled with -mavx2 -mavxvnni): the VEX-encoded
// vpdpbusd on ymm, for CPUs with VNNI but without AVX-512 (and as the 256-bit variant
// where both exist). Tiles of 6 rows x 16 channels, 12 ymm accumulators.
#include "i8_avx2_family.hpp"

namespace tinyae::kernels {
namespace {

struct VnniDot : Ymm<VnniDot> {
  static constexpr int kAccs = 2;  // channels 0..7 and 8..15
  static constexpr int kRows = 6;
  static constexpr int kSingleRowSets = 4;
  struct Weights {
    __m256i w[2];
  };
  static Weights load(const std::int8_t* w64) {
    return {{_mm256_load_si256(reinterpret_cast<const __m256i*>(w64)),
             _mm256_load_si256(reinterpret_cast<const __m256i*>(w64 + 32))}};
  }
  static __m256i broadcast(const std::uint8_t* p, std::int32_t bytes) {
    return _mm256_set1_epi32(load_x4(p, bytes));
  }
  static void step(__m256i* acc, const Weights& w, __m256i x) {
    acc[0] = _mm256_dpbusd_avx_epi32(acc[0], x, w.w[0]);
    acc[1] = _mm256_dpbusd_avx_epi32(acc[1], x, w.w[1]);
  }
  static void reduce(const __m256i* acc, __m256i out[2]) {
    out[0] = acc[0];
    out[1] = acc[1];
  }
};

void pack_vnni(std::int32_t n, std::int32_t k, const std::int8_t* w, const std::int32_t* bias,
               void* packed, std::int32_t* packed_bias) {
  pack_n16k4(n, k, w, bias, 0, packed, packed_bias);
}

}  // namespace

extern const I8Kernels kI8AvxVnni;
const I8Kernels kI8AvxVnni = {"avxvnni", pack_vnni, dense_tiles<VnniDot>, window_tiles<VnniDot>, quantize_256};

}  // namespace tinyae::kernels
