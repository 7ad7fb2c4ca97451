// FileBatchStream: an .npy or IDX file's rows, read window by window with zlib (plain
// or gzip), so that a file larger than memory trains with the memory of one window.
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "../core/random.hpp"
#include "array_headers.hpp"
#include "file.hpp"
#include "tinyae/io.hpp"

namespace tinyae {
namespace {

// Far more than any file a host holds; keeps row x column products in 64 bits.
constexpr std::uint64_t kMaxStreamBytes = std::uint64_t{1} << 46;
constexpr std::size_t kChunkBytes = std::size_t{1} << 16;
constexpr std::size_t kHeaderBytes = std::size_t{1} << 20;  // the largest .npy header read

gzFile as_gz(void* f) { return static_cast<gzFile>(f); }

// Reads exactly n bytes, or says why not.
Status read_exactly(gzFile f, const std::string& path, unsigned char* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const std::size_t want = n - done < kChunkBytes ? n - done : kChunkBytes;
    const int got = gzread(f, out + done, static_cast<unsigned>(want));
    if (got < 0) {
      int code = Z_OK;
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": corrupt or unreadable data (",
                           gzerror(f, &code), ")");
    }
    if (got == 0) {
      return Status::error(StatusCode::corrupt_data, path.c_str(), ": the file ended early (it changed or is truncated)");
    }
    done += static_cast<std::size_t>(got);
  }
  return Status();
}

}  // namespace

struct FileBatchStream::Order {
  Pcg32 rng;
  std::vector<std::uint32_t> rows;
};

FileBatchStream::FileBatchStream() = default;

FileBatchStream::~FileBatchStream() {
  if (file_ != nullptr) gzclose(as_gz(file_));
}

Status FileBatchStream::open(const std::string& path, std::int32_t window_rows, float scale,
                             bool shuffle, std::uint64_t seed) {
  if (window_rows < 1) {
    return Status::error(StatusCode::invalid_argument, path.c_str(), ": a window of ", window_rows,
                         " rows (at least 1)");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status::error(StatusCode::io_error, path.c_str(), ": cannot open (", std::strerror(errno), ")");
  }
  gzbuffer(f, static_cast<unsigned>(kChunkBytes));
  // The header from the first bytes, then the data's length by reading to the end.
  std::vector<unsigned char> head(kHeaderBytes);
  const int have = gzread(f, head.data(), static_cast<unsigned>(head.size()));
  Status s;
  if (have < 0) s = Status::error(StatusCode::corrupt_data, path.c_str(), ": corrupt or unreadable data");
  const auto bytes = static_cast<std::size_t>(have < 0 ? 0 : have);
  bool idx = false;
  int item_bytes = 0;
  std::size_t data_start = 0;
  std::uint64_t count = 0;
  std::int64_t rows = 0;
  if (s.ok() && bytes >= 1 && head[0] == 0x93) {
    io::NpyHeaderInfo h;
    s = io::parse_npy_header(path, head.data(), bytes, kMaxStreamBytes / 8, &h);
    if (s.ok() && h.shape.size() < 2) {
      s = Status::error(StatusCode::invalid_argument, path.c_str(),
                        ": expected an array of samples (2 or more dimensions)");
    }
    if (s.ok()) {
      item_bytes = h.item_bytes;
      data_start = h.data_start;
      count = h.count;
      rows = h.shape[0];
    }
  } else if (s.ok()) {
    io::IdxHeaderInfo h;
    s = io::parse_idx_header(path, head.data(), bytes, kMaxStreamBytes, &h);
    if (s.ok() && (h.type != 0x08 || h.dims.size() < 2)) {
      s = Status::error(StatusCode::corrupt_data, path.c_str(),
                        ": expected uint8 images (IDX type 0x08, 2 or more dimensions) or an .npy array");
    }
    if (s.ok()) {
      idx = true;
      item_bytes = 1;
      data_start = h.data_start;
      count = h.count;
      rows = h.dims[0];
    }
  }
  const std::uint64_t cols = rows > 0 ? count / static_cast<std::uint64_t>(rows) : 0;
  if (s.ok() && (rows < 1 || cols < 1 || cols > 0x7fffffff)) {
    s = Status::error(StatusCode::invalid_argument, path.c_str(), ": ", rows, " rows of ", cols,
                      " values (at least one row of 1 to 2^31-1 values)");
  }
  if (s.ok()) {
    std::uint64_t total = bytes;
    std::vector<unsigned char> chunk(kChunkBytes);
    for (;;) {
      const int got = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
      if (got < 0) {
        int code = Z_OK;
        s = Status::error(StatusCode::corrupt_data, path.c_str(), ": corrupt or unreadable data (",
                          gzerror(f, &code), ")");
        break;
      }
      if (got == 0) break;
      total += static_cast<std::uint64_t>(got);
    }
    const std::uint64_t expected = data_start + count * static_cast<std::uint64_t>(item_bytes);
    if (s.ok() && total != expected) {
      s = Status::error(StatusCode::corrupt_data, path.c_str(), ": the header describes ", expected,
                        " bytes but the file has ", total, total < expected ? " (truncated)" : " (trailing data)");
    }
  }
  if (!s.ok()) {
    gzclose(f);
    return s;
  }
  if (file_ != nullptr) gzclose(as_gz(file_));
  file_ = f;
  path_ = path;
  idx_ = idx;
  item_bytes_ = item_bytes;
  data_start_ = data_start;
  scale_ = scale;
  rows_ = rows;
  cols_ = static_cast<std::int32_t>(cols);
  window_rows_ = rows < window_rows ? static_cast<std::int32_t>(rows) : window_rows;
  shuffle_ = shuffle;
  window_.assign(static_cast<std::size_t>(window_rows_) * static_cast<std::size_t>(cols_), 0.0f);
  const std::size_t row_bytes = static_cast<std::size_t>(cols) * static_cast<std::size_t>(item_bytes);
  chunk_.assign(row_bytes > kChunkBytes ? row_bytes : kChunkBytes / row_bytes * row_bytes, 0);
  order_ = std::make_unique<Order>(Order{Pcg32(seed, kStreamShuffle), {}});
  order_->rows.assign(shuffle_ ? static_cast<std::size_t>(window_rows_) : 0, 0);
  rows_read_ = rows_;  // no epoch started
  window_count_ = window_next_ = 0;
  return Status();
}

