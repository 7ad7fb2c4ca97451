// identity-838: an 8-3-8 sigmoid network learns to pass the eight one-hot vectors
// through three hidden units (the classic backpropagation demonstration).
//
//   identity_838 [sse.csv]    writes "epoch,sse" per epoch, prints the hidden codes
#include <chrono>
#include <cstdio>

#include "tinyae/tinyae.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kIdentity838;
constexpr tinyae::TrainConfig kConfig = tinyae::reference::identity838_config();

// Sized at compile time, as firmware would.
alignas(tinyae::kAlignment) unsigned char g_memory[tinyae::arena_bytes(kSpec, kConfig)];

struct Log {
  std::FILE* csv;
  double last_sse;
};

bool log_epoch(const tinyae::EpochStats& stats, void* user) {
  auto* log = static_cast<Log*>(user);
  log->last_sse = stats.train.sse;
  if (log->csv != nullptr) std::fprintf(log->csv, "%d,%.9g\n", stats.epoch, stats.train.sse);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const char* csv_path = argc > 1 ? argv[1] : "identity_838_sse.csv";
  float data[8 * 8] = {};
  for (int i = 0; i < 8; ++i) data[i * 8 + i] = 1.0f;

  tinyae::Arena arena(g_memory, sizeof g_memory);
  tinyae::Network net;
  tinyae::Status s = net.setup(kSpec, kConfig, arena);
  if (!s.ok()) {
    std::fprintf(stderr, "identity_838: %s\n", s.message());
    return 1;
  }
  Log log{std::fopen(csv_path, "w"), 0};
  if (log.csv == nullptr) {
    std::fprintf(stderr, "identity_838: cannot write %s\n", csv_path);
    return 1;
  }
  std::fprintf(log.csv, "epoch,sse\n");
  const auto start = std::chrono::steady_clock::now();
  s = net.fit(data, 8, 8, log_epoch, &log);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fclose(log.csv);
  if (!s.ok()) {
    std::fprintf(stderr, "identity_838: %s\n", s.message());
    return 1;
  }

  std::printf("identity-838: %d epochs of per-sample SGD (lr %.2g) in %.2f ms, arena %zu bytes\n",
              kConfig.epochs, static_cast<double>(kConfig.learning_rate), seconds * 1e3,
              sizeof g_memory);
  std::printf("SSE over the last epoch: %.5f (per epoch in %s)\n", log.last_sse, csv_path);

  float codes[8 * 3];
  float out[8 * 8];
  if (!net.encode(data, 8, 8, codes).ok() || !net.reconstruct(data, 8, 8, out).ok()) return 1;
  std::printf("input     hidden code            reconstructed\n");
  int correct = 0;
  for (int i = 0; i < 8; ++i) {
    int best = 0;
    for (int j = 1; j < 8; ++j) best = out[i * 8 + j] > out[i * 8 + best] ? j : best;
    correct += best == i;
    std::printf("%d         %.3f %.3f %.3f    %d (%.3f)\n", i,
                static_cast<double>(codes[i * 3]), static_cast<double>(codes[i * 3 + 1]),
                static_cast<double>(codes[i * 3 + 2]), best, static_cast<double>(out[i * 8 + best]));
  }
  std::printf("%d of 8 inputs reconstruct to the right one-hot vector\n", correct);
  return correct == 8 ? 0 : 2;
}
