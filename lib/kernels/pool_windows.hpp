// The windows of 2x2 max pooling with stride 2 and 'same' padding over channels-last
// images, shared by the scalar and the vectorized pooling kernels.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tinyae::kernels {

// Calls visit(at, o) for every output pixel: at[0..3] are the offsets of its window's
// four input pixels in row-major order (at an odd edge the last row/column repeats, so
// offsets repeat), o the offset of the output pixel.
template <class Visit>
inline void for_each_pool_window(std::int32_t batch, std::int32_t height, std::int32_t width,
                                 std::int32_t channels, Visit visit) {
  using Index = std::ptrdiff_t;
  const Index c = channels;
  const Index out_h = (height + 1) / 2;
  const Index out_w = (width + 1) / 2;
  Index o = 0;
  for (std::int32_t s = 0; s < batch; ++s) {
    const Index base = Index{s} * height * width * c;
    for (Index oy = 0; oy < out_h; ++oy) {
      const Index y0 = 2 * oy;
      const Index y1 = y0 + 1 < height ? y0 + 1 : y0;
      for (Index ox = 0; ox < out_w; ++ox, o += c) {
        const Index x0 = 2 * ox;
        const Index x1 = x0 + 1 < width ? x0 + 1 : x0;
        const Index at[4] = {base + (y0 * width + x0) * c, base + (y0 * width + x1) * c,
                             base + (y1 * width + x0) * c, base + (y1 * width + x1) * c};
        visit(at, o);
      }
    }
  }
}

}  // namespace tinyae::kernels
