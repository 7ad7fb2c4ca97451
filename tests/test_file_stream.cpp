// FileBatchStream: files larger than its window, read window by window, give the
// loaders' values bit for bit, train to the in-memory fit's weights when not shuffled,
// shuffle only within a window, and fail clearly on a file that does not fit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "random_values.hpp"
#include "test_support.hpp"

using namespace tinyae;
using namespace tinyae::test;

namespace {

const NetworkSpec kNet = NetworkSpec(Shape::vector(20))
                             .dense(6, Activation::sigmoid)
                             .code()
                             .dense(20, Activation::sigmoid);

TrainConfig config_for_stream() {
  TrainConfig config;
  config.optimizer = Optimizer::adam;
  config.learning_rate = 0.01f;
  config.batch_size = 16;
  config.epochs = 2;
  config.shuffle = false;
  return config;
}

// All rows one epoch of the stream gives, batch by batch.
std::vector<float> one_epoch(FileBatchStream& stream, std::int32_t batch) {
  REQUIRE(stream.start_epoch().ok());
  std::vector<float> rows;
  std::vector<float> buffer(static_cast<std::size_t>(batch * stream.cols()));
  for (;;) {
    std::int32_t n = 0;
    REQUIRE(stream.next(buffer.data(), batch, stream.cols(), &n).ok());
    if (n == 0) break;
    rows.insert(rows.end(), buffer.begin(), buffer.begin() + n * stream.cols());
  }
  return rows;
}

std::vector<float> row(const std::vector<float>& m, std::size_t i, std::size_t cols) {
  return std::vector<float>(m.begin() + static_cast<std::ptrdiff_t>(i * cols),
                            m.begin() + static_cast<std::ptrdiff_t>((i + 1) * cols));
}

}  // namespace

TEST_CASE("a file stream gives the loader's values, window by window", "[stream][io]") {
  // Fashion-MNIST's test images, gzip IDX: 10000 x 784 read in windows of 700 rows.
  const std::string path = data_path("fashion-mnist/t10k-images-idx3-ubyte.gz");
  Matrix loaded;
  REQUIRE(load_idx_images(path, &loaded).ok());
  FileBatchStream stream;
  REQUIRE(stream.open(path, 700, 1.0f, false, 1).ok());
  CHECK(stream.rows_per_epoch() == 10000);
  CHECK(stream.cols() == 784);
  REQUIRE(stream.start_epoch().ok());
  std::vector<float> windows;
  std::int32_t count = 0;
  for (;;) {
    const float* values = nullptr;
    std::int32_t rows = 0;
    REQUIRE(stream.next_window(&values, &rows).ok());
    if (rows == 0) break;
    CHECK(rows <= 700);
    ++count;
    windows.insert(windows.end(), values, values + std::int64_t{rows} * 784);
  }
  CHECK(count == 15);  // 14 x 700 + 200
  CHECK(windows == loaded.values);
  // Batches of 64 across the window boundaries give the same rows, in order.
  CHECK(one_epoch(stream, 64) == loaded.values);
}

TEST_CASE("training on a file larger than the window equals training on the loaded file",
          "[stream][io]") {
  const std::int32_t rows = 300;  // 24,000 bytes of floats; the window holds 50 rows
  const std::vector<float> x = random_values(static_cast<std::size_t>(rows) * 20, 0.0f, 1.0f, 21);
  const std::string path = temp_path("stream_rows.npy");
  REQUIRE(save_npy(path, x.data(), {rows, 4, 5}).ok());
  const TrainConfig config = config_for_stream();

  OwnedArena loaded_memory(arena_bytes(kNet, config));
  Network loaded;
  REQUIRE(loaded.setup(kNet, config, loaded_memory.arena).ok());
  REQUIRE(loaded.fit(x.data(), rows, 20).ok());

  FileBatchStream stream;
  REQUIRE(stream.open(path, 50, 1.0f, false, config.seed).ok());
  OwnedArena streamed_memory(arena_bytes(kNet, config));
  Network streamed;
  REQUIRE(streamed.setup(kNet, config, streamed_memory.arena).ok());
  const Status s = streamed.fit(stream);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(std::memcmp(loaded.parameters(), streamed.parameters(),
                    sizeof(float) * static_cast<std::size_t>(kNet.parameter_floats())) == 0);

  // Shuffled: a window holding the whole file draws fit's order each epoch.
  TrainConfig shuffled = config;
  shuffled.shuffle = true;
  OwnedArena memory_a(arena_bytes(kNet, shuffled));
  Network a;
  REQUIRE(a.setup(kNet, shuffled, memory_a.arena).ok());
  REQUIRE(a.fit(x.data(), rows, 20).ok());
  FileBatchStream whole;
  REQUIRE(whole.open(path, 1000, 1.0f, true, shuffled.seed).ok());
  OwnedArena memory_b(arena_bytes(kNet, shuffled));
  Network b;
  REQUIRE(b.setup(kNet, shuffled, memory_b.arena).ok());
  REQUIRE(b.fit(whole).ok());
  CHECK(std::memcmp(a.parameters(), b.parameters(),
                    sizeof(float) * static_cast<std::size_t>(kNet.parameter_floats())) == 0);
  std::remove(path.c_str());
}

