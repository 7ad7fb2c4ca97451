// GFLOP/s of the float kernels at tinyae's real layer shapes, per ISA, with oneDNN's
// dnnl_sgemm and OpenBLAS's cblas_sgemm on the same shapes when they are built in, so
// ratios come from one run. Single thread. Names: <kernel>/<impl>/<shape>.
//
//   tinyae_bench_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Weights and activations at these shapes stay in cache during training, so the
// buffers are reused across iterations (warm), as in a training step.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/f32_kernels.hpp"
#include "tinyae/arena.hpp"
#include "tinyae/isa.hpp"

#if defined(TINYAE_BENCH_DNNL)
#include <dnnl.h>
#endif
#if defined(TINYAE_BENCH_OPENBLAS)
#include <cblas.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace tk = tinyae::kernels;
using tinyae::Activation;

namespace {

// The kernels by the names of lib/kernels/f32_kernels.inc (which also name the results).
enum class Op {
#define TINYAE_F32_KERNEL(name, Fn) name,
#include "kernels/f32_kernels.inc"
#undef TINYAE_F32_KERNEL
};

struct Shape {
  const char* what;  // the layer computation this shape is
  Op op;
  int m, n, k;
};

// The project's layer shapes (mnist-dense 784-32-784 and sparse-patches 256-64-256).
const Shape kShapes[] = {
    {"fwd_256x784->32", Op::dense_forward, 256, 32, 784},
    {"fwd_256x784->32", Op::gemm_nt, 256, 32, 784},  // the product alone, without the epilogue
    {"fwd_256x32->784", Op::dense_forward, 256, 784, 32},
    {"fwd_256x32->784_bce", Op::dense_forward_loss, 256, 784, 32},  // the output layer in training
    {"fwd_256x32->784", Op::gemm_nt, 256, 784, 32},
    {"dW_32x784_over_256", Op::gemm_tn, 32, 784, 256},
    {"dW_784x32_over_256", Op::gemm_tn, 784, 32, 256},
    {"dX_256x32->784", Op::delta_backward, 256, 784, 32},
    {"dX_256x32->784", Op::gemm_nn, 256, 784, 32},
    {"fwd_256x256->64", Op::dense_forward, 256, 64, 256},
    {"fwd_256x64->256", Op::dense_forward, 256, 256, 64},
    {"fwd_256x64->256", Op::gemm_nt, 256, 256, 64},
    {"fwd_10240x256->64", Op::dense_forward, 10240, 64, 256},
    {"fwd_10240x64->256", Op::dense_forward, 10240, 256, 64},
    {"fwd_10240x64->256", Op::gemm_nt, 10240, 256, 64},
    {"dW_64x256_over_10240", Op::gemm_tn, 64, 256, 10240},
    {"dW_256x64_over_10240", Op::gemm_tn, 256, 64, 10240},
    {"dX_10240x256->64", Op::delta_backward, 10240, 64, 256},
    {"gemv_784->32", Op::dense_forward, 1, 32, 784},
    {"gemv_32->784", Op::dense_forward, 1, 784, 32},
    {"gemv_256->64", Op::dense_forward, 1, 64, 256},
    {"nt_512", Op::gemm_nt, 512, 512, 512},
    {"nn_512", Op::gemm_nn, 512, 512, 512},
    {"nt_1024", Op::gemm_nt, 1024, 1024, 1024},
    {"nn_1024", Op::gemm_nn, 1024, 1024, 1024},
};

const char* op_name(Op op) {
  static const char* const kNames[] = {
#define TINYAE_F32_KERNEL(name, Fn) #name,
#include "kernels/f32_kernels.inc"
#undef TINYAE_F32_KERNEL
  };
  return kNames[static_cast<int>(op)];
}

// The operands live in an Arena, as a network's tensors do: 64-byte aligned (a malloc'd
// vector is 16-aligned, and at the GEMV shapes a row split across cache lines costs up
// to 20%).
struct Buffers {
  std::vector<unsigned char> memory;
  float *a = nullptr, *b = nullptr, *c = nullptr, *bias = nullptr, *act = nullptr;
  explicit Buffers(const Shape& s) {
    const std::int64_t m = s.m, n = s.n, k = s.k;
    auto bytes = [](std::int64_t count) {
      return tinyae::align_up(static_cast<std::size_t>(count) * sizeof(float));
    };
    memory.resize(bytes(m * k) + bytes(n * k) + 2 * bytes(m * n) + bytes(n) + tinyae::kAlignment);
    tinyae::Arena arena(memory.data(), memory.size());
    const bool ok = arena.allocate_array(m * k, &a).ok() && arena.allocate_array(n * k, &b).ok() &&
                    arena.allocate_array(m * n, &c).ok() && arena.allocate_array(n, &bias).ok() &&
                    arena.allocate_array(m * n, &act).ok();
    if (!ok) {
      std::fprintf(stderr, "bench: arena sized wrong for %s\n", s.what);
      std::abort();
    }
    unsigned x = 12345;
    auto rnd = [&x] {
      x = x * 1664525u + 1013904223u;
      return static_cast<float>(x >> 8) / 16777216.0f - 0.5f;
    };
    std::fill(c, c + m * n, 0.0f);
    for (std::int64_t i = 0; i < m * k; ++i) a[i] = rnd();
    for (std::int64_t i = 0; i < n * k; ++i) b[i] = rnd();
    for (std::int64_t i = 0; i < n; ++i) bias[i] = 0.5f + 0.4f * rnd();  // in (0, 1): also the delta's rhohat
    for (std::int64_t i = 0; i < m * n; ++i) act[i] = 0.5f + 0.4f * rnd();
  }
  Buffers(const Buffers&) = delete;  // a, b, ... point into memory
  Buffers& operator=(const Buffers&) = delete;
  tk::Sparsity kl() const { return {bias, 0.1f, 0.2f}; }
};

void set_flops(benchmark::State& state, const Shape& s) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * s.m * s.n * s.k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Our kernels. Layer ops use the activation the real layer has.
void run_ours(benchmark::State& state, const tk::F32Kernels* kt, Shape s) {
  Buffers buf(s);
  const tk::Sparsity kl = buf.kl();
  for (auto _ : state) {
    switch (s.op) {
      case Op::gemm_nt:
        kt->gemm_nt(s.m, s.n, s.k, buf.a, s.k, buf.b, s.k, buf.c, s.n, false);
        break;
      case Op::gemm_nn:
        kt->gemm_nn(s.m, s.n, s.k, buf.a, s.k, buf.b, s.n, buf.c, s.n, false);
        break;
      case Op::gemm_tn:
        kt->gemm_tn(s.m, s.n, s.k, buf.a, s.m, buf.b, s.n, buf.c, s.n, false);
        break;
      case Op::dense_forward:
        kt->dense_forward(s.m, s.n, s.k, buf.a, s.k, buf.b, s.k, buf.bias,
                          Activation::sigmoid, buf.c, s.n);
        break;
      case Op::dense_forward_loss: {
        tk::OutputLoss loss{buf.act, s.n, 1.0f / static_cast<float>(s.m * s.n), true};
        kt->dense_forward_loss(s.m, s.n, s.k, buf.a, s.k, buf.b, s.k, buf.bias,
                               Activation::sigmoid, &loss, buf.c, s.n);
        benchmark::DoNotOptimize(loss.bce_sum);
        break;
      }
      case Op::delta_backward:
        kt->delta_backward(s.m, s.n, s.k, buf.a, s.k, buf.b, s.n, buf.act,
                           s.n, Activation::sigmoid, &kl, buf.c, s.n);
        break;
      default: break;  // not benchmarked
    }
    benchmark::DoNotOptimize(buf.c);
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}

// add_noise over one mnist-dense batch (256 x 784 values), as denoising training adds it.
void run_noise(benchmark::State& state, const tk::F32Kernels* kt) {
  const std::int64_t n = 256 * 784;
  std::vector<float> clean(static_cast<std::size_t>(n), 0.5f), noisy(clean.size());
  std::uint32_t batch = 0;
  for (auto _ : state) {
    kt->add_noise(n, clean.data(), 0.5f, true, tk::NoiseKey{++batch, 12345u}, 0, noisy.data());
    benchmark::DoNotOptimize(noisy.data());
    benchmark::ClobberMemory();
  }
  state.counters["values/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

#if defined(TINYAE_BENCH_DNNL) || defined(TINYAE_BENCH_OPENBLAS)
// The same product as a plain sgemm (no epilogue): transposes as the op has them.
struct Gemm {
  bool ta, tb;
  int lda, ldb;
};
Gemm as_gemm(const Shape& s) {
  switch (s.op) {
    case Op::gemm_nt:
    case Op::dense_forward:
    case Op::dense_forward_loss: return {false, true, s.k, s.k};
    case Op::gemm_nn:
    case Op::delta_backward: return {false, false, s.k, s.n};
    case Op::gemm_tn: return {true, false, s.m, s.n};
    default: break;
  }
  return {false, false, s.k, s.n};
}
#endif

#if defined(TINYAE_BENCH_DNNL)
// dnnl_sgemm, and with `pass` the same layer unfused: the epilogue as a pass of its own
// over C (ours, on the best ISA), as a framework without fused epilogues runs it. The
// dense pass applies only the sigmoid (no bias), which flatters that column a little.
void run_dnnl(benchmark::State& state, const tk::F32Kernels* pass, Shape s) {
  Buffers buf(s);
  const tk::Sparsity kl = buf.kl();
  const Gemm g = as_gemm(s);
  for (auto _ : state) {
    dnnl_sgemm(g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', s.m, s.n, s.k, 1.0f, buf.a, g.lda,
               buf.b, g.ldb, 0.0f, buf.c, s.n);
    if (pass != nullptr) {
      if (s.op == Op::dense_forward) {
        pass->activate(std::int64_t{s.m} * s.n, buf.c, buf.c, Activation::sigmoid);
      } else {
        pass->hidden_delta(s.m, s.n, buf.act, s.n, buf.c, s.n, Activation::sigmoid,
                           &kl);
      }
    }
    benchmark::DoNotOptimize(buf.c);
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}
#endif

#if defined(TINYAE_BENCH_OPENBLAS)
void run_openblas(benchmark::State& state, Shape s) {
  Buffers buf(s);
  const Gemm g = as_gemm(s);
  // One-row products go to cblas_sgemv, OpenBLAS's own batch-1 path (its sgemm with
  // m = 1 is several times slower).
  const bool gemv = s.m == 1 && g.tb && !g.ta;
  for (auto _ : state) {
    if (gemv) {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, s.n, s.k, 1.0f, buf.b, g.ldb, buf.a,
                  1, 0.0f, buf.c, 1);
    } else {
      cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans,
                  g.tb ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f, buf.a, g.lda,
                  buf.b, g.ldb, 0.0f, buf.c, s.n);
    }
    benchmark::DoNotOptimize(buf.c);
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}
#endif

}  // namespace

int main(int argc, char** argv) {
#if defined(_OPENMP)
  omp_set_num_threads(1);
#endif
#if defined(TINYAE_BENCH_OPENBLAS)
  openblas_set_num_threads(1);
#endif
  // TINYAE_FORCE_ISA limits our columns to one ISA; otherwise every ISA the CPU has.
  std::vector<const tk::F32Kernels*> tables;
  if (std::getenv("TINYAE_FORCE_ISA") != nullptr) {
    const tinyae::Status s = tinyae::force_isa_from_env();
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.message());
      return 1;
    }
    tables.push_back(&tk::f32());
  } else {
    for (const char* const* name = tk::kIsaNames; *name != nullptr; ++name) {
      const tk::F32Kernels* kt = tk::f32_for(*name);
      if (kt != nullptr && std::string(*name) != "scalar") tables.push_back(kt);
    }
  }
  std::printf("tinyae kernels: best ISA %s; benchmarking:", tinyae::best_isa());
  for (const tk::F32Kernels* kt : tables) std::printf(" %s", kt->isa);
#if defined(TINYAE_BENCH_DNNL)
  std::printf(" dnnl_sgemm");
#endif
#if defined(TINYAE_BENCH_OPENBLAS)
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  std::printf(" openblas(%s, OPENBLAS_CORETYPE=%s)", openblas_get_corename(),
              core != nullptr ? core : "unset");
#endif
  std::printf("\n");
  for (const Shape& s : kShapes) {
    for (const tk::F32Kernels* kt : tables) {
      benchmark::RegisterBenchmark((std::string(op_name(s.op)) + "/" + kt->isa + "/" + s.what).c_str(),
                                   run_ours, kt, s);
    }
#if defined(TINYAE_BENCH_DNNL)
    benchmark::RegisterBenchmark((std::string(op_name(s.op)) + "/dnnl/" + s.what).c_str(), run_dnnl,
                                 nullptr, s);
    if (s.op == Op::dense_forward || s.op == Op::delta_backward) {
      const tk::F32Kernels* best = tables.front();
      benchmark::RegisterBenchmark(
          (std::string(op_name(s.op)) + "/dnnl+" + best->isa + "_pass/" + s.what).c_str(),
          run_dnnl, best, s);
    }
#endif
#if defined(TINYAE_BENCH_OPENBLAS)
    benchmark::RegisterBenchmark((std::string(op_name(s.op)) + "/openblas/" + s.what).c_str(),
                                 run_openblas, s);
#endif
  }
  for (const tk::F32Kernels* kt : tables) {
    benchmark::RegisterBenchmark((std::string("add_noise/") + kt->isa + "/256x784").c_str(), run_noise, kt);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
