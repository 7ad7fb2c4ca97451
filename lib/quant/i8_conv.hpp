// The image layers of the int8 network, on any ISA's dense kernel (channels-last
// images, as lib/core/conv_layers).
//
// A convolution is lowered onto the dense kernel by im2col: the uint8 patch matrix of
// a few samples at a time (detail::i8_conv_chunk_samples) times the filters, so every
// ISA gives the dense kernel's bytes (bit-identical by construction, no per-ISA
// convolution code) and the GEMM does all the arithmetic. The images are first copied
// into grids padded with the input zero point, so the patch matrix is built with no
// border tests, by whole 4-, 8- or 16-byte moves. A thin convolution (a window row of
// at most 4 bytes: 3x3 on one channel, mnist-conv's first layer) skips the patch matrix:
// the same micro-kernels read each window row's 4 bytes from the grid (k.windows), so
// there is still no per-ISA convolution code.
#pragma once

#include <cstdint>

#include "i8_kernels.hpp"
#include "tinyae/conv_geometry.hpp"

namespace tinyae::kernels {

// A thin convolution (detail::i8_thin_conv) instead reads each window row's 4 bytes
// straight from the padded grid (k.windows), so its filters are packed re-laid: 4
// bytes per window row, zero after its kernel * channels.
//
// Packs the filters w (F x K, row-major, as QuantizedLayer) for i8_conv2d into packed
// (packed_weight_bytes(F, K) bytes) and packed_bias (F); scratch: as i8_conv2d's, used
// while packing a thin layer.
void i8_pack_conv(const I8Kernels& k, const conv::Conv2dGeometry& g, const std::int8_t* w,
                  const std::int32_t* bias, void* packed, std::int32_t* packed_bias,
                  std::uint8_t* scratch);

// y (batch x output, channels-last) = the int8 convolution of x (batch x input), the
// dense layer's arithmetic per output pixel and filter. packed: the filters packed by
// i8_pack_conv; pad: the input zero point; scratch: detail::i8_conv_scratch_bytes
// (g, batch) bytes (unused by 1x1 stride-1 convolutions).
void i8_conv2d(const I8Kernels& k, const conv::Conv2dGeometry& g, std::int32_t batch,
               const std::uint8_t* x, std::uint8_t pad, const void* packed, const I8DenseParams& p,
               std::uint8_t* y, std::uint8_t* scratch);

// 2x2 max pooling, stride 2, 'same' padding (H x W -> ceil(H/2) x ceil(W/2)) of stored
// bytes, compared as int8 when is_signed (the code's grid), else as uint8.
void i8_max_pool2d(Shape input, std::int32_t batch, const std::uint8_t* x, bool is_signed,
                   std::uint8_t* y);

// Nearest-neighbour resize of stored bytes to height x width, as the float layer
// (conv::resize_nearest_forward): a copy, exact on any grid.
void i8_resize_nearest(Shape input, std::int32_t height, std::int32_t width, std::int32_t batch,
                       const std::uint8_t* x, std::uint8_t* y);

}  // namespace tinyae::kernels
