#include "fuzz_loader.hpp"
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tinyae::fuzz::run(data, size, ".idx", [](const std::string& p) {
    tinyae::IdxArray a;
    tinyae::Matrix m;
    std::vector<std::uint8_t> labels;
    (void)tinyae::load_idx(p, &a);
    (void)tinyae::load_idx_labels(p, 10, &labels);
    return tinyae::load_idx_images(p, &m);
  });
}
