// The convolutions of mnist-conv (DESIGN.md), one at a time, batch 128, single
// thread, per ISA: forward (by the method conv2d_method picks, with bias and activation) and backward
// (weight, bias and input gradients), in GFLOP/s of useful work (2 * pixels * filters
// * patch per sample, twice that backward when the input gradient is formed).
//
//   tinyae_bench_conv --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/conv_layers.hpp"
#include "kernels/f32_kernels.hpp"

namespace {

namespace conv = tinyae::conv;
using tinyae::Activation;
using tinyae::Shape;

constexpr std::int32_t kBatch = 128;

struct ConvLayer {
  const char* name;
  Shape input;
  std::int32_t filters;
  bool input_gradient;  // the first layer's is never needed
};

const ConvLayer kLayers[] = {
    {"enc1_28x28x1->16", {1, 28, 28}, 16, false}, {"enc2_14x14x16->8", {16, 14, 14}, 8, true},
    {"enc3_7x7x8->8", {8, 7, 7}, 8, true},        {"dec1_7x7x8->8", {8, 7, 7}, 8, true},
    {"dec2_14x14x8->8", {8, 14, 14}, 8, true},    {"dec3_28x28x8->16", {8, 28, 28}, 16, true},
    {"out_28x28x16->1", {16, 28, 28}, 1, true},
};

std::vector<float> values(std::int64_t n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  unsigned x = 7;
  for (float& f : v) {
    x = x * 1664525u + 1013904223u;
    f = static_cast<float>(x >> 8) / 16777216.0f - 0.5f;
  }
  return v;
}

void run(benchmark::State& state, const tinyae::kernels::F32Kernels* k, ConvLayer layer,
         bool backward) {
  const conv::Conv2dGeometry g = conv::conv2d_geometry(layer.input, layer.filters, 3, 1, tinyae::Padding::same);
  const std::vector<float> x = values(kBatch * g.input.size());
  const std::vector<float> w = values(std::int64_t{g.output.channels} * g.patch());
  const std::vector<float> b = values(g.output.channels);
  std::vector<float> y = values(kBatch * g.output.size());
  std::vector<float> dw(w.size());
  std::vector<float> db(b.size());
  std::vector<float> dx(x.size());
  std::vector<float> scratch(static_cast<std::size_t>(conv::conv2d_scratch_floats(g, kBatch)) + 1);
  for (auto _ : state) {
    if (backward) {
      conv::conv2d_backward(*k, g, kBatch, x.data(), w.data(), y.data(), dw.data(), db.data(),
                            layer.input_gradient ? dx.data() : nullptr, scratch.data());
      benchmark::DoNotOptimize(dw.data());
    } else {
      conv::conv2d_forward(*k, g, kBatch, x.data(), w.data(), b.data(), Activation::relu,
                           y.data(), scratch.data());
      benchmark::DoNotOptimize(y.data());
    }
  }
  double flops = 2.0 * kBatch * static_cast<double>(g.pixels()) * g.output.channels * g.patch();
  if (backward && layer.input_gradient) flops *= 2;
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["samples/s"] = benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  for (const char* const* name = tinyae::kernels::kIsaNames; *name != nullptr; ++name) {
    const tinyae::kernels::F32Kernels* k = tinyae::kernels::f32_for(*name);
    if (k == nullptr) continue;
    for (const ConvLayer& layer : kLayers) {
      for (bool backward : {false, true}) {
        const std::string label = std::string(backward ? "conv_bwd/" : "conv_fwd/") + *name + "/" + layer.name;
        benchmark::RegisterBenchmark(label.c_str(), run, k, layer, backward);
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
