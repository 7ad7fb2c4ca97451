#include "fuzz_loader.hpp"
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tinyae::fuzz::run(data, size, ".tae", [](const std::string& p) {
    tinyae::Model m;
    return tinyae::load_model(p, &m);
  });
}
