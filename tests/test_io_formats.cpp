// IDX, NPY, images and model files: real files, round trips, and malformed input.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <zlib.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "test_support.hpp"
#include "tinyae/io.hpp"

using namespace tinyae;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string message_of(const Status& s) { return s.message(); }

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
            .find("expected uint8 images") != std::string::npos);
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

  NpyArray untouched;
  untouched.shape = {99};
  auto error = [&](const std::string& name, const std::string& bytes) {
    Status s = load_npy(test::write_temp_file(name, bytes), &untouched);
    CHECK_FALSE(s.ok());
    CHECK(untouched.shape == std::vector<std::int64_t>{99});
    return message_of(s);
  };
  CHECK(error("magic.npy", "not numpy at all").find("bad magic") != std::string::npos);
  CHECK(error("dtype.npy", npy("<i8", "(1,)", std::string(8, '\0'))).find("dtype '<i8'") != std::string::npos);
  CHECK(error("fortran.npy", npy("<f4", "(1,)", std::string(4, '\0')).replace(40, 5, "True,")).find("C-order") != std::string::npos);
  CHECK(error("short.npy", npy("<f4", "(2, 2)", std::string(12, '\0'))).find("needs 16 data bytes, the file has 12") != std::string::npos);
  CHECK(error("huge.npy", npy("<f4", "(99999999999, 99999999999)", "")).find("too large") != std::string::npos);
  CHECK(error("neg.npy", npy("<f4", "(-1,)", "")).find("bad shape") != std::string::npos);
  CHECK(error("header.npy", std::string("\x93NUMPY\x01\x00\xff\x7f{", 11)).find("truncated .npy header") != std::string::npos);
}

TEST_CASE("images: PNG and PPM of the same photo decode to the same pixels", "[io][image]") {
  Image png;
  Image ppm;
  REQUIRE(load_image(test::data_path("photos/chelsea.png"), &png).ok());
  REQUIRE(load_image(test::data_path("photos/chelsea.ppm"), &ppm).ok());
  CHECK(png.width == 451);
  CHECK(png.height == 300);
  CHECK(png.channels == 3);
  CHECK(png.pixels == ppm.pixels);
  Image gray;
  REQUIRE(load_image(test::data_path("natural512/00-camera.pgm"), &gray).ok());
  CHECK(gray.channels == 1);
  CHECK(gray.width == 512);

  const std::string path = test::temp_path("round.png");
  REQUIRE(save_png(path, png).ok());
  Image back;
  REQUIRE(load_image(path, &back).ok());
  CHECK(back.pixels == png.pixels);

  CHECK(message_of(load_image(test::write_temp_file("bad.png", "\x89PNG\r\n\x1a\n garbage"), &back)).find("not a readable image") != std::string::npos);
  // Netpbm headers with absurd numbers (stb's parser overflowed on these), odd maxval,
  // too few pixels.
  CHECK(message_of(load_image(test::write_temp_file("huge.pgm", "P5 510111111111 2 255\n"), &back)).find("larger than") != std::string::npos);
  // The input the fuzzer found: a maxval of 40 digits.
  CHECK(message_of(load_image(test::write_temp_file("fuzz.pgm", "P5\n511 512\n" + std::string(40, '1') + "\n"), &back)).find("larger than") != std::string::npos);
  CHECK(message_of(load_image(test::write_temp_file("deep.pgm", "P5 2 2 300\n12345678"), &back)).find("maxval 300") != std::string::npos);
  CHECK(message_of(load_image(test::write_temp_file("short.ppm", "P6 2 2 255\nabc"), &back)).find("truncated") != std::string::npos);
  CHECK(message_of(load_image(test::write_temp_file("word.pgm", "P5 two 2 255\n"), &back)).find("bad PGM/PPM header") != std::string::npos);
  REQUIRE(load_image(test::write_temp_file("max15.pgm", "P5\n# comment\n2 1\n15\n\x0f\x05"), &back).ok());
  CHECK(back.pixels == std::vector<unsigned char>{255, 85});
  Image wrong{2, 2, 3, std::vector<unsigned char>(5)};
  CHECK(save_png(path, wrong).code() == StatusCode::invalid_argument);
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
  std::string v2 = good;
  v2[8] = 2;
  CHECK(message_of(load_model(test::write_temp_file("v2.tae", v2), &m)).find("format version 2; this build reads version 1") != std::string::npos);
  CHECK(message_of(load_model(test::write_temp_file("junk.tae", "hello"), &m)).find("not a tinyae model file") != std::string::npos);
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
