// The one place that picks the int8 kernels: the ISAs of kernels/isa_list.inc, best
// first, or by name.
#include "../kernels/isa_select.hpp"
#include "i8_kernels.hpp"

namespace tinyae::kernels {

#define TINYAE_ISA_TABLE I8Kernels
#define TINYAE_ISA_NAMES kI8IsaNames
#define TINYAE_F32_ISA(...)
#define TINYAE_I8_ISA(name, Table, cpu, needs, ...) TINYAE_ISA_LINE(I8, name, kI8##Table, cpu, needs)
#include "../kernels/isa_tables.inc"
#undef TINYAE_F32_ISA
#undef TINYAE_I8_ISA

const I8Kernels& i8_best() { return *best_of(kIsas, &kI8Scalar); }

Status i8_select(const char* name, const I8Kernels** out) {
  return select_isa(kIsas, &kI8Scalar, "int8 ISA", kKnown, name, out);
}

const I8Kernels* i8_for(const char* name) {
  const I8Kernels* table = nullptr;
  if (name == nullptr || !i8_select(name, &table).ok()) return nullptr;
  return table;
}

}  // namespace tinyae::kernels
