// The int8 encoder against the float encoder on mnist-dense's encoder (784 -> 32, ReLU),
// batch 256 and batch 1, single thread: every int8 ISA this CPU runs, every float ISA,
// and oneDNN's u8 x s8 -> s32 GEMM alone (no bias, requantization or activation) when
// it was found; and on mnist-conv's encoder (28x28x1 -> conv 16 -> pool -> conv 8 ->
// pool -> conv 8 -> pool = 4x4x8). Names: <what>/<isa>/batch<N>.
//
//   tinyae_bench_int8 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
//   int8_encode      QuantizedNetwork::encode: uint8 in, int8 codes out; GEMM, bias,
//                    requantization and ReLU clamp in one kernel
//   float_encode     Network::encode (checks every input is finite, then the kernel)
//   float_dense      the float kernel alone: f32 dense_forward with bias and ReLU
//   int8_quantize_input  float -> uint8 (the table's quantize) for a float caller;
//                    not in int8_encode
//   int8_float_in    both: float inputs to int8 codes
//   dnnl_u8s8s32     the bare integer GEMM of the same shape
//   conv_int8_encode, conv_float_encode   the same two for mnist-conv's encoder
//                    (GOP/s counts its convolutions' multiply-adds)
//   int8_reconstruct, float_reconstruct   the whole autoencoder (QuantizeScope::
//                    whole_network): uint8 in, uint8 reconstruction out, against
//                    Network::reconstruct; conv_int8_reconstruct, conv_float_reconstruct
//                    the same for mnist-conv
//
// The weights stay in cache, as in firmware or a server encoding a stream.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernels/f32_kernels.hpp"
#include "quant/i8_kernels.hpp"
#include "tinyae/isa.hpp"
#include "tinyae/quantize.hpp"
#include "tinyae/tinyae.hpp"

#if defined(TINYAE_BENCH_DNNL)
#include <dnnl.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

constexpr tinyae::NetworkSpec kSpec = tinyae::reference::kMnistDense;
constexpr tinyae::NetworkSpec kConvSpec = tinyae::reference::kMnistConv;
constexpr std::int32_t kMaxBatch = 256;
constexpr std::int32_t kIn = 784;
constexpr std::int32_t kCode = 32;

std::vector<float> samples(std::int32_t rows) {
  std::vector<float> x(static_cast<std::size_t>(rows) * kIn);
  unsigned s = 7;
  for (float& v : x) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(s >> 8) / 16777216.0f;
  }
  return x;
}

// A reference network with its seeded initial weights (Adam, batch 256), and its int8
// encoder calibrated on synthetic [0, 1) inputs: the kernels' speed does not depend on
// the values.
struct Models {
  tinyae::NetworkSpec spec;
  tinyae::TrainConfig config;
  std::vector<unsigned char> net_memory;
  std::vector<unsigned char> quant_memory;
  tinyae::Network net;
  tinyae::QuantizedModel model;
  double ops_per_sample = 0;  // 2 x the encoder's multiply-adds
  bool ok = false;

  tinyae::QuantizeScope scope;

  Models(const tinyae::NetworkSpec& s, tinyae::QuantizeScope sc)
      : spec(s), config(tinyae::reference::mnist_dense_config()), scope(sc) {
    config.batch_size = kMaxBatch;
    net_memory.resize(tinyae::arena_bytes(spec, config) + tinyae::kAlignment);
    quant_memory.resize(tinyae::quantized_model_bytes(spec, scope) + tinyae::quantize_work_bytes(spec, scope) +
                        tinyae::kAlignment);
    tinyae::Arena arena(net_memory.data(), net_memory.size());
    tinyae::Arena quant(quant_memory.data(), quant_memory.size());
    const std::vector<float> calib = samples(512);
    tinyae::QuantizeOptions options;
    options.fixed_input_range = true;
    options.scope = scope;
    ok = net.setup(spec, config, arena).ok() &&
         tinyae::quantize(net, calib.data(), 512, kIn, options, quant, &model).ok();
    const std::int32_t last = scope == tinyae::QuantizeScope::encoder ? spec.code_layer : spec.num_layers - 1;
    for (std::int32_t l = 0; l <= last; ++l) {
      const std::int64_t positions = spec.layers[l].kind == tinyae::LayerKind::conv2d
                                         ? spec.layers[l].output.height * spec.layers[l].output.width
                                         : 1;
      ops_per_sample += 2.0 * static_cast<double>(positions * spec.weight_count(l));
    }
  }
  std::int32_t code() const { return model.code_size; }
};

Models& models() {
  static Models m(kSpec, tinyae::QuantizeScope::encoder);
  return m;
}

Models& conv_models() {
  static Models m(kConvSpec, tinyae::QuantizeScope::encoder);
  return m;
}

