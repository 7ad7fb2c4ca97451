// 2x2 max pooling over channels-last pixels, forward and backward, over the windows
// pool_windows.hpp walks.
#pragma once

#include "../pool_windows.hpp"
#include "conv.hpp"

namespace tinyae::kernels {
namespace {

template <class Arch, int MR, int NV, int KC>
struct F32Pool : F32Conv<Arch, MR, NV, KC> {
  using Base = F32Conv<Arch, MR, NV, KC>;
  using typename Base::V;
  using Base::W;
  using Base::load_n;
  using Base::store_n;

  // ---- max pooling over channels-last pixels (see f32_kernels.hpp) ----------------

  static void max_pool2d(std::int32_t batch, std::int32_t height, std::int32_t width,
                         std::int32_t channels, const float* x, float* y) {
    for_each_pool_window(batch, height, width, channels, [&](const Index* at, Index o) {
      for (Index ch = 0; ch < channels; ch += W) {
        const Index count = channels - ch < W ? channels - ch : W;
        V m = load_n(x + at[0] + ch, count, 0.0f);
        for (int w = 1; w < 4; ++w) {
          const V v = load_n(x + at[w] + ch, count, 0.0f);
          m = xsimd::select(v > m, v, m);
        }
        store_n(m, y + o + ch, count);
      }
    });
  }

  // The scalar kernel's rule with selects: the gradient not yet routed passes from
  // place to place until the first maximum takes it (branches here mispredicted on the
  // data and kept the loop from vectorizing).
  static void max_pool2d_backward(std::int32_t batch, std::int32_t height, std::int32_t width,
                                  std::int32_t channels, const float* x, const float* dy,
                                  bool relu_input, float* dx) {
    const V floor(relu_input ? 0.0f : -std::numeric_limits<float>::infinity());
    for_each_pool_window(batch, height, width, channels, [&](const Index* at, Index o) {
      for (Index ch = 0; ch < channels; ch += W) {
        const Index count = channels - ch < W ? channels - ch : W;
        V xv[4];
        for (int w = 0; w < 4; ++w) xv[w] = load_n(x + at[w] + ch, count, 0.0f);
        V m = xv[0];
        for (int w = 1; w < 4; ++w) m = xsimd::select(xv[w] > m, xv[w], m);
        V rest = xsimd::select(m > floor, load_n(dy + o + ch, count, 0.0f), V(0.0f));
        V d[4];
        for (int w = 0; w < 3; ++w) {
          const auto first = xv[w] == m;
          d[w] = xsimd::select(first, rest, V(0.0f));
          rest = xsimd::select(first, V(0.0f), rest);
        }
        d[3] = rest;
        // Last to first, so a place the window repeats keeps its first occurrence's value.
        for (int w = 3; w >= 0; --w) store_n(d[w], dx + at[w] + ch, count);
      }
    });
  }

};

}  // namespace
}  // namespace tinyae::kernels