TEST_CASE("a file stream shuffles within each window, anew each epoch, repeatably", "[stream][io]") {
  const std::int32_t rows = 230;
  const std::int32_t window = 64;  // windows of 64, 64, 64 and 38 rows
  std::vector<float> x(static_cast<std::size_t>(rows) * 3);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i / 3);  // row r holds r
  const std::string path = temp_path("stream_shuffle.npy");
  REQUIRE(save_npy(path, x.data(), {rows, 3}).ok());
  FileBatchStream a;
  REQUIRE(a.open(path, window, 0.5f, true, 7).ok());
  const std::vector<float> first = one_epoch(a, 10);  // batches of 10 across windows
  const std::vector<float> second = one_epoch(a, 10);
  REQUIRE(first.size() == x.size());
  REQUIRE(second.size() == x.size());
  CHECK(first != second);
  for (const std::vector<float>* epoch : {&first, &second}) {
    std::vector<float> ids;
    for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
      const std::vector<float> values = row(*epoch, r, 3);
      // Whole rows, scaled: each row's three values are its index * 0.5.
      CHECK(values == std::vector<float>(3, values[0]));
      ids.push_back(values[0] / 0.5f);
    }
    // Each window holds its own rows, and only those.
    for (std::int32_t w = 0; w * window < rows; ++w) {
      const auto begin = ids.begin() + w * window;
      const auto end = ids.begin() + std::min(rows, (w + 1) * window);
      std::vector<float> got(begin, end);
      std::sort(got.begin(), got.end());
      std::vector<float> want;
      for (std::int32_t r = w * window; r < std::min(rows, (w + 1) * window); ++r) want.push_back(static_cast<float>(r));
      CHECK(got == want);
      CHECK(std::vector<float>(begin, end) != want);  // and not in file order
    }
  }
  FileBatchStream b;
  REQUIRE(b.open(path, window, 0.5f, true, 7).ok());
  CHECK(one_epoch(b, 10) == first);
  FileBatchStream other_seed;
  REQUIRE(other_seed.open(path, window, 0.5f, true, 8).ok());
  CHECK(one_epoch(other_seed, 10) != first);
  std::remove(path.c_str());
}

TEST_CASE("a file stream rejects files that do not fit and stops on one that changes", "[stream][io][bad-input]") {
  const std::vector<float> x = random_values(100 * 20, 0.0f, 1.0f, 22);
  const std::string path = temp_path("stream_bad.npy");
  REQUIRE(save_npy(path, x.data(), {100, 20}).ok());
  const std::string bytes = read_all(path);
  FileBatchStream stream;

  const std::string truncated = write_temp_file("stream_truncated.npy", bytes.substr(0, bytes.size() - 7));
  Status s = stream.open(truncated, 10, 1.0f, false, 1);
  CHECK(s.code() == StatusCode::corrupt_data);
  CHECK_THAT(std::string(s.message()), Catch::Contains("truncated"));
  const std::string longer = write_temp_file("stream_longer.npy", bytes + "xyz");
  CHECK_THAT(std::string(stream.open(longer, 10, 1.0f, false, 1).message()), Catch::Contains("trailing data"));
  const std::string garbage = write_temp_file("stream_garbage.npy", "\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'");
  CHECK(stream.open(garbage, 10, 1.0f, false, 1).code() == StatusCode::corrupt_data);
  std::vector<float> flat(20);
  const std::string vector_path = temp_path("stream_vector.npy");
  REQUIRE(save_npy(vector_path, flat.data(), {20}).ok());
  CHECK_THAT(std::string(stream.open(vector_path, 10, 1.0f, false, 1).message()),
             Catch::Contains("2 or more dimensions"));
  CHECK(stream.open(path, 0, 1.0f, false, 1).code() == StatusCode::invalid_argument);
  CHECK(stream.open(temp_path("no_such_file.npy"), 10, 1.0f, false, 1).code() == StatusCode::io_error);

  // A network of another input width: the stream's error stops fit.
  REQUIRE(stream.open(path, 10, 1.0f, false, 1).ok());
  const NetworkSpec wide = NetworkSpec(Shape::vector(21)).dense(4, Activation::sigmoid).code().dense(21, Activation::sigmoid);
  TrainConfig config = config_for_stream();
  OwnedArena wide_memory(arena_bytes(wide, config));
  Network wide_net;
  REQUIRE(wide_net.setup(wide, config, wide_memory.arena).ok());
  s = wide_net.fit(stream);
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("has 20 values per row; the network takes 21"));

  // The file is cut short after open: training stops with the last complete epoch's
  // weights (the initial ones here) and says why.
  REQUIRE(stream.open(path, 10, 1.0f, false, 1).ok());
  std::filesystem::resize_file(path, bytes.size() - 400);
  OwnedArena memory(arena_bytes(kNet, config));
  Network net;
  REQUIRE(net.setup(kNet, config, memory.arena).ok());
  const std::vector<float> initial(net.parameters(), net.parameters() + kNet.parameter_floats());
  s = net.fit(stream);
  CHECK(s.code() == StatusCode::corrupt_data);
  CHECK_THAT(std::string(s.message()), Catch::Contains("ended early") && Catch::Contains("kept the weights of epoch 0"));
  CHECK(std::equal(initial.begin(), initial.end(), net.parameters()));
  for (const std::string& p : {path, truncated, longer, garbage, vector_path}) std::remove(p.c_str());
}