Status FileBatchStream::start_epoch() {
  if (file_ == nullptr) return Status::error(StatusCode::invalid_argument, "FileBatchStream: not open");
  if (gzrewind(as_gz(file_)) != 0 ||
      gzseek(as_gz(file_), static_cast<z_off_t>(data_start_), SEEK_SET) != static_cast<z_off_t>(data_start_)) {
    return Status::error(StatusCode::io_error, path_.c_str(), ": cannot rewind to the data");
  }
  rows_read_ = 0;
  window_count_ = window_next_ = 0;
  return Status();
}

Status FileBatchStream::read_window(bool shuffled) {
  const std::int64_t left = rows_ - rows_read_;
  const auto n = static_cast<std::int32_t>(left < window_rows_ ? left : window_rows_);
  const std::size_t row_bytes = static_cast<std::size_t>(cols_) * static_cast<std::size_t>(item_bytes_);
  const std::size_t chunk_rows = chunk_.size() / row_bytes;
  for (std::int32_t r = 0; r < n;) {
    const auto rows = static_cast<std::int32_t>(static_cast<std::size_t>(n - r) < chunk_rows ? static_cast<std::size_t>(n - r) : chunk_rows);
    TINYAE_RETURN_IF_ERROR(read_exactly(as_gz(file_), path_, chunk_.data(), row_bytes * static_cast<std::size_t>(rows)));
    float* out = window_.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_);
    const std::size_t values = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols_);
    // The loaders' arithmetic exactly, so streamed rows equal loaded ones bit for bit.
    for (std::size_t i = 0; i < values; ++i) {
      float v = idx_ ? static_cast<float>(chunk_[i]) / 255.0f
                     : io::npy_element(chunk_.data() + i * static_cast<std::size_t>(item_bytes_), item_bytes_);
      if (scale_ != 1.0f) v *= scale_;
      out[i] = v;
    }
    r += rows;
  }
  rows_read_ += n;
  window_count_ = n;
  window_next_ = 0;
  if (shuffled) {  // each window's order follows the last from one generator, as fit's epochs do
    const Permutation order(static_cast<std::uint32_t>(n), order_->rng);
    for (std::int32_t i = 0; i < n; ++i) order_->rows[static_cast<std::size_t>(i)] = order(static_cast<std::uint32_t>(i));
  }
  return Status();
}

Status FileBatchStream::next(float* batch, std::int32_t max_rows, std::int32_t cols, std::int32_t* rows) {
  *rows = 0;
  if (cols != cols_) {
    return Status::error(StatusCode::invalid_argument, path_.c_str(), " has ", cols_,
                         " values per row; the network takes ", cols);
  }
  std::int32_t filled = 0;
  while (filled < max_rows) {
    if (window_next_ == window_count_) {
      if (rows_read_ == rows_) break;
      TINYAE_RETURN_IF_ERROR(read_window(shuffle_));
    }
    const std::int32_t row = shuffle_ ? static_cast<std::int32_t>(order_->rows[static_cast<std::size_t>(window_next_)]) : window_next_;
    std::memcpy(batch + static_cast<std::size_t>(filled) * static_cast<std::size_t>(cols_),
                window_.data() + static_cast<std::size_t>(row) * static_cast<std::size_t>(cols_),
                sizeof(float) * static_cast<std::size_t>(cols_));
    ++window_next_;
    ++filled;
  }
  *rows = filled;
  return Status();
}

Status FileBatchStream::next_window(const float** values, std::int32_t* rows) {
  *rows = 0;
  if (file_ == nullptr) return Status::error(StatusCode::invalid_argument, "FileBatchStream: not open");
  if (rows_read_ < rows_) {
    TINYAE_RETURN_IF_ERROR(read_window(false));
    *rows = window_count_;
    window_next_ = window_count_;
  }
  *values = window_.data();
  return Status();
}

}  // namespace tinyae
