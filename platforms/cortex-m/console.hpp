// Line-buffered text output over semihosting (SYS_WRITE0): no printf, so no newlib
// stdio and no malloc. Floats print as a fixed-point decimal for people and, where
// exactness matters, as the hex of their bits.
#pragma once

#include <cstdint>
#include <cstring>

#include "semihosting.hpp"

namespace fw {

class Console {
 public:
  Console& operator<<(const char* text) {
    for (; *text != '\0'; ++text) put(*text);
    return *this;
  }
  Console& operator<<(char c) {
    put(c);
    return *this;
  }
  Console& operator<<(long long value) {
    if (value < 0) {
      put('-');
      return unsigned_decimal(0 - static_cast<unsigned long long>(value));
    }
    return unsigned_decimal(static_cast<unsigned long long>(value));
  }
  Console& operator<<(int value) { return *this << static_cast<long long>(value); }
  Console& operator<<(long value) { return *this << static_cast<long long>(value); }
  Console& operator<<(unsigned value) { return unsigned_decimal(value); }
  Console& operator<<(unsigned long value) { return unsigned_decimal(value); }
  Console& operator<<(unsigned long long value) { return unsigned_decimal(value); }

  // The 32 bits of a float as 8 hex digits: what the host compares, exactly.
  Console& hex_bits(float value) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    for (int shift = 28; shift >= 0; shift -= 4) put("0123456789abcdef"[(bits >> shift) & 0xfu]);
    return *this;
  }

  // value rounded to `decimals` (at most 9) digits after the point.
  Console& fixed(double value, int decimals) {
    if (value != value) return *this << "nan";
    if (value < 0) {
      put('-');
      value = -value;
    }
    if (value >= 1e9) return *this << "inf";
    std::uint64_t scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    const auto scaled = static_cast<std::uint64_t>(value * static_cast<double>(scale) + 0.5);
    unsigned_decimal(scaled / scale);
    if (decimals > 0) {
      put('.');
      std::uint64_t frac = scaled % scale;
      for (std::uint64_t d = scale / 10; d > 0; d /= 10) {
        put(static_cast<char>('0' + frac / d));
        frac %= d;
      }
    }
    return *this;
  }

  void flush() {
    if (length_ == 0) return;
    buffer_[length_] = '\0';
    semihosting::write0(buffer_);
    length_ = 0;
  }

 private:
  Console& unsigned_decimal(unsigned long long value) {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (n > 0) put(digits[--n]);
    return *this;
  }
  void put(char c) {
    buffer_[length_++] = c;
    if (c == '\n' || length_ + 1 == sizeof buffer_) flush();
  }

  char buffer_[128] = {};
  std::size_t length_ = 0;
};

}  // namespace fw
