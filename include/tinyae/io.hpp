// Host-only helpers (tinyae::tinyae): memory for an arena and data loading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinyae/arena.hpp"
#include "tinyae/anomaly.hpp"
#include "tinyae/network.hpp"
#include "tinyae/status.hpp"

namespace tinyae {

// Memory for an Arena, allocated once on the host (aligned to kAlignment).
class ArenaBuffer {
 public:
  // Allocates `bytes`; fails with arena_too_small when the system has no such memory.
  Status allocate(std::size_t bytes);
  Arena& arena() { return arena_; }

 private:
  struct Free {
    void operator()(unsigned char* p) const;
  };
  std::unique_ptr<unsigned char[], Free> memory_;
  Arena arena_;
};

// A row-major float matrix: row i is values[i * cols .. (i + 1) * cols).
struct Matrix {
  std::vector<float> values;
  std::int32_t rows = 0;
  std::int32_t cols = 0;

  float* row(std::int32_t i) { return values.data() + std::int64_t{i} * cols; }
  const float* row(std::int32_t i) const { return values.data() + std::int64_t{i} * cols; }
};

// Reads a CSV file of numbers, plain or gzip-compressed (detected from its first
// bytes), one sample per line, comma-separated, every line the same length. Numbers
// are decimal ([+-]digits[.digits][e[+-]digits], spaces or tabs around them);
// hexadecimal, NUL bytes and other text are errors, inf and nan are non_finite. With
// has_header the first line is skipped. Errors name the file, line and field; *out is
// left unchanged on error.
Status load_csv(const std::string& path, Matrix* out, bool has_header = false);

// Every loader reads plain or gzip files, checks the header against the data it
// really has before allocating for it, and leaves *out unchanged on error.

// An IDX file (MNIST family): dims and every value as float (any IDX type).
struct IdxArray {
  std::vector<std::int32_t> dims;
  std::vector<float> values;
  unsigned char type = 0;  // 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float, 0x0E double
};
Status load_idx(const std::string& path, IdxArray* out);
// uint8 images (n x h x w ...) as n rows of pixels / 255.
Status load_idx_images(const std::string& path, Matrix* out);
// uint8 labels (IDX type 0x08, exactly one dimension), each from 0 to classes - 1
// (classes: 1 to 256), as the MNIST family stores them. Another type or rank is an
// error, and so is a label out of range (the message names it and its index).
Status load_idx_labels(const std::string& path, std::int32_t classes,
                       std::vector<std::uint8_t>* out);

// A NumPy .npy array (C order; <f4, <f8 or |u1, values converted to float), format
// 1.0, 2.0 or 3.0. The header must be the dict NumPy writes: printable ASCII, '{' to
// '}' then spaces and one '\n', the keys 'descr', 'fortran_order' and 'shape' each
// once and no other, shape a tuple of non-negative integers (() is a scalar).
struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> values;
  std::int32_t item_bytes = 4;  // of the stored dtype: 4 <f4, 8 <f8, 1 uint8
};
Status load_npy(const std::string& path, NpyArray* out);
// Writes a float32 C-order array (atomically, via a temporary file).
Status save_npy(const std::string& path, const float* data,
                const std::vector<std::int64_t>& shape);

// Training rows streamed from a file too large for memory: an .npy array (as load_npy
// reads it, rows x the rest) or IDX uint8 images (as load_idx_images: / 255), plain or
// gzip, each value multiplied by scale (unless 1). The file is read window_rows rows at
// a time, so memory is one window (window_rows x cols floats) and a 64 KB read buffer,
// whatever the file's size. Each epoch reads the file from its start; with shuffle, the
// rows of each window come in a new pseudo-random order drawn from seed (the orders fit
// draws, so a window holding the whole file trains exactly as fit on the loaded rows
// with the same config does): rows mix
// within a window, never across windows, so a file sorted by class needs a window
// holding several classes (or shuffle the file once). Batches run across window
// boundaries, so every batch but the epoch's last is full. open() reads the file once
// to check its length against its header.
class FileBatchStream final : public BatchStream {
 public:
  FileBatchStream();
  FileBatchStream(const FileBatchStream&) = delete;
  FileBatchStream& operator=(const FileBatchStream&) = delete;
  ~FileBatchStream();

  Status open(const std::string& path, std::int32_t window_rows, float scale, bool shuffle,
              std::uint64_t seed);
  std::int64_t rows_per_epoch() const override { return rows_; }
  std::int32_t cols() const { return cols_; }
  Status start_epoch() override;
  Status next(float* batch, std::int32_t max_rows, std::int32_t cols, std::int32_t* rows) override;
  // The next window in file order (no shuffle), for passes such as evaluation: after
  // start_epoch(), *rows = its row count (0 at the end); *values stays valid until the
  // next call. Do not mix with next() in one epoch.
  Status next_window(const float** values, std::int32_t* rows);

 private:
  Status read_window(bool shuffled);

