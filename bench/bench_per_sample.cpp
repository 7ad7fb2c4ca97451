// Whole per-sample SGD training (batch 1), per ISA, single thread: the two reference
// systems that train one sample at a time, where per-call overhead, not FLOP/s, decides.
//
//   identity_838:  8-3-8 sigmoid, half_sse, SGD lr 0.3, 5000 epochs over the 8 one-hot
//                  vectors (40,000 steps); time per whole fit.
//   digits_deep:   64-50-40-36-40-50-64, tanh hidden, sigmoid out, half SSE, SGD lr 0.1
//                  as in examples/digits_deep, 1797 samples per epoch (synthetic values in [0, 1): speed does not depend on them);
//                  time per epoch.
//
//   tinyae_bench_per_sample --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kernels/f32_kernels.hpp"
#include "tinyae/isa.hpp"
#include "tinyae/tinyae.hpp"

namespace {

struct Case {
  tinyae::NetworkSpec spec;
  tinyae::TrainConfig config;
  std::vector<float> data;
  std::int32_t rows;
};

Case identity_838() {
  Case c{tinyae::reference::kIdentity838, tinyae::reference::identity838_config(),
         std::vector<float>(64, 0.0f), 8};
  for (int i = 0; i < 8; ++i) c.data[static_cast<std::size_t>(i * 8 + i)] = 1.0f;
  return c;
}

Case digits_deep() {
  Case c{tinyae::reference::kDigitsDeep, tinyae::reference::digits_deep_config(),
         std::vector<float>(1797 * 64), 1797};
  c.config.epochs = 1;
  unsigned x = 7;
  for (float& v : c.data) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<float>(x >> 8) / 16777216.0f;
  }
  return c;
}

void run(benchmark::State& state, const char* isa, Case (*make)()) {
  if (!tinyae::force_isa(isa).ok()) {
    state.SkipWithError("ISA not available");
    return;
  }
  const Case c = make();
  std::vector<unsigned char> memory(tinyae::arena_bytes(c.spec, c.config) + tinyae::kAlignment);
  for (auto _ : state) {
    // A fresh network each time, so every run trains the same (bit-identical) steps.
    state.PauseTiming();
    tinyae::Arena arena(memory.data(), memory.size());
    tinyae::Network net;
    if (!net.setup(c.spec, c.config, arena).ok()) {
      state.SkipWithError("setup failed");
      return;
    }
    state.ResumeTiming();
    if (!net.fit(c.data.data(), c.rows, static_cast<std::int32_t>(c.spec.input.size())).ok()) {
      state.SkipWithError("fit failed");
      return;
    }
  }
  state.counters["steps/s"] = benchmark::Counter(
      static_cast<double>(c.rows) * c.config.epochs, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  for (const char* const* name = tinyae::kernels::kIsaNames; *name != nullptr; ++name) {
    if (tinyae::kernels::f32_for(*name) == nullptr) continue;
    benchmark::RegisterBenchmark((std::string("fit_identity_838_5000_epochs/") + *name).c_str(),
                                 run, *name, &identity_838)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("fit_digits_deep_1_epoch/") + *name).c_str(), run,
                                 *name, &digits_deep)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
