// Status: how every fallible tinyae call reports failure (core never throws).
#pragma once

#include <cstddef>
#include <cstdint>


#ifndef TINYAE_STATUS_MESSAGE_BYTES
// Bytes kept for a human-readable message; longer ones are cut. On an operating
// system a message must be whole (a long path plus zlib's or the parser's reason);
// bare-metal firmware keeps a small cap, as each Status lives on its small stack.
// Define as 1 to compile messages out on tiny flash: message() then returns the
// code's name. The compiler's target macros decide, so the library and its users
// always agree on sizeof(Status).
#if defined(__linux__) || defined(__unix__) || defined(__APPLE__) || defined(_WIN32)
#define TINYAE_STATUS_MESSAGE_BYTES 1024
#else
#define TINYAE_STATUS_MESSAGE_BYTES 160
#endif
#endif

namespace tinyae {

enum class StatusCode : std::uint8_t {
  ok = 0,
  invalid_argument,  // wrong sizes, bad names, values out of range
  arena_too_small,   // setup needs more memory than the arena has
  non_finite,        // NaN or Inf in input data
  diverged,          // training produced NaN/Inf; the last good weights were kept
  io_error,          // a file could not be opened, read or written
  corrupt_data,      // a file's contents are malformed
  unsupported,       // valid request this build or CPU cannot serve
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  constexpr Status() = default;

  // Builds an error whose message is the concatenation of parts: C strings,
  // integers and floating-point values (formatted with 6 significant digits).
  template <class... Parts>
  static Status error(StatusCode code, const Parts&... parts) {
    Status s;
    s.code_ = code;
    (s.append(parts), ...);
    return s;
  }

  bool ok() const { return code_ == StatusCode::ok; }
  StatusCode code() const { return code_; }
  // Never null; the code's name when the error has no message.
  const char* message() const;

 private:
  void append(const char* text);
  void append(char* text) { append(static_cast<const char*>(text)); }
  void append(long long value);
  void append(unsigned long long value);
  void append(double value);
  void append(int value) { append(static_cast<long long>(value)); }
  void append(long value) { append(static_cast<long long>(value)); }
  void append(unsigned value) { append(static_cast<unsigned long long>(value)); }
  void append(unsigned long value) { append(static_cast<unsigned long long>(value)); }
  void append(float value) { append(static_cast<double>(value)); }

  static_assert(TINYAE_STATUS_MESSAGE_BYTES >= 1 && TINYAE_STATUS_MESSAGE_BYTES <= 65535,
                "length_ counts the message in 16 bits");
  StatusCode code_ = StatusCode::ok;
  std::uint16_t length_ = 0;
  char message_[TINYAE_STATUS_MESSAGE_BYTES] = {};
};

// Propagates a failed Status to the caller.
#define TINYAE_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::tinyae::Status tinyae_status_ = (expr);   \
    if (!tinyae_status_.ok()) return tinyae_status_; \
  } while (0)

}  // namespace tinyae
