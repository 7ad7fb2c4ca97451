// Which instruction set the float kernels use.
//
// By default the library picks the best the CPU can run (on x86: AVX-512, then
// AVX2+FMA, then scalar, detected with CPUID + XGETBV; on ARM: NEON when built for it;
// Cortex-M: scalar). Tests and benchmarks can force another one, by call or by setting
// the environment variable TINYAE_FORCE_ISA (read at the first kernel use). A name in
// TINYAE_FORCE_ISA that this build or CPU cannot serve makes every Network::setup fail
// with the reason (a kernel called directly then runs on the best ISA).
#pragma once

#include "tinyae/status.hpp"

namespace tinyae {

// Uses the named ISA for every later kernel call: "scalar", "avx2", "avx512", "neon",
// or "auto" (also null or "") for the best available. Errors: invalid_argument for an
// unknown name; unsupported when this build lacks the ISA or this CPU cannot run it
// (the ISA in use is then unchanged). Not meant to be called while kernels run.
Status force_isa(const char* name);

// Applies TINYAE_FORCE_ISA now and says whether it could (ok when it is unset).
Status force_isa_from_env();

// The name of the ISA in use ("scalar", "avx2", "avx512" or "neon").
const char* active_isa();

// The best ISA this build and CPU can run.
const char* best_isa();

}  // namespace tinyae
