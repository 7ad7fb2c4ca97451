#include "i8_conv.hpp"

#include "../core/conv_layers.hpp"
#include "tinyae/quantize.hpp"

namespace tinyae::kernels {
namespace {

using Index = std::int64_t;

template <class T>
void max_pool(Shape input, std::int32_t batch, const std::uint8_t* x, std::uint8_t* y) {
  const Index c = input.channels;
  const std::int32_t oh = (input.height + 1) / 2;
  const std::int32_t ow = (input.width + 1) / 2;
  const Index image = input.size();
  for (std::int32_t s = 0; s < batch; ++s) {
    const std::uint8_t* xs = x + s * image;
    for (std::int32_t oy = 0; oy < oh; ++oy) {
      // The last window of an odd size holds the one remaining row (or column).
      const std::int32_t y1 = 2 * oy + 1 < input.height ? 2 * oy + 1 : 2 * oy;
      for (std::int32_t ox = 0; ox < ow; ++ox, y += c) {
        const std::int32_t x1 = 2 * ox + 1 < input.width ? 2 * ox + 1 : 2 * ox;
        const std::uint8_t* p00 = xs + (Index{2 * oy} * input.width + 2 * ox) * c;
        const std::uint8_t* p01 = xs + (Index{2 * oy} * input.width + x1) * c;
        const std::uint8_t* p10 = xs + (Index{y1} * input.width + 2 * ox) * c;
        const std::uint8_t* p11 = xs + (Index{y1} * input.width + x1) * c;
        for (Index ch = 0; ch < c; ++ch) {
          const T a = static_cast<T>(p00[ch]) > static_cast<T>(p01[ch]) ? static_cast<T>(p00[ch])
                                                                          : static_cast<T>(p01[ch]);
          const T b = static_cast<T>(p10[ch]) > static_cast<T>(p11[ch]) ? static_cast<T>(p10[ch])
                                                                          : static_cast<T>(p11[ch]);
          y[ch] = static_cast<std::uint8_t>(a > b ? a : b);
        }
      }
    }
  }
}

}  // namespace

void i8_conv2d(const I8Kernels& k, const conv::Conv2dGeometry& g, std::int32_t batch,
               const std::uint8_t* x, std::uint8_t pad, const void* packed, const I8DenseParams& p,
               std::uint8_t* y, std::uint8_t* patches) {
  const std::int32_t patch = g.patch();
  const std::int32_t filters = g.output.channels;
  const auto pixels = static_cast<std::int32_t>(g.pixels());
  if (detail::i8_patch_bytes_per_sample(g) == 0) {  // 1x1, stride 1: x is the patch matrix
    k.dense(batch * pixels, filters, patch, x, patch, packed, p, y, filters);
    return;
  }
  const std::int32_t chunk = detail::i8_conv_chunk_samples(g, batch);
  for (std::int32_t s0 = 0; s0 < batch; s0 += chunk) {
    const std::int32_t n = batch - s0 < chunk ? batch - s0 : chunk;
    conv::im2col(g, n, x + s0 * g.input.size(), pad, patches);
    k.dense(n * pixels, filters, patch, patches, patch, packed, p, y + s0 * g.output.size(), filters);
  }
}

void i8_max_pool2d(Shape input, std::int32_t batch, const std::uint8_t* x, bool is_signed,
                   std::uint8_t* y) {
  if (is_signed) {
    max_pool<std::int8_t>(input, batch, x, y);
  } else {
    max_pool<std::uint8_t>(input, batch, x, y);
  }
}

}  // namespace tinyae::kernels
