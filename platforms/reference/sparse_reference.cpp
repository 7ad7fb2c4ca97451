// Host reference for tinyae_fw_train_sparse (platforms/cortex-m/train_sparse_main.cpp):
//   sparse_reference run.log patches.npy features.png
// trains the same case (platforms/sparse_case.hpp: same spec, seed and config) on the
// same stream (FileBatchStream over the same file, in file order, batches of 32), then
// compares the device's per-epoch costs and final parameters with the host's and writes
// the device's learned features (the 25 rows of W1 as 8x8 tiles) as a PNG mosaic.
// Exit 0 when they agree within the tolerances below and the device's cost fell to
// within 1% of the host's.
//
// Tolerances: both sides run the same float32 algorithm, but the host's kernels sum in
// another order (AVX2/AVX-512 lanes vs the M-profile's scalar loop) and contract other
// multiply-adds, so the weights drift apart by roundings that Adam's step (lr / sqrt(v))
// can enlarge and the epochs accumulate. Measured on the M4 after 50 epochs (15,650
// steps): largest parameter difference 4.6e-5, costs 6e-8 apart. The limits leave about
// 20x room for other cores and compilers: 1e-3 absolute on a parameter (a tenth of one
// Adam step of lr 0.01), 1e-4 relative on an epoch's cost.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sparse_case.hpp"
#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"

namespace {

constexpr double kCostRelTolerance = 1e-4;    // per epoch
constexpr double kWeightAbsTolerance = 1e-3;  // per parameter

float from_hex(const std::string& hex) {
  const auto bits = static_cast<std::uint32_t>(std::strtoul(hex.c_str(), nullptr, 16));
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

struct DeviceRun {
  std::vector<double> costs;
  std::vector<float> params;
};

bool parse(const char* path, DeviceRun* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    if (kind == "epoch") {
      int epoch = 0;
      std::string label, fixed, hex;
      words >> epoch >> label >> fixed >> hex;
      if (label == "cost" && epoch == static_cast<int>(out->costs.size()) + 1) out->costs.push_back(from_hex(hex));
    } else if (kind == "params") {
      std::size_t index = 0;
      words >> index;
      if (index != out->params.size()) return false;
      for (std::string hex; words >> hex;) out->params.push_back(from_hex(hex));
    }
  }
  return true;
}

struct HostCosts {
  std::vector<double> costs;
};
bool record(const tinyae::EpochStats& stats, void* user) {
  static_cast<HostCosts*>(user)->costs.push_back(static_cast<float>(stats.train.loss));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: sparse_reference run.log patches.npy features.png\n");
    return 2;
  }
  DeviceRun device;
  const auto floats = static_cast<std::size_t>(fw::kSparseSpec.parameter_floats());
  if (!parse(argv[1], &device) || device.costs.empty() || device.params.size() != floats) {
    std::fprintf(stderr, "sparse_reference: %s holds %zu epoch costs and %zu of %zu parameters\n", argv[1],
                 device.costs.size(), device.params.size(), floats);
    return 1;
  }
  const tinyae::TrainConfig config = fw::sparse_config(static_cast<int>(device.costs.size()));
  tinyae::FileBatchStream stream;
  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  HostCosts host;
  tinyae::Status s = stream.open(argv[2], fw::kSparseRows, 1.0f, false, config.seed);
  if (s.ok()) s = memory.allocate(tinyae::arena_bytes(fw::kSparseSpec, config));
  if (s.ok()) s = net.setup(fw::kSparseSpec, config, memory.arena());
  if (s.ok()) s = net.fit(stream, record, &host);
  if (!s.ok()) {
    std::fprintf(stderr, "sparse_reference: %s\n", s.message());
    return 1;
  }
  double worst_cost = 0;
  for (std::size_t e = 0; e < device.costs.size(); ++e) {
    const double rel = std::fabs(device.costs[e] - host.costs[e]) / std::fabs(host.costs[e]);
    worst_cost = rel > worst_cost ? rel : worst_cost;
  }
  double worst_weight = 0;
  std::size_t worst_at = 0;
  for (std::size_t i = 0; i < floats; ++i) {
    const double d = std::fabs(static_cast<double>(device.params[i]) - net.parameters()[i]);
    if (d > worst_weight) {
      worst_weight = d;
      worst_at = i;
    }
  }
  const double final_gap = (device.costs.back() - host.costs.back()) / host.costs.back();
  std::printf("epochs %zu: device cost %.6f -> %.6f, host %.6f -> %.6f\n", device.costs.size(),
              device.costs.front(), device.costs.back(), host.costs.front(), host.costs.back());
  std::printf("largest cost difference %.3g (relative, limit %.0e); largest parameter difference %.3g at %zu "
              "(limit %.2g); final cost %+.3g%% of the host's\n",
              worst_cost, kCostRelTolerance, worst_weight, worst_at, kWeightAbsTolerance, 100 * final_gap);
  tinyae::GridOptions grid;
  grid.columns = 5;
  grid.normalize_each = true;
  grid.upscale = 6;
  const float* w1 = device.params.data() + fw::kSparseSpec.weight_offset(0);
  s = tinyae::save_png(argv[3], tinyae::tile_grid(w1, 25, 8, 8, grid));
  if (!s.ok()) {
    std::fprintf(stderr, "sparse_reference: %s\n", s.message());
    return 1;
  }
  std::printf("wrote the device's 25 features to %s\n", argv[3]);
  const bool agree = worst_cost <= kCostRelTolerance && worst_weight <= kWeightAbsTolerance &&
                     std::fabs(final_gap) <= 0.01 && device.costs.back() < device.costs.front();
  return agree ? 0 : 1;
}
