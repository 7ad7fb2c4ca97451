// GFLOP/s of the float kernels at tinyae's real layer shapes, per ISA, with oneDNN's
// dnnl_sgemm and OpenBLAS's cblas_sgemm on the same shapes when they are built in, so
// ratios come from one run. Single thread. Names: <kernel>/<impl>/<shape>.
//
//   tinyae_bench_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Weights and activations at these shapes stay in cache during training, so the
// buffers are reused across iterations (warm), as in a training step.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
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

enum class Op { nt, nn, tn, dense, loss, delta };

struct Shape {
  const char* what;  // the layer computation this shape is
  Op op;
  int m, n, k;
};

// The project's layer shapes (mnist-dense 784-32-784 and sparse-patches 256-64-256).
const Shape kShapes[] = {
    {"fwd_256x784->32", Op::dense, 256, 32, 784},
    {"fwd_256x784->32", Op::nt, 256, 32, 784},  // the product alone, without the epilogue
    {"fwd_256x32->784", Op::dense, 256, 784, 32},
    {"fwd_256x32->784_bce", Op::loss, 256, 784, 32},  // the output layer in training
    {"fwd_256x32->784", Op::nt, 256, 784, 32},
    {"dW_32x784_over_256", Op::tn, 32, 784, 256},
    {"dW_784x32_over_256", Op::tn, 784, 32, 256},
    {"dX_256x32->784", Op::delta, 256, 784, 32},
    {"dX_256x32->784", Op::nn, 256, 784, 32},
    {"fwd_256x256->64", Op::dense, 256, 64, 256},
    {"fwd_256x64->256", Op::dense, 256, 256, 64},
    {"fwd_256x64->256", Op::nt, 256, 256, 64},
    {"fwd_10240x256->64", Op::dense, 10240, 64, 256},
    {"fwd_10240x64->256", Op::dense, 10240, 256, 64},
    {"fwd_10240x64->256", Op::nt, 10240, 256, 64},
    {"dW_64x256_over_10240", Op::tn, 64, 256, 10240},
    {"dW_256x64_over_10240", Op::tn, 256, 64, 10240},
    {"dX_10240x256->64", Op::delta, 10240, 64, 256},
    {"gemv_784->32", Op::dense, 1, 32, 784},
    {"gemv_32->784", Op::dense, 1, 784, 32},
    {"gemv_256->64", Op::dense, 1, 64, 256},
    {"nt_512", Op::nt, 512, 512, 512},
    {"nn_512", Op::nn, 512, 512, 512},
    {"nt_1024", Op::nt, 1024, 1024, 1024},
    {"nn_1024", Op::nn, 1024, 1024, 1024},
};

const char* op_name(Op op) {
  switch (op) {
    case Op::nt: return "gemm_nt";
    case Op::nn: return "gemm_nn";
    case Op::tn: return "gemm_tn";
    case Op::dense: return "dense_forward";
    case Op::loss: return "dense_forward_loss";
    case Op::delta: return "delta_backward";
  }
  return "?";
}

// 64-byte aligned, as the arena aligns every tensor (a malloc'd vector is 16-aligned,
// and at the GEMV shapes a row split across cache lines costs up to 20%).
template <class T>
struct ArenaAligned {
  using value_type = T;
  ArenaAligned() = default;
  template <class U>
  explicit ArenaAligned(const ArenaAligned<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{tinyae::kAlignment}));
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{tinyae::kAlignment}); }
  bool operator==(const ArenaAligned&) const { return true; }
  bool operator!=(const ArenaAligned&) const { return false; }
};
using Floats = std::vector<float, ArenaAligned<float>>;

