// sparse-patches: the classic sparse autoencoder (256-64-256 sigmoid, KL sparsity,
// weight decay) on 16x16 patches of natural photographs, trained on the full batch by
// L-BFGS (or plain gradient descent), then its learned features as a mosaic.
//
//   sparse_patches [--gd] [--iterations N] [--patches N] [--threads N] [--out DIR] IMAGES
// IMAGES is a folder of photographs (PNG, JPEG, BMP, PGM, PPM), one image, or a file of
// patches (.npy or IDX, e.g. n x 16 x 16 x 3 uint8). Debian's python3-skimage ships
// photographs in /usr/lib/python3/dist-packages/skimage/data.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/pictures.hpp"
#include "tinyae/tinyae.hpp"

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kSparsePatches;
constexpr std::int32_t kSide = 16;

struct Run {
  int every;
  std::chrono::steady_clock::time_point start;
};

bool print_iteration(const tinyae::EpochStats& stats, void* user) {
  const Run* run = static_cast<Run*>(user);
  if (stats.epoch % run->every == 0 || stats.epoch == stats.epochs || stats.epoch == 1) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run->start).count();
    std::printf("iteration %4d  J %.6f  reconstruction MSE %.6f  (%.1f s)\n", stats.epoch,
                stats.train.loss, stats.train.mse, seconds);
  }
  return true;
}

int fail(const tinyae::Status& s) {
  std::fprintf(stderr, "sparse_patches: %s\n", s.message());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string images;
  std::string out = "sparse_patches_out";
  bool gradient_descent = false;
  int iterations = -1;
  int count = tinyae::reference::kSparsePatchCount;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--gd") == 0) {
      gradient_descent = true;
    } else if (std::strcmp(argv[i], "--iterations") == 0 && has_value) {
      iterations = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--patches") == 0 && has_value) {
      count = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--threads") == 0 && has_value) {
      threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--out") == 0 && has_value) {
      out = argv[++i];
    } else if (argv[i][0] != '-' && images.empty()) {
      images = argv[i];
    } else {
      images.clear();
      break;
    }
  }
  if (images.empty()) {
    std::fprintf(stderr,
                 "usage: sparse_patches [--gd] [--iterations N] [--patches N] [--threads N] "
                 "[--out DIR] IMAGES\n"
                 "  IMAGES: a folder of photographs, one image, or a .npy/IDX file of patches\n");
    return 1;
  }

  tinyae::Patches patches;
  tinyae::Status s = tinyae::read_patches(images, kSide, count, 1, &patches);
  if (!s.ok()) return fail(s);
  const std::int32_t rows = patches.values.rows;

  tinyae::TrainConfig config = tinyae::reference::sparse_patches_config();
  config.batch_size = rows;  // full batch
  config.threads = threads;
  if (gradient_descent) {
    config.optimizer = tinyae::Optimizer::sgd;
    config.epochs = 4000;
  }
  if (iterations > 0) config.epochs = iterations;
  tinyae::ArenaBuffer memory;
  tinyae::Network net;
  s = memory.allocate(tinyae::arena_bytes(kSpec, config));
  if (s.ok()) s = net.setup(kSpec, config, memory.arena());
  if (!s.ok()) return fail(s);
  std::printf("sparse-patches 256-64-256 on %d patches of %dx%d: lambda %.0e, beta %.2f, rho %.2f, "
              "%s, %d iterations\n",
              rows, kSide, kSide, static_cast<double>(config.weight_decay),
              static_cast<double>(config.sparsity_weight), static_cast<double>(config.sparsity_target),
              gradient_descent ? "full-batch gradient descent lr 0.1" : "L-BFGS", config.epochs);

  Run run{config.epochs >= 20 ? config.epochs / 20 : 1, std::chrono::steady_clock::now()};
  s = net.fit(patches.values.values.data(), rows, kSide * kSide, print_iteration, &run);
  if (!s.ok()) return fail(s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run.start).count();
  std::printf("trained in %.1f s\n", seconds);

  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  // Each hidden unit's 256 input weights as a 16x16 tile, normalized per tile.
  tinyae::GridOptions features;
  features.columns = 8;
  features.upscale = 3;
  features.normalize_each = true;
  s = tinyae::save_png(out + "/features.png",
                       tinyae::tile_grid(net.weights(0), 64, kSide, kSide, features));
  // Rows of (original gray patch, preprocessed input, reconstruction), three per row.
  constexpr std::int32_t kShown = 24;
  const std::int32_t shown = rows < kShown ? rows : kShown;
  std::vector<float> recon(static_cast<std::size_t>(shown) * kSide * kSide);
  if (s.ok()) s = net.reconstruct(patches.values.values.data(), shown, kSide * kSide, recon.data());
  std::vector<float> tiles;
  for (std::int32_t i = 0; i < shown; ++i) {
    for (const float* tile : {patches.originals.row(i), patches.values.row(i),
                              recon.data() + std::int64_t{i} * kSide * kSide}) {
      tiles.insert(tiles.end(), tile, tile + kSide * kSide);
    }
  }
  tinyae::GridOptions grid;
  grid.columns = 9;
  grid.upscale = 3;
  if (s.ok()) {
    s = tinyae::save_png(out + "/reconstructions.png",
                         tinyae::tile_grid(tiles.data(), 3 * shown, kSide, kSide, grid));
  }
  if (s.ok()) s = tinyae::save_model(out + "/model.tae", net);
  if (!s.ok()) return fail(s);
  std::printf("wrote %s/features.png, %s/reconstructions.png (original | input | output), "
              "%s/model.tae\n",
              out.c_str(), out.c_str(), out.c_str());
  return 0;
}