Models& whole_models() {
  static Models m(kSpec, tinyae::QuantizeScope::whole_network);
  return m;
}

Models& conv_whole_models() {
  static Models m(kConvSpec, tinyae::QuantizeScope::whole_network);
  return m;
}

void set_rate(benchmark::State& state, const Models& m, std::int32_t batch) {
  state.counters["samples/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GOP/s"] = benchmark::Counter(batch * m.ops_per_sample * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

// Times the int8 path of an ISA: with from_float, float inputs quantized by its table
// then encoded; without, the encode of uint8 inputs alone.
void int8_path(benchmark::State& state, Models* models_of, const char* isa, std::int32_t batch,
               bool from_float) {
  Models& m = *models_of;
  std::vector<unsigned char> memory(tinyae::quantized_network_bytes(m.spec, kMaxBatch, m.scope) +
                                    tinyae::kAlignment);
  tinyae::Arena arena(memory.data(), memory.size());
  tinyae::QuantizedNetwork encoder;
  const tinyae::kernels::I8Kernels* kt = tinyae::kernels::i8_for(isa);
  if (!m.ok || kt == nullptr || !encoder.setup(m.model, kMaxBatch, arena, isa).ok()) {
    state.SkipWithError("int8 encoder setup failed");
    return;
  }
  const std::vector<float> x = samples(batch);
  std::vector<std::uint8_t> in(x.size());
  const auto n = static_cast<std::int64_t>(x.size());
  const auto zero_point = static_cast<float>(m.model.input_zero_point);
  kt->quantize(x.data(), n, m.model.input_scale, zero_point, in.data());
  std::vector<std::int8_t> code(static_cast<std::size_t>(batch) * m.code());
  for (auto _ : state) {
    if (from_float) kt->quantize(x.data(), n, m.model.input_scale, zero_point, in.data());
    if (batch == 1) {
      (void)encoder.encode_one(in.data(), code.data());
    } else {
      (void)encoder.encode(in.data(), batch, code.data());
    }
    benchmark::DoNotOptimize(code.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, m, batch);
}

// The whole int8 autoencoder: uint8 inputs to their uint8 reconstruction.
void int8_reconstruct(benchmark::State& state, Models* models_of, const char* isa, std::int32_t batch) {
  Models& m = *models_of;
  std::vector<unsigned char> memory(tinyae::quantized_network_bytes(m.spec, kMaxBatch, m.scope) +
                                    tinyae::kAlignment);
  tinyae::Arena arena(memory.data(), memory.size());
  tinyae::QuantizedNetwork q;
  if (!m.ok || !q.setup(m.model, kMaxBatch, arena, isa).ok()) {
    state.SkipWithError("int8 network setup failed");
    return;
  }
  const std::vector<float> x = samples(batch);
  std::vector<std::uint8_t> in(x.size());
  m.model.quantize_input(x.data(), static_cast<std::int64_t>(x.size()), in.data());
  std::vector<std::uint8_t> out(x.size());
  for (auto _ : state) {
    (void)q.reconstruct(in.data(), batch, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, m, batch);
}

void float_reconstruct(benchmark::State& state, Models* models_of, const char* isa, std::int32_t batch) {
  Models& m = *models_of;
  if (!m.ok || !tinyae::force_isa(isa).ok()) {
    state.SkipWithError("float ISA not available");
    return;
  }
  const std::vector<float> x = samples(batch);
  std::vector<float> out(x.size());
  for (auto _ : state) {
    (void)m.net.reconstruct(x.data(), batch, kIn, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, m, batch);
}

void int8_quantize_input(benchmark::State& state, const tinyae::kernels::I8Kernels* kt,
                         std::int32_t batch) {
  Models& m = models();
  const std::vector<float> x = samples(batch);
  std::vector<std::uint8_t> in(x.size());
  const auto zero_point = static_cast<float>(m.model.input_zero_point);
  for (auto _ : state) {
    kt->quantize(x.data(), static_cast<std::int64_t>(x.size()), m.model.input_scale, zero_point, in.data());
    benchmark::DoNotOptimize(in.data());
    benchmark::ClobberMemory();
  }
  state.counters["samples/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}

void float_encode(benchmark::State& state, Models* models_of, const char* isa, std::int32_t batch) {
  Models& m = *models_of;
  if (!m.ok || !tinyae::force_isa(isa).ok()) {
    state.SkipWithError("float ISA not available");
    return;
  }
  const std::vector<float> x = samples(batch);
  std::vector<float> code(static_cast<std::size_t>(batch) * m.code());
  for (auto _ : state) {
    (void)m.net.encode(x.data(), batch, kIn, code.data());
    benchmark::DoNotOptimize(code.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, m, batch);
}

void float_dense(benchmark::State& state, const tinyae::kernels::F32Kernels* kt, std::int32_t batch) {
  Models& m = models();
  const std::vector<float> x = samples(batch);
  std::vector<float> code(static_cast<std::size_t>(batch) * kCode);
  for (auto _ : state) {
    kt->dense_forward(batch, kCode, kIn, x.data(), kIn, m.net.weights(0), kIn, m.net.biases(0),
                      tinyae::Activation::relu, code.data(), kCode);
    benchmark::DoNotOptimize(code.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, m, batch);
}

#if defined(TINYAE_BENCH_DNNL)
void dnnl_u8s8s32(benchmark::State& state, std::int32_t batch) {
  Models& m = models();
  const std::vector<float> x = samples(batch);
  std::vector<std::uint8_t> in(x.size());
  m.model.quantize_input(x.data(), static_cast<std::int64_t>(x.size()), in.data());
  std::vector<std::int32_t> c(static_cast<std::size_t>(batch) * kCode);
  const std::int32_t zero = 0;
  for (auto _ : state) {
    dnnl_gemm_u8s8s32('N', 'T', 'F', batch, kCode, kIn, 1.0f, in.data(), kIn, 0,
                      m.model.layers[0].weights, kIn, 0, 0.0f, c.data(), kCode, &zero);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_rate(state, m, batch);
}
#endif

}  // namespace

int main(int argc, char** argv) {
#if defined(_OPENMP)
  omp_set_num_threads(1);  // oneDNN's pool: the targets are single-thread
#endif
  Models& m = models();
  Models& conv = conv_models();
  Models& whole = whole_models();
  Models& conv_whole = conv_whole_models();
  if (!m.ok || !conv.ok || !whole.ok || !conv_whole.ok) {
    std::fprintf(stderr, "tinyae_bench_int8: could not set up the models\n");
    return 1;
  }
  std::int64_t float_bytes = 4 * (kSpec.weight_count(0) + kSpec.bias_count(0));
  benchmark::AddCustomContext("encoder 784->32 float32 parameter bytes", std::to_string(float_bytes));
  benchmark::AddCustomContext("encoder 784->32 int8 parameter bytes",
                              std::to_string(m.model.parameter_bytes()) + " (weights " +
                                  std::to_string(kSpec.weight_count(0)) + ")");
  for (std::int32_t batch : {256, 1}) {
    const std::string b = "/batch" + std::to_string(batch);
    for (const char* const* name = tinyae::kernels::kI8IsaNames; *name != nullptr; ++name) {
      const tinyae::kernels::I8Kernels* kt = tinyae::kernels::i8_for(*name);
      if (kt == nullptr) continue;
      const std::string isa = "/" + std::string(*name) + b;
      benchmark::RegisterBenchmark(("int8_encode" + isa).c_str(), int8_path, &m, *name, batch, false);
      benchmark::RegisterBenchmark(("int8_quantize_input" + isa).c_str(), int8_quantize_input, kt, batch);
      benchmark::RegisterBenchmark(("int8_float_in" + isa).c_str(), int8_path, &m, *name, batch, true);
      benchmark::RegisterBenchmark(("conv_int8_encode" + isa).c_str(), int8_path, &conv, *name, batch, false);
      benchmark::RegisterBenchmark(("int8_reconstruct" + isa).c_str(), int8_reconstruct, &whole, *name, batch);
      benchmark::RegisterBenchmark(("conv_int8_reconstruct" + isa).c_str(), int8_reconstruct, &conv_whole, *name,
                                   batch);
    }
    for (const char* const* name = tinyae::kernels::kIsaNames; *name != nullptr; ++name) {
      const tinyae::kernels::F32Kernels* kt = tinyae::kernels::f32_for(*name);
      if (kt == nullptr) continue;
      benchmark::RegisterBenchmark(("float_encode/" + std::string(*name) + b).c_str(), float_encode, &m, *name, batch);
      benchmark::RegisterBenchmark(("conv_float_encode/" + std::string(*name) + b).c_str(), float_encode, &conv,
                                   *name, batch);
      benchmark::RegisterBenchmark(("float_dense/" + std::string(*name) + b).c_str(), float_dense, kt, batch);
      benchmark::RegisterBenchmark(("float_reconstruct/" + std::string(*name) + b).c_str(), float_reconstruct,
                                   &whole, *name, batch);
      benchmark::RegisterBenchmark(("conv_float_reconstruct/" + std::string(*name) + b).c_str(), float_reconstruct,
                                   &conv_whole, *name, batch);
    }
#if defined(TINYAE_BENCH_DNNL)
    benchmark::RegisterBenchmark(("dnnl_u8s8s32" + b).c_str(), dnnl_u8s8s32, batch);
#endif
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
