#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "tinyae/status.hpp"

using tinyae::Status;
using tinyae::StatusCode;

TEST_CASE("a default Status is ok and names itself", "[status]") {
  Status s;
  CHECK(s.ok());
  CHECK(s.code() == StatusCode::ok);
  CHECK(std::string(s.message()) == "ok");
}

TEST_CASE("Status::error concatenates text and numbers", "[status]") {
  Status s = Status::error(StatusCode::invalid_argument, "layer ", 3, " has ", -12,
                           " units, rate ", 0.25, ", big ", 1234567.0, ", small ", 3.5e-7f,
                           ", size ", 18446744073709551615ull);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(std::string(s.message()) ==
        "layer 3 has -12 units, rate 0.25, big 1.23457e6, small 3.5e-7, size "
        "18446744073709551615");
}

TEST_CASE("Status formats special and edge values", "[status]") {
  CHECK(std::string(Status::error(StatusCode::non_finite, 0.0 / 0.0).message()) == "nan");
  CHECK(std::string(Status::error(StatusCode::non_finite, -1.0 / 0.0).message()) == "-inf");
  CHECK(std::string(Status::error(StatusCode::non_finite, 100.0).message()) == "100");
  CHECK(std::string(Status::error(StatusCode::non_finite, 0.001).message()) == "0.001");
  CHECK(std::string(Status::error(StatusCode::non_finite, 9.9999999).message()) == "10");
  CHECK(std::string(Status::error(StatusCode::non_finite, -2147483648LL).message()) ==
        "-2147483648");
  CHECK(std::string(Status::error(StatusCode::non_finite, -9223372036854775807LL - 1).message()) ==
        "-9223372036854775808");
}

TEST_CASE("a long message is cut, never overflows", "[status]") {
  std::string longer(2 * TINYAE_STATUS_MESSAGE_BYTES, 'x');
  Status s = Status::error(StatusCode::io_error, longer.c_str(), " tail");
  const std::size_t n = std::strlen(s.message());
  CHECK(n == TINYAE_STATUS_MESSAGE_BYTES - 1);
  CHECK(std::string(s.message()) == std::string(n, 'x'));
}

TEST_CASE("an error without text reports the name of its code", "[status]") {
  Status s = Status::error(StatusCode::arena_too_small);
  CHECK(std::string(s.message()) == "arena too small");
}

TEST_CASE("on the host a message holds a long path and its reason whole", "[status]") {
  // Firmware keeps a 160-byte cap; a host build (this test's) keeps 1 KB.
  CHECK(TINYAE_STATUS_MESSAGE_BYTES >= 1024);
  std::string path = "/tmp";
  while (path.size() < 700) path += "/a-folder-with-a-long-name";
  const std::string reason = ": corrupt or unreadable data (invalid distance too far back)";
  Status s = Status::error(StatusCode::corrupt_data, path.c_str(), reason.c_str());
  CHECK(std::string(s.message()) == path + reason);
}
