#include <cstdlib>

#include "tinyae/io.hpp"

namespace tinyae {

void ArenaBuffer::Free::operator()(unsigned char* p) const { std::free(p); }

Status ArenaBuffer::allocate(std::size_t bytes) {
  const std::size_t rounded = align_up(bytes == 0 ? 1 : bytes);
  memory_.reset(static_cast<unsigned char*>(std::aligned_alloc(kAlignment, rounded)));
  if (!memory_) {
    arena_ = Arena();
    return Status::error(StatusCode::arena_too_small, "could not allocate ", rounded,
                         " bytes for the arena");
  }
  arena_ = Arena(memory_.get(), rounded);
  return Status();
}

}  // namespace tinyae
