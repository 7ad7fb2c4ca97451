// IDX, NPY and model files: real files, round trips, and malformed input.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <zlib.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

using test::be32;
using test::read_all;
std::string message_of(const Status& s) { return s.message(); }
// load_npy's message for bytes it must refuse, leaving its output as it was.
std::string npy_refusal(const std::string& name, const std::string& bytes) {
  NpyArray untouched;
  untouched.shape = {99};
  Status s = load_npy(test::write_temp_file(name, bytes), &untouched);
  CHECK_FALSE(s.ok());
  CHECK(untouched.shape == std::vector<std::int64_t>{99});
  return message_of(s);
}

}  // namespace

TEST_CASE("IDX: the Fashion-MNIST test split, gzip-compressed", "[io][idx]") {
  Matrix images;
  Status s = load_idx_images(test::data_path("fashion-mnist/t10k-images-idx3-ubyte.gz"), &images);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(images.rows == 10000);
  CHECK(images.cols == 784);
  float lo = 1;
  float hi = 0;
  for (float v : images.values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo == 0.0f);
  CHECK(hi == 1.0f);
  IdxArray labels;
  REQUIRE(load_idx(test::data_path("fashion-mnist/t10k-labels-idx1-ubyte.gz"), &labels).ok());
  REQUIRE(labels.dims == std::vector<std::int32_t>{10000});
  CHECK(labels.values[0] == 9.0f);  // the first test item is an ankle boot
  CHECK(labels.values[1] == 2.0f);  // then a pullover
}

TEST_CASE("IDX: 4-dimensional uncompressed patches", "[io][idx]") {
  IdxArray patches;
  REQUIRE(load_idx(test::data_path("patches/rgb16x16-10000-idx4-ubyte"), &patches).ok());
  CHECK(patches.dims == std::vector<std::int32_t>{10000, 16, 16, 3});
  CHECK(patches.type == 0x08);
}

TEST_CASE("IDX: malformed headers are clear errors", "[io][idx][bad-input]") {
  IdxArray a;
  a.type = 0x42;
  auto error = [&](const std::string& name, const std::string& bytes) {
    Status s = load_idx(test::write_temp_file(name, bytes), &a);
    CHECK_FALSE(s.ok());
    CHECK(a.type == 0x42);
    return message_of(s);
  };
  const std::string ok_header = std::string("\0\0\x08\x02", 4) + be32(2) + be32(3);
  CHECK(error("magic.idx", "PK\x03\x04" + be32(1)).find("not an IDX file") != std::string::npos);
  CHECK(error("type.idx", std::string("\0\0\x07\x01", 4) + be32(1) + "x").find("unknown IDX data type") != std::string::npos);
  CHECK(error("dims0.idx", std::string("\0\0\x08\x00", 4)).find("0 dimensions") != std::string::npos);
  CHECK(error("short.idx", ok_header + "abcde").find("truncated") != std::string::npos);
  CHECK(error("long.idx", ok_header + "abcdefg").find("trailing data") != std::string::npos);
  CHECK(error("zero.idx", std::string("\0\0\x08\x01", 4) + be32(0)).find("dimension 0 is 0") != std::string::npos);
  // Dimensions whose product overflows 64 bits must not wrap around.
  CHECK(error("overflow.idx", std::string("\0\0\x0E\x04", 4) + be32(0x7fffffff) + be32(0x7fffffff) +
                                  be32(0x7fffffff) + be32(0x7fffffff))
            .find("more than") != std::string::npos);
  CHECK(error("header.idx", std::string("\0\0\x08\x03", 4) + be32(5)).find("truncated IDX header") != std::string::npos);
  const std::string floats = std::string("\0\0\x0D\x01", 4) + be32(1) + std::string("\x7f\xc0\0\0", 4);
  CHECK(error("nan.idx", floats).find("not finite") != std::string::npos);
  Matrix m;
  CHECK(message_of(load_idx_images(test::write_temp_file("labels.idx", std::string("\0\0\x08\x01", 4) + be32(1) + "x"), &m))
            .find("expected uint8 images (IDX type 0x08, 2 or more dimensions), the file has type 0x08 and 1 dimension") != std::string::npos);
}

