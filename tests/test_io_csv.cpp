#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

std::string gzip(const std::string& text) {
  uLongf size = compressBound(static_cast<uLong>(text.size())) + 32;
  std::string out(size, '\0');
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // gzip wrapper
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

TEST_CASE("load_csv reads the gzip-compressed digits shipped by Debian python3-sklearn", "[io][csv]") {
  Matrix m;
  Status s = load_csv(test::data_path("sklearn-digits/digits.csv.gz"), &m);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(m.rows == 1797);
  CHECK(m.cols == 65);
  for (float v : m.values) REQUIRE((v >= 0.0f && v <= 16.0f));
  // The first digit of the set is a 0.
  CHECK(m.row(0)[64] == 0.0f);
  CHECK(m.row(0)[2] == 5.0f);
}

TEST_CASE("load_csv reads plain and gzip text the same way", "[io][csv]") {
  const std::string text = "1,2.5,-3\r\n4, 5e-1 ,6\n\n7,8,9";
  for (const std::string& contents : {text, gzip(text)}) {
    Matrix m;
    REQUIRE(load_csv(test::write_temp_file("plain.csv", contents), &m).ok());
    CHECK(m.rows == 3);
    CHECK(m.cols == 3);
    CHECK(m.values == std::vector<float>{1, 2.5f, -3, 4, 0.5f, 6, 7, 8, 9});
  }
  Matrix with_header;
  REQUIRE(load_csv(test::write_temp_file("header.csv", "a,b\n1,2\n"), &with_header, true).ok());
  CHECK(with_header.rows == 1);
}

TEST_CASE("load_csv reports malformed files and leaves the output alone", "[io][csv][bad-input]") {
  Matrix m;
  m.rows = 42;
  auto error = [&](const std::string& name, const std::string& contents) {
    Status s = load_csv(test::write_temp_file(name, contents), &m);
    CHECK_FALSE(s.ok());
    CHECK(m.rows == 42);
    return std::string(s.message());
  };
  CHECK(error("ragged.csv", "1,2,3\n4,5\n").find("line 2 has 2 fields, expected 3") != std::string::npos);
  CHECK(error("word.csv", "1,2\n3,abc\n").find("line 2, field 2: 'abc' is not a number") != std::string::npos);
  CHECK(error("trailing.csv", "1,2x\n").find("'2x' is not a number") != std::string::npos);
  CHECK(error("empty_field.csv", "1,,2\n").find("field 2") != std::string::npos);
  CHECK(error("nan.csv", "1,nan\n").find("not finite") != std::string::npos);
  CHECK(error("huge.csv", "1,1e300\n").find("not finite") != std::string::npos);
  CHECK(error("empty.csv", "").find("no data rows") != std::string::npos);
  CHECK(error("blank.csv", "\n \n").find("no data rows") != std::string::npos);
  const std::string gz = gzip("1,2,3\n4,5,6\n7,8,9\n");
  CHECK(error("truncated.csv.gz", gz.substr(0, gz.size() - 10)).find("truncated or corrupt") !=
        std::string::npos);
  std::string flipped = gz;
  flipped[flipped.size() - 6] ^= 0x55;  // the CRC-32 / length trailer
  CHECK(error("flipped.csv.gz", flipped).find("corrupt") != std::string::npos);
  Status missing = load_csv("/nonexistent/tinyae.csv", &m);
  CHECK(missing.code() == StatusCode::io_error);
  CHECK(std::string(missing.message()).find("/nonexistent/tinyae.csv: cannot open") == 0);
  CHECK(m.rows == 42);
}
