// TrainLayout: the regions setup() places lie inside the block in order, each on a
// kAlignment boundary and none overlapping; arena_bytes is the layout's total, at
// compile time too; the state block is the last region.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "tinyae/tinyae.hpp"

using namespace tinyae;
using detail::Region;
using detail::TrainLayout;

namespace {

constexpr TrainConfig kKlAdam = [] {
  TrainConfig c = reference::sparse_patches_config();
  c.optimizer = Optimizer::adam;
  c.batch_size = 50;
  c.batch_parts = 4;
  c.noise_stddev = 0.5f;
  return c;
}();

static_assert(arena_bytes(reference::kIdentity838, reference::identity838_config()) ==
              TrainLayout::training(reference::kIdentity838, reference::identity838_config()).total);
static_assert(arena_bytes(reference::kMnistConv, 1) ==
              TrainLayout::inference(reference::kMnistConv, 1).total);
static_assert(TrainLayout::training(reference::kSparsePatches, kKlAdam).state.bytes ==
              detail::kTrainStateBytes);

void check_regions(const TrainLayout& t, std::size_t state_bytes) {
  REQUIRE(t.valid);
  std::vector<Region> regions = {t.parameters, t.gradients, t.last_good, t.moment1,
                                 t.moment2, t.lbfgs_s, t.lbfgs_y, t.lbfgs_direction,
                                 t.lbfgs_gradient, t.partials, t.input_batch, t.noisy_batch,
                                 t.scratch[0], t.scratch[1], t.conv_scratch, t.code_sums,
                                 t.rhohat, t.state};
  for (const Region& r : t.activations) regions.push_back(r);
  regions.erase(std::remove_if(regions.begin(), regions.end(),
                               [](const Region& r) { return r.bytes == 0; }),
                regions.end());
  std::sort(regions.begin(), regions.end(),
            [](const Region& a, const Region& b) { return a.offset < b.offset; });
  std::size_t end = 0;
  for (const Region& r : regions) {
    CHECK(r.offset % kAlignment == 0);
    CHECK(r.bytes % kAlignment == 0);
    CHECK(r.offset >= end);
    end = r.offset + r.bytes;
  }
  CHECK(end == t.total);
  CHECK(t.state.bytes == state_bytes);
  CHECK(t.state.offset + t.state.bytes == t.total);
}

}  // namespace

TEST_CASE("the train layout's regions are aligned, ordered and disjoint", "[arena]") {
  TrainConfig lbfgs = reference::sparse_patches_config();
  lbfgs.batch_size = 100;
  const struct {
    NetworkSpec spec;
    TrainConfig config;
  } cases[] = {
      {reference::kIdentity838, reference::identity838_config()},
      {reference::kDigitsDeep, reference::digits_deep_config()},
      {reference::kSparsePatches, lbfgs},
      {reference::kSparsePatches, kKlAdam},
      {reference::kMnistDense, reference::mnist_dense_config()},
      {reference::kMnistConv, reference::mnist_conv_config()},
  };
  for (const auto& c : cases) {
    check_regions(TrainLayout::training(c.spec, c.config), detail::kTrainStateBytes);
    for (std::int32_t max_batch : {1, 7, 256}) {
      check_regions(TrainLayout::inference(c.spec, max_batch), detail::kInferenceStateBytes);
    }
  }
  CHECK_FALSE(TrainLayout::training(NetworkSpec(), TrainConfig()).valid);
  CHECK(arena_bytes(NetworkSpec(), 1) == 0);
}
