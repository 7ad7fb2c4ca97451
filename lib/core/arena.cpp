// Arena: a pointer bump over memory the caller owns (see include/tinyae/arena.hpp).
#include "tinyae/arena.hpp"

namespace tinyae {

Arena::Arena(void* memory, std::size_t bytes) {
  if (memory == nullptr) return;
  const auto address = reinterpret_cast<std::uintptr_t>(memory);
  const std::size_t skip = (kAlignment - address % kAlignment) % kAlignment;
  if (skip >= bytes) return;
  base_ = static_cast<unsigned char*>(memory) + skip;
  capacity_ = bytes - skip;
}

Status Arena::allocate(std::size_t bytes, void** out) {
  *out = nullptr;
  const std::size_t rounded = align_up(bytes);
  if (rounded < bytes || rounded > available()) {
    return Status::error(StatusCode::arena_too_small, "arena too small: requested ", rounded,
                         " bytes, available ", available(), ", missing ",
                         rounded > available() ? rounded - available() : 0);
  }
  *out = base_ + used_;
  used_ += rounded;
  return Status();
}

}  // namespace tinyae
