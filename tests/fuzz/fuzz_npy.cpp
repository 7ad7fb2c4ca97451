#include "fuzz_loader.hpp"
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tinyae::fuzz::run(data, size, ".npy", [](const std::string& p) {
    tinyae::NpyArray a;
    return tinyae::load_npy(p, &a);
  });
}
