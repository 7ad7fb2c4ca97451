#include "fuzz_loader.hpp"
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tinyae::fuzz::run(data, size, ".img", [](const std::string& p) {
    tinyae::Image image;
    return tinyae::load_image(p, &image);
  });
}
