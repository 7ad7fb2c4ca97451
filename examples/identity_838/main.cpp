// identity-838: an 8-3-8 sigmoid network learns to pass the eight one-hot vectors
// through three hidden units (the classic backpropagation demonstration).
//
//   identity_838 [folder]    prints the hidden codes and writes to folder (default
//                            out/identity-838): sse.csv ("epoch,sse"), sse.png (the SSE
//                            curve), weights.png (input -> hidden weights) and hidden.png
//                            (the hidden activations of the eight inputs)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"
#include "tinyae/tinyae.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kIdentity838;
constexpr tinyae::TrainConfig kConfig = tinyae::reference::identity838_config();

// Sized at compile time, as firmware would.
alignas(tinyae::kAlignment) unsigned char g_memory[tinyae::arena_bytes(kSpec, kConfig)];

struct Log {
  std::FILE* csv;
  std::vector<double> sse;  // reserved before training: the callback does not allocate
};

bool log_epoch(const tinyae::EpochStats& stats, void* user) {
  auto* log = static_cast<Log*>(user);
  log->sse.push_back(stats.train.sse);
  std::fprintf(log->csv, "%d,%.9g\n", stats.epoch, stats.train.sse);
  return true;
}

// The seed's pictures: the SSE curve, the input -> hidden weights and the hidden
// activations of the eight inputs.
tinyae::Status save_pictures(const std::string& folder, tinyae::Network& net, const float* codes,
                             const std::vector<double>& sse) {
  tinyae::PlotOptions plot;
  plot.log_scale = true;
  plot.title = "sse per epoch";
  plot.x_label = "epoch";
  TINYAE_RETURN_IF_ERROR(tinyae::save_png(
      folder + "/sse.png", tinyae::line_plot(sse.data(), static_cast<std::int32_t>(sse.size()), plot)));
  tinyae::HeatMapOptions map;
  map.cell = 48;
  map.show_values = true;
  map.row_name = "in ";
  map.column_name = "h";
  map.title = "input to hidden weights";
  tinyae::Image weights;
  TINYAE_RETURN_IF_ERROR(tinyae::first_layer_heat_map(net, map, &weights));
  TINYAE_RETURN_IF_ERROR(tinyae::save_png(folder + "/weights.png", weights));
  map.title = "hidden activations";
  map.limit = 1.0f;
  return tinyae::save_png(folder + "/hidden.png", tinyae::heat_map(codes, 8, 3, map));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string folder = argc > 1 ? argv[1] : "out/identity-838";
  const std::string csv_path = folder + "/sse.csv";
  float data[8 * 8] = {};
  for (int i = 0; i < 8; ++i) data[i * 8 + i] = 1.0f;

  tinyae::Arena arena(g_memory, sizeof g_memory);
  tinyae::Network net;
  tinyae::Status s = net.setup(kSpec, kConfig, arena);
  if (!s.ok()) {
    std::fprintf(stderr, "identity_838: %s\n", s.message());
    return 1;
  }
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  Log log{std::fopen(csv_path.c_str(), "w"), {}};
  if (log.csv == nullptr) {
    std::fprintf(stderr, "identity_838: cannot write %s\n", csv_path.c_str());
    return 1;
  }
  log.sse.reserve(kConfig.epochs);
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
  std::printf("SSE over the last epoch: %.5f (per epoch in %s)\n", log.sse.back(), csv_path.c_str());

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
  s = save_pictures(folder, net, codes, log.sse);
  if (!s.ok()) {
    std::fprintf(stderr, "identity_838: %s\n", s.message());
    return 1;
  }
  std::printf("wrote %s/sse.png, weights.png, hidden.png\n", folder.c_str());
  return correct == 8 ? 0 : 2;
}