  std::string path_;
  void* file_ = nullptr;  // gzFile
  bool idx_ = false;
  int item_bytes_ = 0;
  std::size_t data_start_ = 0;
  float scale_ = 1.0f;
  bool shuffle_ = false;
  std::int64_t rows_ = 0;
  std::int32_t cols_ = 0;
  std::int32_t window_rows_ = 0;
  std::vector<float> window_;         // window_rows_ x cols_
  std::vector<unsigned char> chunk_;  // raw bytes of whole rows
  std::int64_t rows_read_ = 0;        // this epoch, from the file
  std::int32_t window_count_ = 0;     // rows in the window
  std::int32_t window_next_ = 0;      // next row of the window to give
  struct Order;  // the shuffle's generator and the window's order
  std::unique_ptr<Order> order_;
};

// 8-bit pixels, row-major, channels interleaved (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA).
struct Image {
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::int32_t channels = 0;
  std::vector<unsigned char> pixels;
};
// PNG (libpng; any colour type and depth: palettes expanded, tRNS as alpha, 16-bit
// rounded to 8, samples as stored, no gamma applied), JPEG (libjpeg-turbo; gray or
// colour, as djpeg decodes it; CMYK is refused), uncompressed BMP (8-bit paletted, 24-
// and 32-bit, as RGB) and binary PGM/PPM (P5/P6, 8-bit). At most 16384 pixels on a side
// and 2^27 in all. A damaged file is an error naming it and the reason (libjpeg's
// warnings, e.g. a truncated file, and any bad CRC included); *out is then unchanged.
Status load_image(const std::string& path, Image* out);
// Writes 1 to 4 channels as an 8-bit PNG (libpng), atomically.
Status save_png(const std::string& path, const Image& image);

// Natural-image patches for the sparse autoencoder (sparse-patches).
struct Patches {
  Matrix values;     // count x size*size, preprocessed gray values in [0.1, 0.9]
  Matrix originals;  // count x size*size, the gray patches before preprocessing, in [0, 1]
  std::int32_t size = 0;  // side length
};
// The seed's preprocessing of count rows of gray patches, in place: remove each
// patch's mean, clip at +-3 sigma (sigma over all values after that), map linearly
// to [0.1, 0.9].
void preprocess_patches(float* values, std::int64_t count, std::int32_t pixels);
// Samples count size x size patches, each from an image chosen uniformly at random
// and at a uniformly random position, from `path`: a folder of images (PNG, JPEG,
// BMP, PGM, PPM; in name order) or one image. Colour becomes gray as
// Y = 0.2126 R + 0.7152 G + 0.0722 B. The seed makes the choice repeatable.
Status sample_patches(const std::string& path, std::int32_t size,
                      std::int32_t count, std::uint64_t seed, Patches* out);
// Patches stored in a file: .npy (float32/float64/uint8; n x s x s, n x s*s, or
// n x s x s x 3 RGB) or IDX (uint8; n x s x s or n x s x s x 3). uint8 is scaled by
// 1/255. With preprocess the seed's preprocessing follows; without it the values are
// taken as they are (for patches preprocessed already).
Status load_patches(const std::string& path, bool preprocess, Patches* out);
// Preprocessed size x size patches from whatever `path` is: a folder of images or one
// image (sample_patches with count and seed), or a patch file (load_patches with the
// preprocessing; its patches must be size x size).
Status read_patches(const std::string& path, std::int32_t size, std::int32_t count,
                    std::uint64_t seed, Patches* out);

// A trained network as stored in a model file: its spec and its parameters
// (per layer: weights, out x in row-major, then biases; no padding).
struct Model {
  NetworkSpec spec;
  std::vector<float> parameters;
  AnomalyThreshold anomaly;  // percentile 0 when the model has none
};
// Saves via a temporary file and rename: an interrupted save keeps the old file.
// anomaly (optional): the threshold an anomaly model was trained with.
Status save_model(const std::string& path, const Network& net,
                  const AnomalyThreshold* anomaly = nullptr);
// Rejects wrong magic, other format versions, bad checksums and inconsistent sizes.
Status load_model(const std::string& path, Model* out);
// Copies a model's parameters into a network set up with the same spec.
Status set_parameters(const Model& model, Network* net);

// Writes a float network as a C++17 header for Network::setup(spec, const float*, ...):
//   inline constexpr tinyae::NetworkSpec <name>_spec = tinyae::NetworkSpec(...)...;
//   inline constexpr std::int64_t <name>_parameter_floats = spec.parameter_floats();
//   alignas(tinyae::kAlignment) inline constexpr float <name>_parameters[...] = {...};
// parameters: the padded block in NetworkSpec order (Network::parameters()), `floats`
// = spec.parameter_floats() finite values, written as exact hexadecimal literals. The
// header includes only "tinyae/network_spec.hpp"; a static_assert checks the block's
// length against the spec when it is compiled.
Status save_float_c_header(const std::string& path, const NetworkSpec& spec,
                           const float* parameters, std::int64_t floats, const std::string& name);

}  // namespace tinyae
