// The one place that picks the float kernels: best ISA first, overridable by name.
#include <atomic>

#include "cpu/cpu_features.hpp"
#include "f32_kernels.hpp"
#include "tinyae/isa.hpp"

#if !defined(TINYAE_BARE_METAL)
// A weak reference: firmware without an environment links fine (getenv is then null),
// and core keeps needing nothing but libm and mem* from the C library.
extern "C" char* getenv(const char* name) __attribute__((weak));
#endif

namespace tinyae::kernels {

#if defined(TINYAE_HAVE_AVX512)
extern const F32Kernels kF32Avx512;
#endif
#if defined(TINYAE_HAVE_AVX2)
extern const F32Kernels kF32Avx2;
#endif
#if defined(TINYAE_HAVE_NEON)
extern const F32Kernels kF32Neon;
#endif

namespace {

struct Isa {
  const char* name;
  const F32Kernels* table;  // null when this build lacks it
  bool (*cpu_has)();
  const char* needs;  // what the CPU lacks when cpu_has() is false
};

bool always() { return true; }
[[maybe_unused]] bool has_avx2() { return cpu_features().avx2_fma; }
[[maybe_unused]] bool has_avx512() { return cpu_features().avx512f; }

// Best first.
const Isa kIsas[] = {
#if defined(TINYAE_HAVE_AVX512)
    {"avx512", &kF32Avx512, has_avx512, "AVX-512F and AVX-512DQ with OS-enabled ZMM state"},
#else
    {"avx512", nullptr, always, ""},
#endif
#if defined(TINYAE_HAVE_AVX2)
    {"avx2", &kF32Avx2, has_avx2, "AVX2 and FMA with OS-enabled YMM state"},
#else
    {"avx2", nullptr, always, ""},
#endif
#if defined(TINYAE_HAVE_NEON)
    {"neon", &kF32Neon, always, ""},
#else
    {"neon", nullptr, always, ""},
#endif
    {"scalar", &kF32Scalar, always, ""},
};

bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

const Isa* find(const char* name) {
  for (const Isa& isa : kIsas) {
    if (same(isa.name, name)) return &isa;
  }
  return nullptr;
}

const F32Kernels* best() {
  for (const Isa& isa : kIsas) {
    if (isa.table != nullptr && isa.cpu_has()) return isa.table;
  }
  return &kF32Scalar;
}

std::atomic<const F32Kernels*> g_active{nullptr};

Status choose(const char* name, const F32Kernels** out) {
  if (name == nullptr || name[0] == '\0' || same(name, "auto")) {
    *out = best();
    return Status();
  }
  const Isa* isa = find(name);
  if (isa == nullptr) {
    return Status::error(StatusCode::invalid_argument, "unknown ISA '", name,
                         "' (known: avx512, avx2, neon, scalar, auto)");
  }
  if (isa->table == nullptr) {
    return Status::error(StatusCode::unsupported, "ISA '", name,
                         "' is not built into this library for this target");
  }
  if (!isa->cpu_has()) {
    return Status::error(StatusCode::unsupported, "this CPU cannot run ISA '", name, "': needs ",
                         isa->needs);
  }
  *out = isa->table;
  return Status();
}

const char* env_isa() {
#if defined(TINYAE_BARE_METAL)
  return nullptr;
#else
  return getenv != nullptr ? getenv("TINYAE_FORCE_ISA") : nullptr;
#endif
}

}  // namespace

const char* const kIsaNames[] = {"avx512", "avx2", "neon", "scalar", nullptr};

const F32Kernels* f32_for(const char* name) {
  const F32Kernels* table = nullptr;
  if (name == nullptr || !choose(name, &table).ok()) return nullptr;
  return table;
}

const F32Kernels& f32() {
  const F32Kernels* table = g_active.load(std::memory_order_acquire);
  if (table != nullptr) return *table;
  // First use: the best ISA, unless the environment forces a usable one.
  const F32Kernels* chosen = best();
  const F32Kernels* forced = nullptr;
  if (choose(env_isa(), &forced).ok()) chosen = forced;
  // Concurrent first uses all store the same choice (a plain store: no CAS on Cortex-M0).
  g_active.store(chosen, std::memory_order_release);
  return *chosen;
}

Status forced_isa_status() {
  const char* name = env_isa();
  if (name == nullptr) return Status();
  const F32Kernels* table = nullptr;
  const Status s = choose(name, &table);
  if (s.ok()) return s;
  return Status::error(s.code(), "TINYAE_FORCE_ISA: ", s.message());
}

}  // namespace tinyae::kernels

namespace tinyae {

Status force_isa(const char* name) {
  const kernels::F32Kernels* table = nullptr;
  TINYAE_RETURN_IF_ERROR(kernels::choose(name, &table));
  kernels::g_active.store(table, std::memory_order_release);
  return Status();
}

Status force_isa_from_env() {
  TINYAE_RETURN_IF_ERROR(kernels::forced_isa_status());
  const char* name = kernels::env_isa();
  return name == nullptr ? Status() : force_isa(name);
}

const char* active_isa() { return kernels::f32().isa; }

const char* best_isa() { return kernels::best()->isa; }

}  // namespace tinyae
