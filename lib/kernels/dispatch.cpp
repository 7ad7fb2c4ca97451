// The one place that picks the float kernels: the ISAs of isa_list.inc, best first,
// overridable by name (force_isa, TINYAE_FORCE_ISA).
#include <atomic>

#include "f32_kernels.hpp"
#include "isa_select.hpp"
#include "tinyae/isa.hpp"

#if !defined(TINYAE_BARE_METAL)
// A weak reference: firmware without an environment links fine (getenv is then null),
// and core keeps needing nothing but libm and mem* from the C library.
extern "C" char* getenv(const char* name) __attribute__((weak));
#endif

namespace tinyae::kernels {

#define TINYAE_ISA_TABLE F32Kernels
#define TINYAE_ISA_NAMES kIsaNames
#define TINYAE_F32_ISA(name, Table, cpu, needs, ...) TINYAE_ISA_LINE(F32, name, kF32##Table, cpu, needs)
#define TINYAE_I8_ISA(...)
#include "isa_tables.inc"
#undef TINYAE_F32_ISA
#undef TINYAE_I8_ISA

namespace {

const F32Kernels* best() { return best_of(kIsas, &kF32Scalar); }

std::atomic<const F32Kernels*> g_active{nullptr};

Status choose(const char* name, const F32Kernels** out) {
  return select_isa(kIsas, &kF32Scalar, "ISA", kKnown, name, out);
}

const char* env_isa() {
#if defined(TINYAE_BARE_METAL)
  return nullptr;
#else
  return getenv != nullptr ? getenv("TINYAE_FORCE_ISA") : nullptr;
#endif
}

}  // namespace

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
