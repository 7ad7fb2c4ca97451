// TINYAE_FORCE_ISA naming an ISA this build or CPU cannot run is an error from every
// set-up, never a silent fallback to another ISA.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "test_support.hpp"
#include "tinyae/isa.hpp"

using namespace tinyae;

namespace {

// Sets TINYAE_FORCE_ISA for one scope and restores what was there.
class ForcedIsa {
 public:
  explicit ForcedIsa(const char* name) {
    const char* old = std::getenv("TINYAE_FORCE_ISA");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TINYAE_FORCE_ISA", name, 1);
  }
  ~ForcedIsa() {
    if (had_) setenv("TINYAE_FORCE_ISA", old_.c_str(), 1);
    else unsetenv("TINYAE_FORCE_ISA");
  }
  ForcedIsa(const ForcedIsa&) = delete;
  ForcedIsa& operator=(const ForcedIsa&) = delete;

 private:
  bool had_ = false;
  std::string old_;
};

// Both set-ups (training and inference-only) on an arena of the exact size.
void check_setups_fail(StatusCode code, const std::string& expected) {
  constexpr NetworkSpec spec = reference::kIdentity838;
  const TrainConfig config;
  test::OwnedArena memory(arena_bytes(spec, config));
  Network net;
  const Status train = net.setup(spec, config, memory.arena);
  CHECK(train.code() == code);
  CHECK(std::string(train.message()) == expected);
  CHECK(memory.arena.used() == 0);
  CHECK_FALSE(net.trainable());
  const Status infer = net.setup(spec, 4, memory.arena);
  CHECK(infer.code() == code);
  CHECK(std::string(infer.message()) == expected);
  CHECK(memory.arena.used() == 0);
  CHECK(force_isa_from_env().code() == code);
}

}  // namespace

TEST_CASE("TINYAE_FORCE_ISA with an unknown name fails every set-up", "[isa]") {
  ForcedIsa forced("sse9");
#if defined(TINYAE_TEST_EXTRA_ISA)
  // The list with lib/kernels/README.md's extra line (tests/kernels/extra_isa/).
  check_setups_fail(StatusCode::invalid_argument,
                    "TINYAE_FORCE_ISA: unknown ISA 'sse9' (known: avx512, avx2, neon, scalar, "
                    "avx2_4x16, auto)");
#else
  check_setups_fail(StatusCode::invalid_argument,
                    "TINYAE_FORCE_ISA: unknown ISA 'sse9' (known: avx512, avx2, neon, scalar, auto)");
#endif
}

TEST_CASE("TINYAE_FORCE_ISA naming an ISA of another architecture fails every set-up", "[isa]") {
#if defined(__x86_64__)
  const char* foreign = "neon";
#else
  const char* foreign = "avx2";
#endif
  ForcedIsa forced(foreign);
  check_setups_fail(StatusCode::unsupported, std::string("TINYAE_FORCE_ISA: ISA '") + foreign +
                                                 "' is not built into this library for this target");
}

TEST_CASE("TINYAE_FORCE_ISA naming a usable ISA lets set-up run on it", "[isa]") {
  ForcedIsa forced("scalar");
  constexpr NetworkSpec spec = reference::kIdentity838;
  test::OwnedArena memory(arena_bytes(spec, 4));
  Network net;
  REQUIRE(net.setup(spec, 4, memory.arena).ok());
  REQUIRE(force_isa_from_env().ok());
  CHECK(std::string(active_isa()) == "scalar");
  REQUIRE(force_isa("auto").ok());
}
