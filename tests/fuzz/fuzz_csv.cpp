#include "fuzz_loader.hpp"
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tinyae::fuzz::run(data, size, ".csv", [](const std::string& p) {
    tinyae::Matrix m;
    return tinyae::load_csv(p, &m);
  });
}
