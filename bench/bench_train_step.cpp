// Whole training steps, on synthetic data (uniform in [0, 1)): the kernels' speed does
// not depend on the values.
// - train_step_mnist_dense/<isa>/threads:N: samples per second of mnist-dense
//   (784-32-784, ReLU code, sigmoid output, BCE, Adam, batch 256), per ISA at 1 thread,
//   and at 1 and 2 threads with the best ISA; train_step_mnist_dense_noise/<best>/threads:N
//   the same denoising (noise 0.5, the denoising preset's).
// - train_step_mnist_conv/<isa>/threads:N: the same for mnist-conv (the convolutional
//   autoencoder, BCE, Adam, batch 128), per ISA at 1 and 2 threads.
// - cost_gradient_sparse_patches/threads:N: one full-batch evaluation of the sparse
//   autoencoder's cost and gradient (256-64-256, 10,240 patches, KL sparsity, weight
//   decay) through compute_gradient; gradient_descent_sparse_patches: the same inside
//   fit's full-batch gradient descent (s/iteration), as L-BFGS also evaluates it.
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

std::vector<float> synthetic(std::size_t n) {
  std::vector<float> data(n);
  unsigned x = 7;
  for (float& v : data) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<float>(x >> 8) / 16777216.0f;
  }
  return data;
}

// A network set up in memory owned here; null (and the benchmark skipped) on error.
struct Trainer {
  std::vector<unsigned char> memory;
  tinyae::Arena arena;
  tinyae::Network net;

  bool setup(benchmark::State& state, const tinyae::NetworkSpec& spec,
             const tinyae::TrainConfig& config) {
    memory.resize(tinyae::arena_bytes(spec, config) + tinyae::kAlignment);
    arena = tinyae::Arena(memory.data(), memory.size());
    if (net.setup(spec, config, arena).ok()) return true;
    state.SkipWithError("setup failed");
    return false;
  }
};

void run_step(benchmark::State& state, const char* isa, int threads, bool conv, float noise) {
  if (!tinyae::force_isa(isa).ok()) {
    state.SkipWithError("ISA not available");
    return;
  }
  const tinyae::NetworkSpec spec = conv ? tinyae::reference::kMnistConv : tinyae::reference::kMnistDense;
  tinyae::TrainConfig config =
      conv ? tinyae::reference::mnist_conv_config() : tinyae::reference::mnist_dense_config();
  config.epochs = 1;
  config.threads = threads;
  config.noise_stddev = noise;
  Trainer t;
  if (!t.setup(state, spec, config)) return;
  const std::vector<float> data = synthetic(static_cast<std::size_t>(kRows) * 784);
  for (auto _ : state) {
    if (!t.net.fit(data.data(), kRows, 784).ok()) {
      state.SkipWithError("fit failed");
      return;
    }
  }
  state.counters["samples/s"] =
      benchmark::Counter(kRows, benchmark::Counter::kIsIterationInvariantRate);
}

// descent = false: one compute_gradient call (which first scans the data for NaN/Inf);
// true: fit() with 10 full-batch gradient-descent iterations, each one evaluation of
// the cost and gradient plus the step, reported per iteration.
void run_sparse_cost_gradient(benchmark::State& state, const char* isa, int threads, bool descent) {
  if (!tinyae::force_isa(isa).ok()) {
    state.SkipWithError("ISA not available");
    return;
  }
  constexpr tinyae::NetworkSpec spec = tinyae::reference::kSparsePatches;
  tinyae::TrainConfig config = tinyae::reference::sparse_patches_config();
  config.threads = threads;
  constexpr int kIterations = 10;
  if (descent) {
    config.optimizer = tinyae::Optimizer::sgd;
    config.epochs = kIterations;
  }
  constexpr std::int32_t rows = tinyae::reference::kSparsePatchCount;
  Trainer t;
  if (!t.setup(state, spec, config)) return;
  std::vector<float> data = synthetic(static_cast<std::size_t>(rows) * 256);
  for (float& v : data) v = 0.1f + 0.8f * v;
  double objective = 0;
  for (auto _ : state) {
    const bool ok = descent ? t.net.fit(data.data(), rows, 256).ok()
                            : t.net.compute_gradient(data.data(), rows, 256, &objective).ok();
    if (!ok) {
      state.SkipWithError("training failed");
      return;
    }
  }
  benchmark::DoNotOptimize(objective);
  if (descent) {
    state.counters["s/iteration"] = benchmark::Counter(
        kIterations, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* best = nullptr;
  for (const char* const* name = tinyae::kernels::kIsaNames; *name != nullptr; ++name) {
    if (tinyae::kernels::f32_for(*name) == nullptr) continue;
    if (best == nullptr) best = *name;
    benchmark::RegisterBenchmark((std::string("train_step_mnist_dense/") + *name + "/threads:1").c_str(),
                                 run_step, *name, 1, false, 0.0f)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark((std::string("train_step_mnist_dense/") + best + "/threads:2").c_str(),
                               run_step, best, 2, false, 0.0f)
      ->UseRealTime();
  for (int threads : {1, 2}) {
    benchmark::RegisterBenchmark((std::string("train_step_mnist_dense_noise/") + best + "/threads:" +
                                  std::to_string(threads)).c_str(),
                                 run_step, best, threads, false, 0.5f)
        ->UseRealTime();
  }
  for (const char* const* name = tinyae::kernels::kIsaNames; *name != nullptr; ++name) {
    if (tinyae::kernels::f32_for(*name) == nullptr) continue;
    for (int threads : {1, 2}) {
      benchmark::RegisterBenchmark((std::string("train_step_mnist_conv/") + *name + "/threads:" +
                                    std::to_string(threads)).c_str(),
                                   run_step, *name, threads, true, 0.0f)
          ->UseRealTime();
    }
  }
  for (bool descent : {false, true}) {
    for (int threads : {1, 2}) {
      const std::string name = descent ? "gradient_descent_sparse_patches" : "cost_gradient_sparse_patches";
      benchmark::RegisterBenchmark((name + "/threads:" + std::to_string(threads)).c_str(),
                                   run_sparse_cost_gradient, best, threads, descent)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
