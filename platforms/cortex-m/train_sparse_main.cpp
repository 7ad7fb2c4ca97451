// Firmware example 5: trains UFLDL's KL-sparse 64-25-64 autoencoder (platforms/
// sparse_case.hpp) on the device from mini-batches of 32 patches streamed from the host's
// file over semihosting (SYS_OPEN/SYS_SEEK/SYS_READ), never the whole set in RAM: the
// arena holds the model, Adam's state and one batch. Prints each epoch's cost, the
// trained parameters as hex bits and the measured stack high-water; the host reference
// (sparse_reference) trains on the same stream and compares. Fails (exit 1) on any error
// or when the cost does not fall.
#include "console.hpp"
#include "semihosting.hpp"
#include "sparse_case.hpp"
#include "stack_paint.hpp"
#include "tinyae/tinyae.hpp"

#ifndef TINYAE_FW_PATCHES
#error "define TINYAE_FW_PATCHES as the host path (relative to qemu's working directory) of ufldl8x8_whitened_10000x64_f32.npy"
#endif
#ifndef TINYAE_FW_SPARSE_EPOCHS
#define TINYAE_FW_SPARSE_EPOCHS 1
#endif

namespace {

constexpr tinyae::TrainConfig kConfig = fw::sparse_config(TINYAE_FW_SPARSE_EPOCHS);
// arena_bytes is constexpr: a config the library rejects (0 bytes) or an arena the
// board cannot hold beside the stack fails here, at compile time, not on the device.
static_assert(tinyae::arena_bytes(fw::kSparseSpec, kConfig) > 0, "the spec or training config is invalid");
static_assert(tinyae::arena_bytes(fw::kSparseSpec, kConfig) + TINYAE_FW_STACK_BYTES <= TINYAE_BOARD_RAM_BYTES,
              "the training arena and the stack do not fit the board's RAM");
alignas(tinyae::kAlignment) unsigned char g_arena[tinyae::arena_bytes(fw::kSparseSpec, kConfig)];

// The .npy file's rows, one batch per read, from the data's start each epoch.
class SemihostingRows final : public tinyae::BatchStream {
 public:
  tinyae::Status open(const char* path) {
    handle_ = semihosting::open_read(path);
    if (handle_ < 0) return tinyae::Status::error(tinyae::StatusCode::io_error, path, ": cannot open");
    // Format 1.0: magic (6), version (2), header length (2 little-endian), the dict.
    unsigned char head[10] = {};
    if (!semihosting::read(handle_, head, sizeof head) || head[0] != 0x93 || head[6] != 1) {
      return tinyae::Status::error(tinyae::StatusCode::corrupt_data, path, ": not an .npy 1.0 file");
    }
    data_start_ = 10u + (head[8] | (static_cast<std::uint32_t>(head[9]) << 8));
    char dict[128] = {};
    const std::uint32_t dict_bytes = data_start_ - 10 < sizeof dict - 1 ? data_start_ - 10 : sizeof dict - 1;
    if (!semihosting::read(handle_, dict, dict_bytes) || !contains(dict, "'<f4'") ||
        !contains(dict, "(10000, 64)")) {
      return tinyae::Status::error(tinyae::StatusCode::corrupt_data, path, ": expected <f4 of shape (10000, 64)");
    }
    return tinyae::Status();
  }
  ~SemihostingRows() {
    if (handle_ >= 0) semihosting::close(handle_);
  }

  std::int64_t rows_per_epoch() const override { return fw::kSparseRows; }

  tinyae::Status start_epoch() override {
    left_ = fw::kSparseRows;
    if (!semihosting::seek(handle_, data_start_)) {
      return tinyae::Status::error(tinyae::StatusCode::io_error, "cannot seek to the patches");
    }
    return tinyae::Status();
  }

  tinyae::Status next(float* batch, std::int32_t max_rows, std::int32_t cols, std::int32_t* rows) override {
    const std::int32_t n = left_ < max_rows ? left_ : max_rows;
    const auto bytes = static_cast<std::uint32_t>(n * cols) * sizeof(float);  // little-endian both sides
    if (n > 0 && !semihosting::read(handle_, batch, bytes)) {
      return tinyae::Status::error(tinyae::StatusCode::io_error, "the patch file ended early");
    }
    left_ -= n;
    *rows = n;
    return tinyae::Status();
  }

 private:
  static bool contains(const char* text, const char* part) {
    for (; *text != '\0'; ++text) {
      const char* a = text;
      const char* b = part;
      while (*b != '\0' && *a == *b) ++a, ++b;
      if (*b == '\0') return true;
    }
    return false;
  }

  int handle_ = -1;
  std::uint32_t data_start_ = 0;
  std::int32_t left_ = 0;
};

struct Costs {
  fw::Console* out;
  double first = 0;
  double last = 0;
};

bool on_epoch(const tinyae::EpochStats& stats, void* user) {
  auto* c = static_cast<Costs*>(user);
  const auto cost = static_cast<float>(stats.train.loss);
  if (stats.epoch == 1) c->first = stats.train.loss;
  c->last = stats.train.loss;
  *c->out << "epoch " << stats.epoch << " cost ";
  c->out->fixed(stats.train.loss, 6) << ' ';
  c->out->hex_bits(cost) << '\n';
  return true;
}

}  // namespace

int main() {
  fw::paint_stack();
  fw::Console out;
  SemihostingRows rows;
  tinyae::Status s = rows.open(TINYAE_FW_PATCHES);
  tinyae::Arena arena(g_arena, sizeof g_arena);
  tinyae::Network net;
  if (s.ok()) s = net.setup(fw::kSparseSpec, kConfig, arena);
  if (!s.ok()) {
    out << "set-up failed: " << s.message() << '\n';
    out.flush();
    return 1;
  }
  out << "KL-sparse 64-25-64 on the device: " << kConfig.epochs << " epochs of Adam on batches of "
      << kConfig.batch_size << " streamed over semihosting, arena "
      << static_cast<unsigned long>(sizeof g_arena) << " bytes\n";
  Costs costs{&out};
  s = net.fit(rows, on_epoch, &costs);
  if (!s.ok()) {
    out << "fit failed: " << s.message() << '\n';
    out.flush();
    return 1;
  }
  const float* p = net.parameters();
  const auto floats = static_cast<int>(fw::kSparseSpec.parameter_floats());
  for (int i = 0; i < floats; i += 8) {
    out << "params " << i;
    for (int j = i; j < i + 8 && j < floats; ++j) {
      out << ' ';
      out.hex_bits(p[j]);
    }
    out << '\n';
  }
  const bool fell = kConfig.epochs == 1 || costs.last < costs.first;
  out << "stack high-water " << static_cast<unsigned long>(fw::stack_high_water()) << " bytes\n";
  out << "cost " << (fell ? "fell" : "did NOT fall") << " from ";
  out.fixed(costs.first, 6) << " to ";
  out.fixed(costs.last, 6) << '\n';
  out.flush();
  return fell ? 0 : 1;
}
