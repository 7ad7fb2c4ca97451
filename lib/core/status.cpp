// Status: error codes, their names, and the short messages built without the heap.
#include "tinyae/status.hpp"

namespace tinyae {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::ok: return "ok";
    case StatusCode::invalid_argument: return "invalid argument";
    case StatusCode::arena_too_small: return "arena too small";
    case StatusCode::non_finite: return "non-finite value";
    case StatusCode::diverged: return "training diverged";
    case StatusCode::io_error: return "i/o error";
    case StatusCode::corrupt_data: return "corrupt data";
    case StatusCode::unsupported: return "unsupported";
  }
  return "unknown status";
}

const char* Status::message() const {
  return length_ == 0 ? status_code_name(code_) : message_;
}

void Status::append(const char* text) {
  if (text == nullptr) text = "(null)";
  // Keep one byte for the terminating zero; longer messages are cut.
  while (*text != '\0' && length_ + 1u < sizeof(message_)) message_[length_++] = *text++;
  message_[length_ < sizeof(message_) ? length_ : sizeof(message_) - 1] = '\0';
}

void Status::append(unsigned long long value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[24];
  for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  text[n] = '\0';
  append(static_cast<const char*>(text));
}

void Status::append(long long value) {
  if (value < 0) {
    append("-");
    // Negate in unsigned arithmetic so LLONG_MIN works.
    append(0ull - static_cast<unsigned long long>(value));
  } else {
    append(static_cast<unsigned long long>(value));
  }
}

// Six significant digits, plain or with an exponent; no libc formatting (which pulls
// in malloc on newlib).
void Status::append(double value) {
  if (value != value) return append("nan");
  if (value < 0) {
    append("-");
    value = -value;
  }
  if (value > 1.7976931348623157e308) return append("inf");
  if (value == 0) return append("0");
  int exponent = 0;
  while (value >= 10) {
    value /= 10;
    ++exponent;
  }
  while (value < 1) {
    value *= 10;
    --exponent;
  }
  auto mantissa = static_cast<unsigned long long>(value * 100000 + 0.5);  // 6 digits
  if (mantissa >= 1000000) {
    mantissa /= 10;
    ++exponent;
  }
  char digits[7];
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + mantissa % 10);
    mantissa /= 10;
  }
  int last = 5;  // drop trailing zeros
  while (last > 0 && digits[last] == '0') --last;
  char text[32];
  int n = 0;
  if (exponent >= 0 && exponent < 6) {
    for (int i = 0; i <= last || i <= exponent; ++i) {
      if (i == exponent + 1) text[n++] = '.';
      text[n++] = i <= 5 ? digits[i] : '0';
    }
  } else if (exponent < 0 && exponent >= -4) {
    text[n++] = '0';
    text[n++] = '.';
    for (int i = -1; i > exponent; --i) text[n++] = '0';
    for (int i = 0; i <= last; ++i) text[n++] = digits[i];
  } else {
    text[n++] = digits[0];
    if (last > 0) text[n++] = '.';
    for (int i = 1; i <= last; ++i) text[n++] = digits[i];
    text[n++] = 'e';
    text[n] = '\0';
    append(static_cast<const char*>(text));
    return append(static_cast<long long>(exponent));
  }
  text[n] = '\0';
  append(static_cast<const char*>(text));
}

}  // namespace tinyae
