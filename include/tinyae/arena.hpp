// Arena: the one block of memory a network lives in.
//
// The caller owns the memory (a static array in firmware, one allocation on a host).
// Allocation is a pointer bump rounded to kAlignment; nothing is ever freed
// individually. arena_bytes() says beforehand exactly how much a network needs,
// provided the memory starts on a kAlignment boundary:
//
//   alignas(64) static unsigned char memory[tinyae::arena_bytes(spec, config)];
#pragma once

#include <cstddef>
#include <cstdint>

#include "tinyae/network_spec.hpp"
#include "tinyae/status.hpp"

namespace tinyae {

class Arena {
 public:
  Arena() = default;
  // Uses [memory, memory + bytes); unaligned memory loses its first few bytes.
  Arena(void* memory, std::size_t bytes);

  // Reserves `bytes` rounded up to kAlignment, aligned to kAlignment.
  Status allocate(std::size_t bytes, void** out);

  template <class T>
  Status allocate_array(std::int64_t count, T** out) {
    void* p = nullptr;
    if (count < 0) {
      return Status::error(StatusCode::invalid_argument, "arena: negative element count");
    }
    Status s = allocate(static_cast<std::size_t>(count) * sizeof(T), &p);
    *out = static_cast<T*>(p);
    return s;
  }

  std::size_t capacity() const { return capacity_; }
  std::size_t used() const { return used_; }
  std::size_t available() const { return capacity_ - used_; }
  // Forgets everything allocated after `mark` (a value of used()).
  void rewind(std::size_t mark) {
    if (mark < used_) used_ = mark;
  }

 private:
  unsigned char* base_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
};

}  // namespace tinyae