TEST_CASE("NPY: the whitened natural-image patches", "[io][npy]") {
  NpyArray a;
  Status s = load_npy(test::data_path("patches/ufldl8x8_whitened_10000x64_f32.npy"), &a);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(a.shape == std::vector<std::int64_t>{10000, 64});
  for (float v : a.values) REQUIRE((v >= 0.1f - 1e-6f && v <= 0.9f + 1e-6f));
}

TEST_CASE("NPY: save then load round trips, for any rank", "[io][npy]") {
  const float values[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, 7.0f};
  for (const std::vector<std::int64_t>& shape :
       {std::vector<std::int64_t>{6}, std::vector<std::int64_t>{2, 3}, std::vector<std::int64_t>{1, 2, 3}}) {
    const std::string path = test::temp_path("round.npy");
    REQUIRE(save_npy(path, values, shape).ok());
    const std::string bytes = read_all(path);
    CHECK((bytes.size() - 6 * 4) % 64 == 0);  // data aligned as NumPy writes it
    NpyArray a;
    REQUIRE(load_npy(path, &a).ok());
    CHECK(a.shape == shape);
    CHECK(std::memcmp(a.values.data(), values, sizeof values) == 0);
  }
}

TEST_CASE("NPY: float64 and uint8 convert to float", "[io][npy]") {
  auto npy = [](const std::string& descr, const std::string& shape, const std::string& data) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(header.size());
    out += '\0';
    return out + header + data;
  };
  const double d[2] = {0.25, -4.0};
  NpyArray a;
  REQUIRE(load_npy(test::write_temp_file("f8.npy", npy("<f8", "(2,)", std::string(reinterpret_cast<const char*>(d), 16))), &a).ok());
  CHECK(a.values == std::vector<float>{0.25f, -4.0f});
  REQUIRE(load_npy(test::write_temp_file("u1.npy", npy("|u1", "(1, 3)", "\x01\x02\xff")), &a).ok());
  CHECK(a.values == std::vector<float>{1, 2, 255});
  CHECK(a.shape == std::vector<std::int64_t>{1, 3});

  const auto error = npy_refusal;
  CHECK(error("magic.npy", "not numpy at all").find("bad magic") != std::string::npos);
  CHECK(error("dtype.npy", npy("<i8", "(1,)", std::string(8, '\0'))).find("dtype '<i8'") != std::string::npos);
  // fortran_order True (the value is at byte 44; the byte 40 this test once wrote at
  // cut the key's name, which the substring search used to take for True).
  CHECK(error("fortran.npy", npy("<f4", "(1,)", std::string(4, '\0')).replace(44, 6, "True, ")).find("C-order") != std::string::npos);
  CHECK(error("short.npy", npy("<f4", "(2, 2)", std::string(12, '\0'))).find("needs 16 data bytes, the file has 12") != std::string::npos);
  CHECK(error("huge.npy", npy("<f4", "(99999999999, 99999999999)", "")).find("too large") != std::string::npos);
  CHECK(error("neg.npy", npy("<f4", "(-1,)", "")).find("bad shape") != std::string::npos);
  CHECK(error("header.npy", std::string("\x93NUMPY\x01\x00\xff\x7f{", 11)).find("truncated .npy header") != std::string::npos);
}

namespace {

// A .npy file of format version `major` whose header is exactly `header` (no padding
// added), then data.
std::string npy_file(const std::string& header, const std::string& data, int major = 1) {
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  const auto n = static_cast<std::uint32_t>(header.size());
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (major > 1) {
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>(n >> 24);
  }
  return out + header + data;
}
// A dict padded as NumPy pads it: spaces, then '\n', data on a 64-byte boundary.
std::string padded(std::string dict, std::size_t prefix = 10) {
  while ((prefix + dict.size() + 1) % 64 != 0) dict += ' ';
  return dict + '\n';
}
const std::string kFloat(4, '\0');

}  // namespace

