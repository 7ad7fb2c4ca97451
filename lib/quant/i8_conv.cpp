#include "i8_conv.hpp"

#include <cstring>

#include "../core/conv_layers.hpp"
#include "../kernels/pool_windows.hpp"
#include "tinyae/quantize.hpp"

namespace tinyae::kernels {
namespace {

using Index = std::int64_t;

// The largest of the window's four Lanes-byte runs at channel ch, in fixed-size local
// arrays so the compiler keeps them in one vector register.
template <class T, int Lanes>
void max_lanes(const std::uint8_t* x, const std::ptrdiff_t* at, Index ch, std::uint8_t* y) {
  T m[Lanes];
  std::memcpy(m, x + at[0] + ch, Lanes);
  for (int w = 1; w < 4; ++w) {
    T v[Lanes];
    std::memcpy(v, x + at[w] + ch, Lanes);
    for (int i = 0; i < Lanes; ++i) m[i] = v[i] > m[i] ? v[i] : m[i];
  }
  std::memcpy(y + ch, m, Lanes);
}

template <class T>
void max_pool(Shape input, std::int32_t batch, const std::uint8_t* x, std::uint8_t* y) {
  for_each_pool_window(batch, input.height, input.width, input.channels,
                       [&](const std::ptrdiff_t* at, std::ptrdiff_t o) {
    Index ch = 0;
    for (; ch + 16 <= input.channels; ch += 16) max_lanes<T, 16>(x, at, ch, y + o);
    if (ch + 8 <= input.channels) {
      max_lanes<T, 8>(x, at, ch, y + o);
      ch += 8;
    }
    for (; ch < input.channels; ++ch) {
      T m = static_cast<T>(x[at[0] + ch]);
      for (int w = 1; w < 4; ++w) {
        const T v = static_cast<T>(x[at[w] + ch]);
        m = v > m ? v : m;
      }
      y[o + ch] = static_cast<std::uint8_t>(m);
    }
  });
}

// Copies `samples` images into grids of gh x gw pixels (the windows' extent), the image
// at (pad_top, pad_left), pad everywhere else.
void pad_to_grid(const conv::Conv2dGeometry& g, std::int32_t samples, const std::uint8_t* x,
                 std::uint8_t pad, std::int32_t gh, std::int32_t gw, std::uint8_t* grid) {
  const Index c = g.input.channels;
  const Index row = gw * c;
  // Columns of the grid the image fills: [left, right).
  const std::int32_t left = g.pad_left < gw ? g.pad_left : gw;
  const std::int32_t right = g.pad_left + g.input.width < gw ? g.pad_left + g.input.width : gw;
  for (std::int32_t s = 0; s < samples; ++s) {
    const std::uint8_t* image = x + s * g.input.size();
    for (std::int32_t gy = 0; gy < gh; ++gy, grid += row) {
      const std::int32_t iy = gy - g.pad_top;
      if (iy < 0 || iy >= g.input.height || right <= left) {
        std::memset(grid, pad, static_cast<std::size_t>(row));
        continue;
      }
      std::memset(grid, pad, static_cast<std::size_t>(left * c));
      std::memcpy(grid + left * c, image + Index{iy} * g.input.width * c,
                  static_cast<std::size_t>((right - left) * c));
      std::memset(grid + right * c, pad, static_cast<std::size_t>((gw - right) * c));
    }
  }
}

// The patch matrix from the grids: each window row is `run` contiguous grid bytes,
// moved in Chunk-byte copies that may overrun into the next row (rewritten next).
template <std::int32_t Chunk>
void grid_to_patches(const conv::Conv2dGeometry& g, std::int32_t samples, const std::uint8_t* grid,
                     std::int32_t gh, std::int32_t gw, std::uint8_t* col) {
  const Index c = g.input.channels;
  const Index run = g.kernel * c;
  for (std::int32_t s = 0; s < samples; ++s, grid += Index{gh} * gw * c) {
    for (std::int32_t oy = 0; oy < g.output.height; ++oy) {
      for (std::int32_t ox = 0; ox < g.output.width; ++ox) {
        const std::uint8_t* window = grid + (Index{oy} * g.stride * gw + Index{ox} * g.stride) * c;
        for (std::int32_t ky = 0; ky < g.kernel; ++ky, col += run) {
          const std::uint8_t* src = window + Index{ky} * gw * c;
          for (Index i = 0; i < run; i += Chunk) std::memcpy(col + i, src + i, Chunk);
        }
      }
    }
  }
}

// The thin path: every output row's windows straight from the grids.
void thin_conv2d(const I8Kernels& k, const conv::Conv2dGeometry& g, std::int32_t batch,
                 const std::uint8_t* x, std::uint8_t pad, const void* packed, const I8DenseParams& p,
                 std::uint8_t* y, std::uint8_t* grid) {
  const std::int32_t gh = (g.output.height - 1) * g.stride + g.kernel;
  const std::int32_t gw = (g.output.width - 1) * g.stride + g.kernel;
  const Index c = g.input.channels;
  const Index grid_bytes = Index{gh} * gw * c;
  const Index out_row = Index{g.output.width} * g.output.channels;
  const std::int32_t chunk = detail::i8_conv_chunk_samples(g, batch);
  for (std::int32_t s0 = 0; s0 < batch; s0 += chunk) {
    const std::int32_t n = batch - s0 < chunk ? batch - s0 : chunk;
    pad_to_grid(g, n, x + s0 * g.input.size(), pad, gh, gw, grid);
    for (std::int32_t s = 0; s < n; ++s) {
      std::uint8_t* ys = y + (s0 + s) * g.output.size();
      for (std::int32_t oy = 0; oy < g.output.height; ++oy) {
        // The last window row reads up to 3 bytes past the grid: kI8CopySlack.
        k.windows(g.output.width, g.output.channels, g.kernel, grid + s * grid_bytes + Index{oy} * g.stride * gw * c,
                  static_cast<std::int32_t>(g.stride * c), static_cast<std::int32_t>(gw * c), packed, p,
                  ys + oy * out_row, g.output.channels);
      }
    }
  }
}

}  // namespace

void i8_pack_conv(const I8Kernels& k, const conv::Conv2dGeometry& g, const std::int8_t* w,
                  const std::int32_t* bias, void* packed, std::int32_t* packed_bias,
                  std::uint8_t* scratch) {
  const std::int32_t filters = g.output.channels;
  if (!detail::i8_thin_conv(g)) {
    k.pack(filters, g.patch(), w, bias, packed, packed_bias);
    return;
  }
  const Index run = g.kernel * g.input.channels;
  auto* relaid = reinterpret_cast<std::int8_t*>(scratch);
  std::memset(relaid, 0, static_cast<std::size_t>(filters) * 4 * static_cast<std::size_t>(g.kernel));
  for (Index j = 0; j < filters; ++j) {
    for (Index ky = 0; ky < g.kernel; ++ky) {
      std::memcpy(relaid + (j * g.kernel + ky) * 4, w + j * g.patch() + ky * run, static_cast<std::size_t>(run));
    }
  }
  k.pack(filters, 4 * g.kernel, relaid, bias, packed, packed_bias);
}

void i8_conv2d(const I8Kernels& k, const conv::Conv2dGeometry& g, std::int32_t batch,
               const std::uint8_t* x, std::uint8_t pad, const void* packed, const I8DenseParams& p,
               std::uint8_t* y, std::uint8_t* scratch) {
  const std::int32_t patch = g.patch();
  const std::int32_t filters = g.output.channels;
  const auto pixels = static_cast<std::int32_t>(g.pixels());
  if (detail::i8_patch_bytes_per_sample(g) == 0) {  // 1x1, stride 1: x is the patch matrix
    k.dense(batch * pixels, filters, patch, x, patch, packed, p, y, filters);
    return;
  }
  if (detail::i8_thin_conv(g)) {
    thin_conv2d(k, g, batch, x, pad, packed, p, y, scratch);
    return;
  }
  const std::int32_t gh = (g.output.height - 1) * g.stride + g.kernel;
  const std::int32_t gw = (g.output.width - 1) * g.stride + g.kernel;
  const std::int32_t chunk = detail::i8_conv_chunk_samples(g, batch);
  std::uint8_t* patches = scratch;
  std::uint8_t* grid = scratch + Index{chunk} * pixels * patch + detail::kI8CopySlack;
  const Index run = g.kernel * g.input.channels;
  for (std::int32_t s0 = 0; s0 < batch; s0 += chunk) {
    const std::int32_t n = batch - s0 < chunk ? batch - s0 : chunk;
    pad_to_grid(g, n, x + s0 * g.input.size(), pad, gh, gw, grid);
    if (run <= 4) {
      grid_to_patches<4>(g, n, grid, gh, gw, patches);
    } else if (run <= 8) {
      grid_to_patches<8>(g, n, grid, gh, gw, patches);
    } else {
      grid_to_patches<16>(g, n, grid, gh, gw, patches);
    }
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

void i8_resize_nearest(Shape input, std::int32_t height, std::int32_t width, std::int32_t batch,
                       const std::uint8_t* x, std::uint8_t* y) {
  conv::resize_nearest_copy(input, height, width, batch, x, y);
}

}  // namespace tinyae::kernels
