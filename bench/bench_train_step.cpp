// Samples per second of a whole training step of mnist-dense (784-32-784, ReLU code,
// sigmoid output, BCE, Adam, batch 256), single thread, per ISA. Data is synthetic
// (uniform in [0, 1)): the kernels' speed does not depend on the values.
//
//   tinyae_bench_train --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernels/f32_kernels.hpp"
#include "tinyae/isa.hpp"
#include "tinyae/tinyae.hpp"

namespace {

constexpr std::int32_t kRows = 2560;  // ten steps of batch 256 per epoch

void run_step(benchmark::State& state, const char* isa) {
  if (!tinyae::force_isa(isa).ok()) {
    state.SkipWithError("ISA not available");
    return;
  }
  constexpr tinyae::NetworkSpec spec = tinyae::reference::kMnistDense;
  tinyae::TrainConfig config = tinyae::reference::mnist_dense_config();
  config.epochs = 1;
  std::vector<unsigned char> memory(tinyae::arena_bytes(spec, config) + tinyae::kAlignment);
  tinyae::Arena arena(memory.data(), memory.size());
  tinyae::Network net;
  if (!net.setup(spec, config, arena).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  std::vector<float> data(static_cast<std::size_t>(kRows) * 784);
  unsigned x = 7;
  for (float& v : data) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<float>(x >> 8) / 16777216.0f;
  }
  for (auto _ : state) {
    if (!net.fit(data.data(), kRows, 784).ok()) {
      state.SkipWithError("fit failed");
      return;
    }
  }
  state.counters["samples/s"] =
      benchmark::Counter(kRows, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  for (const char* const* name = tinyae::kernels::kIsaNames; *name != nullptr; ++name) {
    if (tinyae::kernels::f32_for(*name) == nullptr) continue;
    benchmark::RegisterBenchmark((std::string("train_step_mnist_dense/") + *name).c_str(),
                                 run_step, *name);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
