// The one place that picks the int8 kernels: best ISA first, or by name.
#include "../kernels/cpu/cpu_features.hpp"
#include "i8_kernels.hpp"

namespace tinyae::kernels {

#if defined(TINYAE_HAVE_AVX512)
extern const I8Kernels kI8Avx512Vnni;
#endif
#if defined(TINYAE_HAVE_AVX2)
extern const I8Kernels kI8AvxVnni;
extern const I8Kernels kI8Avx2;
#endif
#if defined(TINYAE_HAVE_NEONDOT)
extern const I8Kernels kI8NeonDot;
#endif
#if defined(TINYAE_HAVE_NEON)
extern const I8Kernels kI8Neon;
#endif

namespace {

struct Isa {
  const char* name;
  const I8Kernels* table;  // null when this build lacks it
  bool (*cpu_has)();
  const char* needs;  // what the CPU lacks when cpu_has() is false
};

bool always() { return true; }
[[maybe_unused]] bool has_avx512vnni() { return cpu_features().avx512vnni; }
[[maybe_unused]] bool has_avxvnni() { return cpu_features().avxvnni; }
[[maybe_unused]] bool has_avx2() { return cpu_features().avx2_fma; }
[[maybe_unused]] bool has_dotprod() { return cpu_features().arm_dotprod; }

// Best first.
const Isa kIsas[] = {
#if defined(TINYAE_HAVE_AVX512)
    {"avx512vnni", &kI8Avx512Vnni, has_avx512vnni,
     "AVX-512F and AVX512_VNNI with OS-enabled ZMM state"},
#else
    {"avx512vnni", nullptr, always, ""},
#endif
#if defined(TINYAE_HAVE_AVX2)
    {"avxvnni", &kI8AvxVnni, has_avxvnni, "AVX2 and AVX-VNNI with OS-enabled YMM state"},
    {"avx2", &kI8Avx2, has_avx2, "AVX2 with OS-enabled YMM state"},
#else
    {"avxvnni", nullptr, always, ""},
    {"avx2", nullptr, always, ""},
#endif
#if defined(TINYAE_HAVE_NEONDOT)
    {"neondot", &kI8NeonDot, has_dotprod, "the Armv8.2 dot-product extension (asimddp)"},
#else
    {"neondot", nullptr, always, ""},
#endif
#if defined(TINYAE_HAVE_NEON)
    {"neon", &kI8Neon, always, ""},
#else
    {"neon", nullptr, always, ""},
#endif
    {"scalar", &kI8Scalar, always, ""},
};

bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

}  // namespace

const char* const kI8IsaNames[] = {"avx512vnni", "avxvnni", "avx2", "neondot", "neon", "scalar",
                                   nullptr};

const I8Kernels& i8_best() {
  for (const Isa& isa : kIsas) {
    if (isa.table != nullptr && isa.cpu_has()) return *isa.table;
  }
  return kI8Scalar;
}

Status i8_select(const char* name, const I8Kernels** out) {
  if (name == nullptr || name[0] == '\0' || same(name, "auto")) {
    *out = &i8_best();
    return Status();
  }
  for (const Isa& isa : kIsas) {
    if (!same(isa.name, name)) continue;
    if (isa.table == nullptr) {
      return Status::error(StatusCode::unsupported, "int8 ISA '", name,
                           "' is not built into this library for this target");
    }
    if (!isa.cpu_has()) {
      return Status::error(StatusCode::unsupported, "this CPU cannot run int8 ISA '", name,
                           "': needs ", isa.needs);
    }
    *out = isa.table;
    return Status();
  }
  return Status::error(StatusCode::invalid_argument, "unknown int8 ISA '", name,
                       "' (known: avx512vnni, avxvnni, avx2, neondot, neon, scalar, auto)");
}

const I8Kernels* i8_for(const char* name) {
  const I8Kernels* table = nullptr;
  if (name == nullptr || !i8_select(name, &table).ok()) return nullptr;
  return table;
}

}  // namespace tinyae::kernels
