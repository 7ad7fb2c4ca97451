// After setup, training and inference allocate nothing: every global allocation
// function is replaced here to count calls.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "tinyae/io.hpp"
#include "tinyae/tinyae.hpp"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
// GCC at -O1 and above pairs the inlined new-expression with these frees and warns of a
// mismatch; both halves are ours and use malloc/free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

#if !defined(__SANITIZE_ADDRESS__)
// glibc: count malloc-family calls too (OpenMP runtimes and C code use them).
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void* malloc(std::size_t n) {
  ++g_allocations;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  ++g_allocations;
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  ++g_allocations;
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  ++g_allocations;
  return __libc_memalign(alignment, n);
}
}
#endif

using namespace tinyae;

namespace {

// rows x cols floats, in order, one batch at a time.
class RowStream final : public BatchStream {
 public:
  RowStream(const float* data, std::int32_t rows) : data_(data), rows_(rows) {}
  Status start_epoch() override {
    next_ = 0;
    return Status();
  }
  Status next(float* batch, std::int32_t max_rows, std::int32_t cols, std::int32_t* rows) override {
    *rows = rows_ - next_ < max_rows ? rows_ - next_ : max_rows;
    std::memcpy(batch, data_ + std::int64_t{next_} * cols, sizeof(float) * static_cast<std::size_t>(*rows * cols));
    next_ += *rows;
    return Status();
  }

 private:
  const float* data_;
  std::int32_t rows_;
  std::int32_t next_ = 0;
};

}  // namespace

TEST_CASE("fit (in memory and streamed), reconstruct, encode and evaluate allocate nothing after setup", "[allocations]") {
  const NetworkSpec dense = NetworkSpec(Shape::vector(64))
                                .dense(50, Activation::tanh)
                                .dense(36, Activation::relu)
                                .code()
                                .dense(50, Activation::tanh)
                                .dense(64, Activation::sigmoid);
  // Image layers: the same 64 values as an 8x8 image, code 4 x 4 x 4 = 64 > 36 values.
  const NetworkSpec image = NetworkSpec(Shape{1, 8, 8})
                                .conv2d(8, 3, 1, Padding::same, Activation::relu)
                                .max_pool2d()
                                .conv2d(2, 3, 1, Padding::same, Activation::relu)
                                .code()
                                .resize(8, 8)
                                .conv2d(1, 3, 1, Padding::same, Activation::sigmoid);
  for (Optimizer opt : {Optimizer::sgd, Optimizer::momentum, Optimizer::adam}) {
    for (std::int32_t batch : {1, 16}) {
      for (const NetworkSpec& spec : {dense, image}) {
        TrainConfig config;
        config.loss = Loss::bce;
        config.optimizer = opt;
        config.batch_size = batch;
        config.epochs = 2;
        config.weight_decay = 1e-4f;
        ArenaBuffer memory;
        REQUIRE(memory.allocate(arena_bytes(spec, config)).ok());
        Network net;
        REQUIRE(net.setup(spec, config, memory.arena()).ok());
        std::vector<float> x(100 * 64);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 17) / 17.0f;
        std::vector<float> out(100 * 64);
        std::vector<float> code(static_cast<std::size_t>(100 * spec.code_shape().size()));
        Metrics metrics;
        double objective = 0;
        RowStream stream(x.data(), 100);

        const long before = g_allocations.load();
        REQUIRE(net.fit(x.data(), 100, 64).ok());
        REQUIRE(net.fit(stream).ok());
        REQUIRE(net.reconstruct(x.data(), 100, 64, out.data()).ok());
        REQUIRE(net.encode(x.data(), 100, 64, code.data()).ok());
        REQUIRE(net.evaluate(x.data(), 100, 64, &metrics).ok());
        REQUIRE(net.compute_gradient(x.data(), batch, 64, &objective).ok());
        const long during = g_allocations.load() - before;
        CHECK(during == 0);
      }
    }
  }
}

TEST_CASE("the counter counts", "[allocations]") {
  const long before = g_allocations.load();
  std::vector<int>* v = new std::vector<int>(100);
  delete v;
  CHECK(g_allocations.load() - before >= 2);
}
