#include <catch2/catch.hpp>

#include <sys/stat.h>
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

TEST_CASE("load_csv reads decimal numbers only, all of every line", "[io][csv][bad-input]") {
  Matrix m;
  REQUIRE(load_csv(test::write_temp_file("decimal.csv", "+3,-.5e+2,5.,.25E1,0\n"), &m).ok());
  CHECK(m.values == std::vector<float>{3, -50, 5, 2.5f, 0});
  m.rows = 42;
  auto error = [&](const std::string& name, const std::string& contents, StatusCode code) {
    Status s = load_csv(test::write_temp_file(name, contents), &m);
    CHECK(s.code() == code);
    CHECK(m.rows == 42);
    return std::string(s.message());
  };
  // strtod alone reads 0x10 as 16, and a C string ends at the NUL (the line read as 3,4).
  CHECK(error("hex.csv", "1,2\n7,0x10\n", StatusCode::corrupt_data) ==
        test::temp_path("hex.csv") + ": line 2, field 2: '0x10' is not a number (hexadecimal is not read)");
  CHECK(error("hexneg.csv", "-0X1p3\n", StatusCode::corrupt_data).find("'-0X1p3' is not a number (hexadecimal is not read)") != std::string::npos);
  CHECK(error("nul.csv", std::string("1,2\n3,4\0 5\n", 11), StatusCode::corrupt_data) ==
        test::temp_path("nul.csv") + ": line 2, field 2: '4\\x00 5' is not a number (it holds a NUL byte)");
  CHECK(error("nulfield.csv", std::string("1,2\n3,4,\0\n", 10), StatusCode::corrupt_data).find("line 2, field 3: '\\x00'") != std::string::npos);
  // Whatever a field holds is quoted printably, and at most 40 bytes of it.
  CHECK(error("control.csv", "1,\x01\x7f\\\n", StatusCode::corrupt_data).find("field 2: '\\x01\\x7F\\\\' is not a number") != std::string::npos);
  CHECK(error("long.csv", "1," + std::string(100, 'z') + "\n", StatusCode::corrupt_data).find("'" + std::string(40, 'z') + "...' is not a number") != std::string::npos);
  for (const char* word : {"inf", "-Infinity", "+NAN", "INF"}) {
    CHECK(error("inf.csv", std::string("1,") + word + "\n", StatusCode::non_finite) ==
          test::temp_path("inf.csv") + ": line 1, field 2: value is not finite in float");
  }
  for (const char* bad : {"nan(1)", "1e", "e5", ".", "-", "1.2.3", "1e+", "1 2", "in", "infinit"}) {
    INFO(bad);
    CHECK(error("bad.csv", std::string("1,") + bad + "\n", StatusCode::corrupt_data).find("line 1, field 2: '" + std::string(bad) + "' is not a number") != std::string::npos);
  }
}

TEST_CASE("gzip errors name the path once and keep zlib's reason whole", "[io][csv][bad-input]") {
  // A path longer than the 160 bytes a Status once held, in folders of ordinary names.
  std::string dir = test::temp_path("gzip_long_path");
  ::mkdir(dir.c_str(), 0700);
  while (dir.size() < 400) {
    dir += "/a-folder-with-a-rather-long-name";
    ::mkdir(dir.c_str(), 0700);
  }
  const std::string path = dir + "/data.csv.gz";
  std::string bad = gzip("1,2,3\n4,5,6\n");
  bad[10] = '\x07';  // the first deflate block: BFINAL 1, BTYPE 3 (reserved)
  std::ofstream(path, std::ios::binary) << bad;
  Matrix m;
  Status s = load_csv(path, &m);
  CHECK(s.code() == StatusCode::corrupt_data);
  CHECK(std::string(s.message()) == path + ": corrupt or unreadable data (invalid block type)");
  // A stream cut short says so, with zlib's reason.
  const std::string good = gzip("1,2,3\n4,5,6\n7,8,9\n");
  std::ofstream(path, std::ios::binary) << good.substr(0, good.size() - 10);
  CHECK(std::string(load_csv(path, &m).message()) ==
        path + ": compressed data is truncated or corrupt (unexpected end of file)");
}
