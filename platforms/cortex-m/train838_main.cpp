// Firmware example 2: trains identity-838 (8-3-8 sigmoid, per-sample SGD, lr 0.3,
// 5000 epochs, as in examples/identity_838) on the device, from a static arena sized
// at compile time. Prints the SSE every 500 epochs, then the codes, and fails (exit 1)
// unless the last epoch's SSE is below kMaxFinalSse and all eight one-hot inputs
// reconstruct to themselves (largest output at the right place).
#include "console.hpp"
#include "tinyae/tinyae.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kIdentity838;
constexpr tinyae::TrainConfig kConfig = tinyae::reference::identity838_config();

// The host run of the same configuration ends near 0.11; the first epoch is near 16.
constexpr double kMaxFinalSse = 0.25;

alignas(tinyae::kAlignment) unsigned char g_arena[tinyae::arena_bytes(kSpec, kConfig)];

struct Progress {
  fw::Console* out;
  double first_sse;
  double last_sse;
};

bool on_epoch(const tinyae::EpochStats& stats, void* user) {
  auto* p = static_cast<Progress*>(user);
  if (stats.epoch == 1) p->first_sse = stats.train.sse;
  p->last_sse = stats.train.sse;
  if (stats.epoch == 1 || stats.epoch % 500 == 0) {
    *p->out << "epoch " << stats.epoch << " sse ";
    p->out->fixed(stats.train.sse, 6) << '\n';
  }
  return true;
}

}  // namespace

int main() {
  fw::Console out;
  float data[8 * 8] = {};
  for (int i = 0; i < 8; ++i) data[i * 8 + i] = 1.0f;

  tinyae::Arena arena(g_arena, sizeof g_arena);
  tinyae::Network net;
  tinyae::Status s = net.setup(kSpec, kConfig, arena);
  if (!s.ok()) {
    out << "setup failed: " << s.message() << '\n';
    return 1;
  }
  out << "identity-838 on the device: " << kConfig.epochs
      << " epochs of per-sample SGD, arena " << static_cast<unsigned long>(sizeof g_arena)
      << " bytes\n";
  Progress progress{&out, 0, 0};
  s = net.fit(data, 8, 8, on_epoch, &progress);
  if (!s.ok()) {
    out << "fit failed: " << s.message() << '\n';
    return 1;
  }

  float codes[8 * 3];
  float recon[8 * 8];
  if (!net.encode(data, 8, 8, codes).ok() || !net.reconstruct(data, 8, 8, recon).ok()) {
    out << "inference failed\n";
    return 1;
  }
  int correct = 0;
  for (int i = 0; i < 8; ++i) {
    int best = 0;
    for (int j = 1; j < 8; ++j) best = recon[i * 8 + j] > recon[i * 8 + best] ? j : best;
    correct += best == i;
    out << "input " << i << " code";
    for (int j = 0; j < 3; ++j) {
      out << ' ';
      out.fixed(static_cast<double>(codes[i * 3 + j]), 3);
    }
    out << " -> " << best << '\n';
  }
  const bool dropped = progress.last_sse < kMaxFinalSse && progress.last_sse < progress.first_sse;
  out << "sse " << (dropped ? "dropped" : "did NOT drop") << " from ";
  out.fixed(progress.first_sse, 4) << " to ";
  out.fixed(progress.last_sse, 4) << " (limit ";
  out.fixed(kMaxFinalSse, 2) << "); " << correct << " of 8 inputs reconstruct correctly\n";
  out.flush();
  return dropped && correct == 8 ? 0 : 1;
}
