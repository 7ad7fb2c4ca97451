// The image layers' forward and backward passes: conv2d lowered to GEMMs as
// conv_geometry.hpp's ConvMethod chooses (im2col patches among them), 2x2 max pooling
// and nearest resize; called by the train step and by inference.
#include "conv_layers.hpp"

#include <cstring>

namespace tinyae::conv {
namespace {

using Index = std::int64_t;

void zero(float* p, Index n) { std::memset(p, 0, static_cast<std::size_t>(n) * sizeof(float)); }

// Calls visit(row, s, ky, iy, ix0, kx0, kx1) for every output pixel (row of the patch
// matrix, of sample s) and kernel row ky that falls inside the image: kernel columns
// kx0..kx1-1 read input row iy at columns ix0 + kx0 .. ix0 + kx1 - 1. Rows and
// columns outside the image are padding (zero) and are not visited.
template <class Visit>
void for_each_patch_run(const Conv2dGeometry& g, std::int32_t samples, Visit visit) {
  const std::int32_t ih = g.input.height;
  const std::int32_t iw = g.input.width;
  const std::int32_t kk = g.kernel;
  Index row = 0;
  for (std::int32_t s = 0; s < samples; ++s) {
    for (std::int32_t oy = 0; oy < g.output.height; ++oy) {
      const std::int32_t iy0 = oy * g.stride - g.pad_top;
      for (std::int32_t ox = 0; ox < g.output.width; ++ox, ++row) {
        const std::int32_t ix0 = ox * g.stride - g.pad_left;
        const std::int32_t kx0 = ix0 < 0 ? -ix0 : 0;
        const std::int32_t kx1 = ix0 + kk > iw ? iw - ix0 : kk;
        for (std::int32_t ky = 0; ky < kk; ++ky) {
          const std::int32_t iy = iy0 + ky;
          if (iy < 0 || iy >= ih || kx0 >= kx1) continue;
          visit(row, s, ky, iy, ix0, kx0, kx1);
        }
      }
    }
  }
}

// The patch matrix of `samples` images: row r = output pixel r's window, with zeros
// where it hangs over the border (written once each, no clearing pass).
void im2col(const Conv2dGeometry& g, std::int32_t samples, const float* x, float* col) {
  const Index c = g.input.channels;
  const Index run = g.kernel * c;
  const Index image = g.input.size();
  for (std::int32_t s = 0; s < samples; ++s) {
    for (std::int32_t oy = 0; oy < g.output.height; ++oy) {
      const std::int32_t iy0 = oy * g.stride - g.pad_top;
      for (std::int32_t ox = 0; ox < g.output.width; ++ox) {
        const std::int32_t ix0 = ox * g.stride - g.pad_left;
        const Index begin = (ix0 < 0 ? -ix0 : 0) * c;
        const Index end = (ix0 + g.kernel > g.input.width ? g.input.width - ix0 : g.kernel) * c;
        for (std::int32_t ky = 0; ky < g.kernel; ++ky, col += run) {
          const std::int32_t iy = iy0 + ky;
          if (iy < 0 || iy >= g.input.height || begin >= end) {
            for (Index i = 0; i < run; ++i) col[i] = 0.0f;
            continue;
          }
          const float* src = x + s * image + (Index{iy} * g.input.width + ix0) * c;
          for (Index i = 0; i < begin; ++i) col[i] = 0.0f;
          for (Index i = begin; i < end; ++i) col[i] = src[i];  // short runs: memcpy costs more
          for (Index i = end; i < run; ++i) col[i] = 0.0f;
        }
      }
    }
  }
}

// The adjoint of im2col: dx (overwritten) = each patch-matrix entry added back to the
// input value it was copied from.
void col2im(const Conv2dGeometry& g, std::int32_t samples, const float* col, float* dx) {
  const Index c = g.input.channels;
  const Index run = g.kernel * c;
  const Index k = g.patch();
  const Index image = g.input.size();
  zero(dx, samples * image);
  for_each_patch_run(g, samples, [&](Index row, std::int32_t s, std::int32_t ky, std::int32_t iy,
                                     std::int32_t ix0, std::int32_t kx0, std::int32_t kx1) {
    float* dst = dx + s * image + (Index{iy} * g.input.width + ix0 + kx0) * c;
    const float* src = col + row * k + ky * run + kx0 * c;
    const Index n = (kx1 - kx0) * c;
    for (Index i = 0; i < n; ++i) dst[i] += src[i];
  });
}

// ---- the padded grid -----------------------------------------------------------
//
// For stride 1, output pixel (oy, ox) reads padded-input rows oy .. oy + kernel - 1,
// columns ox .. ox + kernel - 1. The n images of a chunk are each placed in an
// Hp x Wp grid of zeros (samples stacked); in channels-last order the kernel * C
// values of one kernel row are then contiguous, and the next output pixel's start C
// floats later.

struct Grid {
  Index hp, wp;  // padded grid, per sample
  Index pixels;  // hp * wp
  Index rows;    // grid rows a chunk of n samples computes
};

Grid grid_of(const Conv2dGeometry& g, std::int32_t n) {
  Grid gr{};
  gr.hp = g.output.height + g.kernel - 1;
  gr.wp = g.output.width + g.kernel - 1;
  gr.pixels = gr.hp * gr.wp;
  // The last sample stops at its last output pixel, so no read leaves the grid.
  gr.rows = (n - 1) * gr.pixels + (g.output.height - 1) * gr.wp + g.output.width;
  return gr;
}

// xp = the n images of x, each placed at (pad_top, pad_left) in an Hp x Wp grid of
// zeros (cropped where the grid ends: those pixels are never read). Only the border
// is cleared.
void pad_images(const Conv2dGeometry& g, const Grid& gr, std::int32_t n, const float* x, float* xp) {
  const Index c = g.input.channels;
  const Index width = g.input.width + g.pad_left < gr.wp ? g.input.width : gr.wp - g.pad_left;
  const Index row_floats = gr.wp * c;
  for (std::int32_t s = 0; s < n; ++s) {
    for (Index y = 0; y < gr.hp; ++y) {
      float* dst = xp + (s * gr.hp + y) * row_floats;
      const Index iy = y - g.pad_top;
      if (iy < 0 || iy >= g.input.height) {
        zero(dst, row_floats);
        continue;
      }
      zero(dst, g.pad_left * c);
      std::memcpy(dst + g.pad_left * c, x + (s * g.input.height + iy) * g.input.width * c,
                  static_cast<std::size_t>(width * c) * sizeof(float));
      zero(dst + (g.pad_left + width) * c, row_floats - (g.pad_left + width) * c);
    }
  }
}

// ---- the planes method --------------------------------------------------------
//
// The same padded grid, but channel by channel: plane c holds channel
// c of the n padded images one after another (n * Hp * Wp floats), so the input of
// grid position r under kernel tap (ky, kx) is plane[c][r + ky * Wp + kx], and
// conv_planes runs vectors over consecutive grid positions. Its output is planar too
// (one row of grid positions per filter) and goes back to channels-last in the pass
// that adds the bias and applies the activation.

// xq = the n images of x as zero-padded channel planes (cropped like pad_images).
void pad_planes(const Conv2dGeometry& g, const Grid& gr, std::int32_t n, const float* x,
                float* xq) {
  const Index c = g.input.channels;
  const Index plane = n * gr.pixels;
  const Index x0 = g.pad_left;
  const Index x1 = g.input.width + x0 < gr.wp ? g.input.width + x0 : gr.wp;
  for (std::int32_t s = 0; s < n; ++s) {
    for (Index y = 0; y < gr.hp; ++y) {
      const Index iy = y - g.pad_top;
      const bool inside = iy >= 0 && iy < g.input.height;
      const float* src = inside ? x + (s * g.input.height + iy) * g.input.width * c : x;
      float* row = xq + s * gr.pixels + y * gr.wp;
      for (Index ch = 0; ch < c; ++ch) {
        float* dst = row + ch * plane;
        for (Index i = 0; i < x0; ++i) dst[i] = 0.0f;
        for (Index i = inside ? x1 : x0; i < gr.wp; ++i) dst[i] = 0.0f;
      }
      if (!inside) continue;
      // Four channels per pass over the row: fewer passes, four streams of stores.
      Index ch = 0;
      for (; ch + 4 <= c; ch += 4) {
        float* d0 = row + ch * plane;
        float* d1 = d0 + plane;
        float* d2 = d1 + plane;
        float* d3 = d2 + plane;
        const float* p = src + ch;
        for (Index i = x0; i < x1; ++i, p += c) {
          d0[i] = p[0];
          d1[i] = p[1];
          d2[i] = p[2];
          d3[i] = p[3];
        }
      }
      for (; ch < c; ++ch) {
        float* dst = row + ch * plane;
        for (Index i = x0; i < x1; ++i) dst[i] = src[(i - x0) * c + ch];
      }
    }
  }
}

// y (the n samples' outputs, channels-last) = act(yq at the output pixels + bias),
// yq holding one row of gr.rows grid positions per filter.
void gather_planes(const kernels::F32Kernels& k, const Conv2dGeometry& g, const Grid& gr,
                   std::int32_t n, const float* yq, const float* bias, Activation act, float* y) {
  const Index filters = g.output.channels;
  const Index ow = g.output.width;
  for (std::int32_t s = 0; s < n; ++s) {
    for (Index oy = 0; oy < g.output.height; ++oy) {
      const float* src = yq + s * gr.pixels + oy * gr.wp;
      float* dst = y + (s * g.output.height + oy) * ow * filters;
      // Four filters per pass over the row (as in pad_planes).
      Index f = 0;
      for (; f + 4 <= filters; f += 4) {
        const float* r0 = src + f * gr.rows;
        const float* r1 = r0 + gr.rows;
        const float* r2 = r1 + gr.rows;
        const float* r3 = r2 + gr.rows;
        const float b0 = bias != nullptr ? bias[f] : 0.0f;
        const float b1 = bias != nullptr ? bias[f + 1] : 0.0f;
        const float b2 = bias != nullptr ? bias[f + 2] : 0.0f;
        const float b3 = bias != nullptr ? bias[f + 3] : 0.0f;
        float* d = dst + f;
        for (Index ox = 0; ox < ow; ++ox, d += filters) {
          d[0] = r0[ox] + b0;
          d[1] = r1[ox] + b1;
          d[2] = r2[ox] + b2;
          d[3] = r3[ox] + b3;
        }
      }
      for (; f < filters; ++f) {
        const float b = bias != nullptr ? bias[f] : 0.0f;
        const float* row = src + f * gr.rows;
        for (Index ox = 0; ox < ow; ++ox) dst[ox * filters + f] = row[ox] + b;
      }
      if (act != Activation::identity) k.activate(ow * filters, dst, dst, act);
    }
  }
}

// wt[k][f] = weights[f][k]: the weights patch-major, for conv_pixels.
void transpose_weights(const Conv2dGeometry& g, const float* weights, float* wt) {
  const Index filters = g.output.channels;
  const Index patch = g.patch();
  for (Index f = 0; f < filters; ++f) {
    for (Index p = 0; p < patch; ++p) wt[p * filters + f] = weights[f * patch + p];
  }
}

// The forward pass by whichever method the geometry calls for.
void forward(const kernels::F32Kernels& k, const Conv2dGeometry& g, std::int32_t batch,
             const float* x, const float* weights, const float* bias, Activation act, float* y,
             float* scratch) {
  const auto patch = g.patch();
  const auto filters = g.output.channels;
  const ConvMethod method = conv2d_method(g);
  const std::int32_t chunk = method == ConvMethod::direct
                                 ? batch
                                 : conv_chunk_samples(conv2d_chunk_floats(g, method), batch);
  const float* wt = nullptr;
  if (method == ConvMethod::pixels) {
    transpose_weights(g, weights, scratch);
    wt = scratch;
    scratch += turned_weight_floats(g);
  }
  for (std::int32_t s0 = 0; s0 < batch; s0 += chunk) {
    const std::int32_t n = batch - s0 < chunk ? batch - s0 : chunk;
    const float* xs = x + s0 * g.input.size();
    float* ys = y + s0 * g.output.size();
    if (method == ConvMethod::pixels || method == ConvMethod::one_filter) {
      // One call per output row, straight into y: the padded grid's extra columns are
      // never computed.
      const Grid gr = grid_of(g, n);
      const Index c = g.input.channels;
      const Index row_floats = Index{g.output.width} * filters;
      pad_images(g, gr, n, xs, scratch);
      for (std::int32_t s = 0; s < n; ++s) {
        for (Index oy = 0; oy < g.output.height; ++oy) {
          const float* xr = scratch + (s * gr.pixels + oy * gr.wp) * c;
          float* yr = ys + (s * g.output.height + oy) * row_floats;
          if (method == ConvMethod::pixels) {
            k.conv_pixels(filters, g.input.channels, g.kernel, gr.wp, g.output.width, xr, wt,
                          filters, bias, act, yr, filters);
          } else {
            k.conv_one_filter(g.input.channels, g.kernel, gr.wp, g.output.width, xr, weights,
                              bias, act, yr);
          }
        }
      }
      continue;
    }
    if (method == ConvMethod::planes) {
      const Grid gr = grid_of(g, n);
      float* xq = scratch;
      float* yq = scratch + n * gr.pixels * g.input.channels;
      pad_planes(g, gr, n, xs, xq);
      k.conv_planes(filters, g.input.channels, g.kernel, gr.wp, n * gr.pixels, gr.rows, xq,
                    weights, patch, yq, gr.rows);
      gather_planes(k, g, gr, n, yq, bias, act, ys);
      continue;
    }
    const auto rows = static_cast<std::int32_t>(n * g.pixels());
    const float* col = xs;
    if (method == ConvMethod::patches) {
      im2col(g, n, xs, scratch);
      col = scratch;
    }
    if (filters == 1) {
      k.gemm_nt(1, rows, patch, weights, patch, col, patch, ys, rows, false);
      const float b = bias != nullptr ? bias[0] : 0.0f;
      for (std::int32_t i = 0; i < rows; ++i) ys[i] += b;
      k.activate(rows, ys, ys, act);
    } else {
      k.dense_forward(rows, filters, patch, col, patch, weights, patch, bias, act, ys, filters);
    }
  }
}

// turned[c][ky][kx][f] = weights[f][K-1-ky][K-1-kx][c]: the transposed convolution's
// weights (C filters over F channels).
void turn_weights(const Conv2dGeometry& g, const float* weights, float* turned) {
  const Index c = g.input.channels;
  const Index filters = g.output.channels;
  const Index kk = g.kernel;
  for (Index ch = 0; ch < c; ++ch) {
    for (Index ky = 0; ky < kk; ++ky) {
      for (Index kx = 0; kx < kk; ++kx) {
        for (Index f = 0; f < filters; ++f) {
          turned[((ch * kk + ky) * kk + kx) * filters + f] =
              weights[f * g.patch() + ((kk - 1 - ky) * kk + (kk - 1 - kx)) * c + ch];
        }
      }
    }
  }
}

}  // namespace

void conv2d_forward(const kernels::F32Kernels& k, const Conv2dGeometry& g, std::int32_t batch,
                    const float* x, const float* weights, const float* bias, Activation act,
                    float* y, float* scratch) {
  forward(k, g, batch, x, weights, bias, act, y, scratch);
}

void conv2d_backward(const kernels::F32Kernels& k, const Conv2dGeometry& g, std::int32_t batch,
                     const float* x, const float* weights, const float* dz, float* dweights,
                     float* dbias, float* dx, float* scratch) {
  const auto patch = g.patch();
  const auto filters = g.output.channels;
  const auto c = g.input.channels;
  const ConvMethod method = conv2d_weight_gradient_method(g);
  k.column_sum(static_cast<std::int32_t>(batch * g.pixels()), filters, dz, filters, dbias, false);
  const std::int32_t chunk = method == ConvMethod::direct
                                 ? batch
                                 : conv_chunk_samples(conv2d_chunk_floats(g, method), batch);
  // Strided convolutions form the input gradient per chunk, in the patch matrix's
  // memory; stride-1 ones afterwards, as a convolution of dz.
  const bool dx_per_chunk = dx != nullptr && (g.stride != 1 || method == ConvMethod::direct);
  for (std::int32_t s0 = 0; s0 < batch; s0 += chunk) {
    const std::int32_t n = batch - s0 < chunk ? batch - s0 : chunk;
    const float* xs = x + s0 * g.input.size();
    const float* dzs = dz + s0 * g.output.size();
    if (method == ConvMethod::pixels) {
      // dW^T (+)= the padded images' patches^T * dZ, sample by sample, into the
      // scratch's weight block; transposed into dweights after the last chunk.
      const Grid gr = grid_of(g, n);
      float* xp = scratch + turned_weight_floats(g);
      pad_images(g, gr, n, xs, xp);
      for (std::int32_t s = 0; s < n; ++s) {
        k.conv_pixels_gradient(filters, c, g.kernel, gr.wp, g.output.height, g.output.width,
                               xp + s * gr.pixels * c, dzs + s * g.output.size(), filters,
                               scratch, filters, s0 + s > 0);
      }
      continue;
    }
    if (method == ConvMethod::runs) {
      // dW (+)= dZ^T * the padded images' patches, sample by sample.
      const Grid gr = grid_of(g, n);
      pad_images(g, gr, n, xs, scratch);
      for (std::int32_t s = 0; s < n; ++s) {
        k.conv_runs_gradient(filters, c, g.kernel, gr.wp, g.output.height, g.output.width,
                             scratch + s * gr.pixels * c, dzs + s * g.output.size(), filters,
                             dweights, patch, s0 + s > 0);
      }
      continue;
    }
    const auto rows = static_cast<std::int32_t>(n * g.pixels());
    const float* col = xs;
    if (method == ConvMethod::patches) {
      im2col(g, n, xs, scratch);
      col = scratch;
    }
    // dW (+)= dZ^T * patches, summed over the chunks in order.
    k.gemm_tn(filters, patch, rows, dzs, filters, col, patch, dweights, patch, s0 > 0);
    if (!dx_per_chunk) continue;
    float* dxs = dx + s0 * g.input.size();
    if (method == ConvMethod::patches) {
      // d(patches) = dZ * W overwrites the patches (no longer needed), then folds back.
      k.gemm_nn(rows, patch, filters, dzs, filters, weights, patch, scratch, patch, false);
      col2im(g, n, scratch, dxs);
    } else {
      k.gemm_nn(rows, patch, filters, dzs, filters, weights, patch, dxs, patch, false);
    }
  }
  if (method == ConvMethod::pixels) {
    for (Index f = 0; f < filters; ++f) {
      for (Index p = 0; p < patch; ++p) dweights[f * patch + p] = scratch[p * filters + f];
    }
  }
  if (dx != nullptr && !dx_per_chunk) {
    float* turned = scratch;
    turn_weights(g, weights, turned);
    forward(k, conv2d_transposed(g), batch, dz, turned, nullptr, Activation::identity, dx,
            scratch + turned_weight_floats(g));
  }
}

void max_pool2d_forward(Shape input, std::int32_t batch, const float* x, float* y) {
  kernels::f32().max_pool2d(batch, input.height, input.width, input.channels, x, y);
}

void max_pool2d_backward(Shape input, std::int32_t batch, const float* x, const float* dy,
                         bool relu_input, float* dx) {
  kernels::f32().max_pool2d_backward(batch, input.height, input.width, input.channels, x, dy,
                                     relu_input, dx);
}

namespace {

// Calls visit(in_offset, out_offset) for every output pixel of a nearest resize.
template <class Visit>
void for_each_resized_pixel(Shape input, std::int32_t height, std::int32_t width,
                            std::int32_t batch, Visit visit) {
  const Index c = input.channels;
  Index o = 0;
  for (std::int32_t s = 0; s < batch; ++s) {
    const Index base = s * input.size();
    for (std::int32_t oy = 0; oy < height; ++oy) {
      const Index iy = Index{oy} * input.height / height;
      for (std::int32_t ox = 0; ox < width; ++ox, o += c) {
        const Index ix = Index{ox} * input.width / width;
        visit(base + (iy * input.width + ix) * c, o);
      }
    }
  }
}

}  // namespace

void resize_nearest_forward(Shape input, std::int32_t height, std::int32_t width,
                            std::int32_t batch, const float* x, float* y) {
  resize_nearest_copy(input, height, width, batch, x, y);
}

void resize_nearest_backward(Shape input, std::int32_t height, std::int32_t width,
                             std::int32_t batch, const float* dy, float* dx) {
  const Index c = input.channels;
  zero(dx, batch * input.size());
  for_each_resized_pixel(input, height, width, batch, [&](Index i, Index o) {
    for (Index ch = 0; ch < c; ++ch) dx[i + ch] += dy[o + ch];
  });
}

}  // namespace tinyae::conv
