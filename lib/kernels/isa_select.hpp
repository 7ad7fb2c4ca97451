// Choosing a kernel table by ISA name, shared by the float (kernels/dispatch.cpp) and
// int8 (quant/dispatch.cpp) dispatchers. Both build their table lists from
// isa_list.inc: TINYAE_ISA_ENTRY turns one line into an IsaEntry, with a null table
// when this build does not compile that line (tinyae_isa_build.h, from CMake).
#pragma once

#include "cpu/cpu_features.hpp"
#include "tinyae/status.hpp"
#include "tinyae_isa_build.h"

#define TINYAE_ISA_IF_BUILT_0(table) nullptr
#define TINYAE_ISA_IF_BUILT_1(table) table
#define TINYAE_ISA_IF_BUILT_(built, table) TINYAE_ISA_IF_BUILT_##built(table)
#define TINYAE_ISA_IF_BUILT(built, table) TINYAE_ISA_IF_BUILT_(built, table)
// {name, &table or null, CPU test, needs} for one line of the list.
#define TINYAE_ISA_ENTRY(kind, name, table, cpu, needs)                                  \
  {#name, TINYAE_ISA_IF_BUILT(TINYAE_BUILT_##kind##_##name, &table),                     \
   +[] { return ::tinyae::kernels::cpu_features().cpu; }, needs}

namespace tinyae::kernels {
namespace {

template <class Table>
struct IsaEntry {
  const char* name;
  const Table* table;  // null when this build lacks it
  bool (*cpu_has)();
  const char* needs;  // what the CPU lacks when cpu_has() is false
};

bool same_name(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

template <class Table, int N>
const Table* best_of(const IsaEntry<Table> (&isas)[N], const Table* fallback) {
  for (const IsaEntry<Table>& isa : isas) {
    if (isa.table != nullptr && isa.cpu_has()) return isa.table;
  }
  return fallback;
}

// The table named `name` (null, "" or "auto": the best). `what` names the kind in the
// errors ("ISA", "int8 ISA"); `known` lists the names for the unknown-name error.
template <class Table, int N>
Status select_isa(const IsaEntry<Table> (&isas)[N], const Table* fallback, const char* what,
                  const char* known, const char* name, const Table** out) {
  if (name == nullptr || name[0] == '\0' || same_name(name, "auto")) {
    *out = best_of(isas, fallback);
    return Status();
  }
  for (const IsaEntry<Table>& isa : isas) {
    if (!same_name(isa.name, name)) continue;
    if (isa.table == nullptr) {
      return Status::error(StatusCode::unsupported, what, " '", name,
                           "' is not built into this library for this target");
    }
    if (!isa.cpu_has()) {
      return Status::error(StatusCode::unsupported, "this CPU cannot run ", what, " '", name,
                           "': needs ", isa.needs);
    }
    *out = isa.table;
    return Status();
  }
  return Status::error(StatusCode::invalid_argument, "unknown ", what, " '", name, "' (known: ",
                       known, "auto)");
}

}  // namespace
}  // namespace tinyae::kernels