TEST_CASE("NPY: the header is read as the Python dict NumPy writes", "[io][npy]") {
  NpyArray a;
  auto load = [&](const std::string& name, const std::string& bytes) {
    Status s = load_npy(test::write_temp_file(name, bytes), &a);
    INFO(s.message());
    return s.ok();
  };
  // What Python may write beside NumPy's own spelling: double quotes, no trailing
  // comma, keys in another order, a trailing comma in the shape, extra spaces.
  CHECK(load("dq.npy", npy_file(padded("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1,)}"), kFloat)));
  CHECK(load("order.npy", npy_file(padded("{'shape': (2, 1,), 'fortran_order': False, 'descr': '<f4'}"), kFloat + kFloat)));
  CHECK(a.shape == std::vector<std::int64_t>{2, 1});
  CHECK(load("spaces.npy", npy_file(padded("{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 1 , ) , }"), kFloat)));
  // () is a scalar: one value, no dimensions; a zero dimension is an empty array.
  CHECK(load("scalar.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (), }"), kFloat)));
  CHECK(a.shape.empty());
  CHECK(a.values.size() == 1);
  CHECK(load("empty.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }"), "")));
  CHECK(a.shape == std::vector<std::int64_t>{0, 5});
  // Unaligned data (NumPy reads it too) and format 2.0's 4-byte header length.
  CHECK(load("unaligned.npy", npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", kFloat)));
  CHECK(load("v2.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 12), kFloat, 2)));
  CHECK(load("v3.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 12), kFloat, 3)));
}

TEST_CASE("NPY: a header that is not exactly such a dict is a clear error", "[io][npy][bad-input]") {
  const auto error = npy_refusal;
  const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  // The three the substring search let through.
  CHECK(error("unterminated.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "), kFloat))
            .find(".npy header dict is not terminated (no '}')") != std::string::npos);
  std::string nul = good;
  nul[16] = '\0';  // the space after "'<f4',"
  CHECK(error("nul.npy", npy_file(padded(nul), kFloat)).find(".npy header byte 16 is '\\x00' (the header must be printable ASCII)") != std::string::npos);
  std::string no_newline = padded(good);
  no_newline.back() = ' ';
  CHECK(error("nonewline.npy", npy_file(no_newline, kFloat)).find(".npy header does not end with a newline") != std::string::npos);
  // Other control bytes, two newlines, text around the dict.
  std::string tab = good;
  tab[16] = '\t';
  CHECK(error("tab.npy", npy_file(padded(tab), kFloat)).find("byte 16 is '\\x09'") != std::string::npos);
  CHECK(error("twolines.npy", npy_file(good + "\n\n", kFloat)).find("byte 57 is '\\x0A'") != std::string::npos);
  CHECK(error("after.npy", npy_file(padded(good + " x"), kFloat)).find("has text after the dict at byte 58 ('x") != std::string::npos);
  CHECK(error("before.npy", npy_file(padded(" " + good), kFloat)).find("is not a dict (it must start with '{')") != std::string::npos);
  CHECK(error("empty_header.npy", npy_file("", kFloat)).find("does not end with a newline") != std::string::npos);
  // The keys: each exactly once, nothing else; missing ones named.
  CHECK(error("nofortran.npy", npy_file(padded("{'descr': '<f4', 'shape': (1,), }"), kFloat)).find(".npy header has no 'fortran_order' key") != std::string::npos);
  CHECK(error("nodescr.npy", npy_file(padded("{'fortran_order': False, 'shape': (1,), }"), kFloat)).find("has no 'descr' key") != std::string::npos);
  CHECK(error("noshape.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False}"), kFloat)).find("has no 'shape' key") != std::string::npos);
  CHECK(error("emptydescr.npy", npy_file(padded("{'descr': '', 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("has an empty descr") != std::string::npos);
  CHECK(error("twice.npy", npy_file(padded("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("has the key 'descr' twice") != std::string::npos);
  CHECK(error("extra.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'align': 4}"), kFloat)).find("unexpected key 'align'") != std::string::npos);
  CHECK(error("bare.npy", npy_file(padded("{descr: '<f4', 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("expected a quoted key at byte 1") != std::string::npos);
  CHECK(error("colon.npy", npy_file(padded("{'descr' '<f4', 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("expected ':' after a key") != std::string::npos);
  CHECK(error("comma.npy", npy_file(padded("{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("expected ',' or '}' after a value") != std::string::npos);
  CHECK(error("quote.npy", npy_file(padded("{'descr': '<f4, 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("expected ',' or '}' after a value at byte 17 ('fortran_order'") != std::string::npos);
  CHECK(error("open.npy", npy_file(padded("{'descr': '<f4"), kFloat)).find("unterminated string") != std::string::npos);
  CHECK(error("escape.npy", npy_file(padded("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("escapes in strings are not supported") != std::string::npos);
  // The values: each of its kind.
  CHECK(error("f1.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }"), kFloat)).find("'fortran_order' must be True or False") != std::string::npos);
  CHECK(error("descr.npy", npy_file(padded("{'descr': 4, 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("expected 'descr' as a quoted string") != std::string::npos);
  CHECK(error("struct.npy", npy_file(padded("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }"), kFloat)).find("structured dtypes are not supported") != std::string::npos);
  CHECK(error("int.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (1), }"), kFloat)).find("bad shape (1) (a one-element tuple is written (n,))") != std::string::npos);
  CHECK(error("list.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }"), kFloat)).find("bad shape [1], }") != std::string::npos);
  CHECK(error("hexdim.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (0x1,), }"), kFloat)).find("bad shape (0x1,)") != std::string::npos);
  CHECK(error("zero1.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (01,), }"), kFloat)).find("no leading zeros") != std::string::npos);
  CHECK(error("gap.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (1 1), }"), kFloat)).find("bad shape (1 1)") != std::string::npos);
  CHECK(error("commas.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (1,,), }"), kFloat)).find("bad shape (1,,)") != std::string::npos);
  // 2^31 x 2^33 is 2^64: the element count must not wrap around to 0.
  CHECK(error("wrap.npy", npy_file(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 8589934592), }"), "")).find("is too large") != std::string::npos);
}

TEST_CASE("NPY and IDX: short files say how short", "[io][npy][idx][bad-input]") {
  NpyArray npy;
  npy.shape = {99};
  auto npy_error = [&](const std::string& name, const std::string& bytes) {
    Status s = load_npy(test::write_temp_file(name, bytes), &npy);
    CHECK(s.code() == StatusCode::corrupt_data);
    CHECK(npy.shape == std::vector<std::int64_t>{99});
    return message_of(s);
  };
  const std::string magic("\x93NUMPY\x01\x00", 8);
  CHECK(npy_error("npy8.npy", magic) == test::temp_path("npy8.npy") + ": file too short (8 bytes; the header needs 10)");
  CHECK(npy_error("npy0.npy", "").find(": file too short (0 bytes; the header needs at least 10)") != std::string::npos);
  CHECK(npy_error("npy3.npy", magic.substr(0, 3)).find(": file too short (3 bytes; the header needs at least 10)") != std::string::npos);
  CHECK(npy_error("npy10v2.npy", std::string("\x93NUMPY\x02\x00\x10\x00", 10)).find("file too short (10 bytes; the header needs 12)") != std::string::npos);
  CHECK(npy_error("npyhdr.npy", magic + std::string("\x40\x00{'descr'", 10)).find("truncated .npy header: file too short (18 bytes; the header needs 74)") != std::string::npos);
  CHECK(npy_error("npyabc.npy", "abc").find("not a .npy file (bad magic)") != std::string::npos);
  CHECK(message_of(load_npy(test::write_temp_file("npyv11.npy", std::string("\x93NUMPY\x01\x01\x00\x00", 10)), &npy))
            .find(".npy format version 1.1 (1.0, 2.0 and 3.0 supported)") != std::string::npos);

  IdxArray idx;
  idx.type = 0x42;
  auto idx_error = [&](const std::string& name, const std::string& bytes) {
    Status s = load_idx(test::write_temp_file(name, bytes), &idx);
    CHECK(s.code() == StatusCode::corrupt_data);
    CHECK(idx.type == 0x42);
    return message_of(s);
  };
  CHECK(idx_error("idx0.idx", "") == test::temp_path("idx0.idx") + ": file too short (0 bytes; the header needs at least 8)");
  CHECK(idx_error("idx3.idx", std::string("\0\0\x08", 3)).find(": file too short (3 bytes; the header needs at least 8)") != std::string::npos);
  CHECK(idx_error("idx2dims.idx", std::string("\0\0\x08\x02", 4) + be32(5)).find("truncated IDX header: file too short (8 bytes; the header needs 12)") != std::string::npos);
  CHECK(idx_error("idxP.idx", "P").find("not an IDX file") != std::string::npos);
  // The type byte in hexadecimal.
  CHECK(idx_error("type0F.idx", std::string("\0\0\x0F\x01", 4) + be32(1) + "x").find("unknown IDX data type 0x0F") != std::string::npos);
  CHECK(idx_error("typeFF.idx", std::string("\0\0\xFF\x01", 4) + be32(1) + "x").find("unknown IDX data type 0xFF") != std::string::npos);
}

namespace {

// The labels of a gzip IDX label file read with zlib alone, for an independent count.
std::vector<int> count_labels_with_zlib(const std::string& path) {
  std::vector<int> counts(256, 0);
  gzFile f = gzopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  unsigned char header[8];
  REQUIRE(gzread(f, header, 8) == 8);
  unsigned char buffer[4096];
  int n;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0) {
    for (int i = 0; i < n; ++i) ++counts[buffer[i]];
  }
  gzclose(f);
  return counts;
}

}  // namespace

TEST_CASE("IDX labels: the Fashion-MNIST test labels, typed and checked", "[io][idx]") {
  const std::string path = test::data_path("fashion-mnist/t10k-labels-idx1-ubyte.gz");
  std::vector<std::uint8_t> labels;
  Status s = load_idx_labels(path, 10, &labels);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(labels.size() == 10000);
  CHECK(labels[0] == 9);  // an ankle boot
  CHECK(labels[1] == 2);  // a pullover
  std::vector<int> counts(256, 0);
  for (std::uint8_t l : labels) ++counts[l];
  CHECK(counts == count_labels_with_zlib(path));
  for (int c = 0; c < 10; ++c) CHECK(counts[c] == 1000);  // the test split is balanced
  // As load_idx reads them.
  IdxArray any;
  REQUIRE(load_idx(path, &any).ok());
  for (std::size_t i = 0; i < labels.size(); ++i) REQUIRE(any.values[i] == static_cast<float>(labels[i]));
  // 9 is the largest label: it must fit 10 classes but not 9.
  std::vector<std::uint8_t> few = {7};
  Status nine = load_idx_labels(path, 9, &few);
  CHECK(nine.code() == StatusCode::corrupt_data);
  CHECK(message_of(nine) == path + ": label 9 at index 0 is out of range (0 to 8)");
  CHECK(few == std::vector<std::uint8_t>{7});
}

TEST_CASE("IDX labels: other types, ranks and values are clear errors", "[io][idx][bad-input]") {
  std::vector<std::uint8_t> labels = {42};
  auto error = [&](const std::string& name, const std::string& bytes, std::int32_t classes = 10) {
    Status s = load_idx_labels(test::write_temp_file(name, bytes), classes, &labels);
    CHECK_FALSE(s.ok());
    CHECK(labels == std::vector<std::uint8_t>{42});
    return message_of(s);
  };
  CHECK(error("labels2d.idx", std::string("\0\0\x08\x02", 4) + be32(2) + be32(2) + "\x01\x02\x03\x04")
            .find("expected uint8 labels (IDX type 0x08, 1 dimension), the file has type 0x08 and 2 dimensions") != std::string::npos);
  CHECK(error("labels32.idx", std::string("\0\0\x0C\x01", 4) + be32(2) + be32(1) + be32(2))
            .find("the file has type 0x0C and 1 dimension") != std::string::npos);
  CHECK(error("label10.idx", std::string("\0\0\x08\x01", 4) + be32(4) + std::string("\x01\x09\x0a\x00", 4), 10)
            .find("label 10 at index 2 is out of range (0 to 9)") != std::string::npos);
  CHECK(error("label255.idx", std::string("\0\0\x08\x01", 4) + be32(2) + std::string("\x00\xff", 2), 2)
            .find("label 255 at index 1 is out of range (0 to 1)") != std::string::npos);
  CHECK(error("labelsshort.idx", std::string("\0\0\x08\x01", 4) + be32(5) + "\x01\x02")
            .find("(truncated)") != std::string::npos);
  Status classes = load_idx_labels(test::write_temp_file("labels_ok.idx", std::string("\0\0\x08\x01", 4) + be32(1) + std::string(1, '\0')), 0, &labels);
  CHECK(classes.code() == StatusCode::invalid_argument);
  CHECK(message_of(classes).find("0 classes (uint8 labels allow 1 to 256)") != std::string::npos);
  REQUIRE(load_idx_labels(test::temp_path("labels_ok.idx"), 256, &labels).ok());
  CHECK(labels == std::vector<std::uint8_t>{0});
}

namespace {

constexpr NetworkSpec kSpec = NetworkSpec(Shape::vector(12))
                                  .dense(5, Activation::tanh)
                                  .dense(3, Activation::relu)
                                  .code()
                                  .dense(12, Activation::sigmoid);

struct Trained {
  test::OwnedArena memory{arena_bytes(kSpec, TrainConfig())};
  Network net;
  Trained() {
    REQUIRE(net.setup(kSpec, TrainConfig(), memory.arena).ok());
    for (std::int32_t l = 0; l < kSpec.num_layers; ++l) net.biases(l)[0] = 0.125f * static_cast<float>(l + 1);
  }
};

}  // namespace

TEST_CASE("model files round trip bit-exactly", "[io][model]") {
  Trained t;
  const std::string path = test::temp_path("model.tae");
  REQUIRE(save_model(path, t.net).ok());
  Model m;
  REQUIRE(load_model(path, &m).ok());
  CHECK(m.spec.num_layers == 3);
  CHECK(m.spec.code_layer == 1);
  CHECK(m.parameters.size() == static_cast<std::size_t>(kSpec.parameter_count()));
  test::OwnedArena memory(arena_bytes(m.spec, 4));
  Network inference;
  REQUIRE(inference.setup(m.spec, 4, memory.arena).ok());
  REQUIRE(set_parameters(m, &inference).ok());
  CHECK(std::memcmp(inference.parameters(), t.net.parameters(),
                    sizeof(float) * static_cast<std::size_t>(kSpec.parameter_floats())) == 0);
  Network not_set_up;
  CHECK(set_parameters(m, &not_set_up).code() == StatusCode::invalid_argument);
}

TEST_CASE("a corrupted byte anywhere in a model file is detected", "[io][model][bad-input]") {
  Trained t;
  const std::string path = test::temp_path("model_flip.tae");
  REQUIRE(save_model(path, t.net).ok());
  const std::string good = read_all(path);
  Model m;
  m.spec.num_layers = 77;
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ (1 << (i % 8)));
    Status s = load_model(test::write_temp_file("flipped.tae", bad), &m);
    REQUIRE_FALSE(s.ok());
    REQUIRE(m.spec.num_layers == 77);
  }
  for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{20}, good.size() / 2, good.size() - 1}) {
    Status s = load_model(test::write_temp_file("truncated.tae", good.substr(0, n)), &m);
    REQUIRE_FALSE(s.ok());
  }
  std::string v3 = good;
  v3[8] = 3;
  CHECK(message_of(load_model(test::write_temp_file("v3.tae", v3), &m)).find("format version 3; this build reads versions 1 to 2") != std::string::npos);
  CHECK(message_of(load_model(test::write_temp_file("junk.tae", "hello"), &m)).find("not a tinyae model file") != std::string::npos);
}

TEST_CASE("an anomaly model keeps its threshold; a model without one is written as before", "[io][model]") {
  Trained t;
  const std::string plain = test::temp_path("model_plain.tae");
  REQUIRE(save_model(plain, t.net).ok());
  const std::string plain_bytes = read_all(plain);
  CHECK(plain_bytes[8] == 1);  // version 1: older builds read it
  Model m;
  REQUIRE(load_model(plain, &m).ok());
  CHECK(m.anomaly.percentile == 0);

  const AnomalyThreshold threshold{99.0, 0.0123456789};
  const std::string with = test::temp_path("model_threshold.tae");
  REQUIRE(save_model(with, t.net, &threshold).ok());
  const std::string bytes = read_all(with);
  CHECK(bytes[8] == 2);
  CHECK(bytes.size() == plain_bytes.size() + 16);
  CHECK(bytes.compare(12, plain_bytes.size() - 16, plain_bytes, 12, plain_bytes.size() - 16) == 0);
  REQUIRE(load_model(with, &m).ok());
  CHECK(m.anomaly.percentile == 99.0);
  CHECK(m.anomaly.score == 0.0123456789);
  CHECK(m.parameters.size() == static_cast<std::size_t>(t.net.spec().parameter_count()));

  // Out-of-range thresholds: not written, and not read.
  for (const AnomalyThreshold& bad : {AnomalyThreshold{0.0, 1.0}, AnomalyThreshold{100.5, 1.0},
                                      AnomalyThreshold{99.0, -1.0},
                                      AnomalyThreshold{99.0, std::nan("")}}) {
    const std::string path = test::temp_path("model_bad_threshold.tae");
    std::remove(path.c_str());
    CHECK(save_model(path, t.net, &bad).code() == StatusCode::invalid_argument);
    CHECK_FALSE(std::ifstream(path).good());
  }
  std::string corrupt = bytes;
  const std::size_t at = corrupt.size() - 4 - 16;  // the percentile
  const double minus_one = -1.0;
  std::memcpy(&corrupt[at], &minus_one, 8);
  const std::uint32_t crc = static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(corrupt.data()), static_cast<uInt>(corrupt.size() - 4)));
  for (int i = 0; i < 4; ++i) corrupt[corrupt.size() - 4 + i] = static_cast<char>(crc >> (8 * i));
  Status s = load_model(test::write_temp_file("bad_threshold.tae", corrupt), &m);
  CHECK(s.code() == StatusCode::corrupt_data);
  CHECK(message_of(s).find("anomaly threshold") != std::string::npos);
}

TEST_CASE("an interrupted save leaves the previous model intact", "[io][model]") {
  Trained t;
  const std::string path = test::temp_path("model_keep.tae");
  REQUIRE(save_model(path, t.net).ok());
  const std::string before = read_all(path);
  t.net.biases(0)[0] = 99.0f;
  // Make the write fail half-way: limit this process's file size, ignore SIGXFSZ.
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit tiny = old;
  tiny.rlim_cur = 64;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &tiny) == 0);
  Status s = save_model(path, t.net);
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous_handler);
  CHECK(s.code() == StatusCode::io_error);
  CHECK(message_of(s).find("the previous file is unchanged") != std::string::npos);
  CHECK(read_all(path) == before);
  CHECK(read_all(path + ".tmp").empty());  // the temporary file was removed
  Model m;
  REQUIRE(load_model(path, &m).ok());
}