struct Buffers {
  Floats a, b, c, bias, act;
  explicit Buffers(const Shape& s) {
    const std::size_t m = static_cast<std::size_t>(s.m), n = static_cast<std::size_t>(s.n),
                      k = static_cast<std::size_t>(s.k);
    a.resize(m * k);
    b.resize(n * k);
    c.resize(m * n);
    bias.resize(n);
    act.resize(m * n);
    unsigned x = 12345;
    auto rnd = [&x] {
      x = x * 1664525u + 1013904223u;
      return static_cast<float>(x >> 8) / 16777216.0f - 0.5f;
    };
    for (float& v : a) v = rnd();
    for (float& v : b) v = rnd();
    for (float& v : bias) v = 0.5f + 0.4f * rnd();  // in (0, 1): also the delta's rhohat
    for (float& v : act) v = 0.5f + 0.4f * rnd();
  }
  tk::Sparsity kl() const { return {bias.data(), 0.1f, 0.2f}; }
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
      case Op::nt:
        kt->gemm_nt(s.m, s.n, s.k, buf.a.data(), s.k, buf.b.data(), s.k, buf.c.data(), s.n, false);
        break;
      case Op::nn:
        kt->gemm_nn(s.m, s.n, s.k, buf.a.data(), s.k, buf.b.data(), s.n, buf.c.data(), s.n, false);
        break;
      case Op::tn:
        kt->gemm_tn(s.m, s.n, s.k, buf.a.data(), s.m, buf.b.data(), s.n, buf.c.data(), s.n, false);
        break;
      case Op::dense:
        kt->dense_forward(s.m, s.n, s.k, buf.a.data(), s.k, buf.b.data(), s.k, buf.bias.data(),
                          Activation::sigmoid, buf.c.data(), s.n);
        break;
      case Op::loss: {
        tk::OutputLoss loss{buf.act.data(), s.n, 1.0f / static_cast<float>(s.m * s.n), true};
        kt->dense_forward_loss(s.m, s.n, s.k, buf.a.data(), s.k, buf.b.data(), s.k, buf.bias.data(),
                               Activation::sigmoid, &loss, buf.c.data(), s.n);
        benchmark::DoNotOptimize(loss.bce_sum);
        break;
      }
      case Op::delta:
        kt->delta_backward(s.m, s.n, s.k, buf.a.data(), s.k, buf.b.data(), s.n, buf.act.data(),
                           s.n, Activation::sigmoid, &kl, buf.c.data(), s.n);
        break;
    }
    benchmark::DoNotOptimize(buf.c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}

// The same product as a plain sgemm (no epilogue): transposes as the op has them.
struct Gemm {
  bool ta, tb;
  int lda, ldb;
};
Gemm as_gemm(const Shape& s) {
  switch (s.op) {
    case Op::nt:
    case Op::dense:
    case Op::loss: return {false, true, s.k, s.k};
    case Op::nn:
    case Op::delta: return {false, false, s.k, s.n};
    case Op::tn: return {true, false, s.m, s.n};
  }
  return {false, false, s.k, s.n};
}

#if defined(TINYAE_BENCH_DNNL)
// dnnl_sgemm, and with `pass` the same layer unfused: the epilogue as a pass of its own
// over C (ours, on the best ISA), as a framework without fused epilogues runs it. The
// dense pass applies only the sigmoid (no bias), which flatters that column a little.
void run_dnnl(benchmark::State& state, const tk::F32Kernels* pass, Shape s) {
  Buffers buf(s);
  const tk::Sparsity kl = buf.kl();
  const Gemm g = as_gemm(s);
  for (auto _ : state) {
    dnnl_sgemm(g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', s.m, s.n, s.k, 1.0f, buf.a.data(), g.lda,
               buf.b.data(), g.ldb, 0.0f, buf.c.data(), s.n);
    if (pass != nullptr) {
      if (s.op == Op::dense) {
        pass->activate(std::int64_t{s.m} * s.n, buf.c.data(), buf.c.data(), Activation::sigmoid);
      } else {
        pass->hidden_delta(s.m, s.n, buf.act.data(), s.n, buf.c.data(), s.n, Activation::sigmoid,
                           &kl);
      }
    }
    benchmark::DoNotOptimize(buf.c.data());
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
      cblas_sgemv(CblasRowMajor, CblasNoTrans, s.n, s.k, 1.0f, buf.b.data(), g.ldb, buf.a.data(),
                  1, 0.0f, buf.c.data(), 1);
    } else {
      cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans,
                  g.tb ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f, buf.a.data(), g.lda,
                  buf.b.data(), g.ldb, 0.0f, buf.c.data(), s.n);
    }
    benchmark::DoNotOptimize(buf.c.data());
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
    if (s.op == Op::dense || s.op == Op::delta) {
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
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
