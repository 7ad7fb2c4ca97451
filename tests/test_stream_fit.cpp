// Network::fit on a BatchStream: the same weights as the in-memory fit on the same
// order, for any thread count, and a clear error (with the last good weights kept) for
// every way a stream can go wrong.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "random_values.hpp"
#include "test_support.hpp"

using namespace tinyae;
using namespace tinyae::test;

namespace {

// The rows of one array, in order, batch after batch; faults can be switched on.
class ArrayStream final : public BatchStream {
 public:
  ArrayStream(const std::vector<float>& data, std::int32_t rows, std::int32_t cols)
      : data_(data), rows_(rows), cols_(cols) {}

  std::int64_t rows_per_epoch() const override { return rows_; }

  Status start_epoch() override {
    ++epochs_started;
    next_row_ = 0;
    batch_ = 0;
    if (fail_start_epoch == epochs_started) {
      return Status::error(StatusCode::io_error, "the link is down");
    }
    return Status();
  }

  Status next(float* batch, std::int32_t max_rows, std::int32_t cols, std::int32_t* rows) override {
    REQUIRE(cols == cols_);
    ++batch_;
    std::int32_t n = rows_ - next_row_ < max_rows ? rows_ - next_row_ : max_rows;
    const bool faulty = epochs_started == fault_epoch && batch_ == fault_batch;
    if (faulty && short_rows > 0) n = short_rows;
    if (faulty && extra_rows > 0) n = max_rows + extra_rows;
    if (!faulty || extra_rows == 0) {
      std::memcpy(batch, data_.data() + std::int64_t{next_row_} * cols_,
                  sizeof(float) * static_cast<std::size_t>(n) * static_cast<std::size_t>(cols_));
    }
    if (faulty && nan_at >= 0) batch[nan_at] = std::numeric_limits<float>::quiet_NaN();
    if (faulty && empty_epoch) n = 0;
    next_row_ += n;
    *rows = n;
    return Status();
  }

  // A fault in batch fault_batch (1-based) of epoch fault_epoch.
  std::int32_t fault_epoch = 0;
  std::int32_t fault_batch = 0;
  std::int32_t short_rows = 0;   // that batch has this many rows
  std::int32_t extra_rows = 0;   // that batch claims max_rows + extra_rows
  std::int32_t nan_at = -1;      // that batch has a NaN at this index
  bool empty_epoch = false;      // that batch (the first) is empty
  std::int32_t fail_start_epoch = 0;
  std::int32_t epochs_started = 0;

 private:
  const std::vector<float>& data_;
  std::int32_t rows_;
  std::int32_t cols_;
  std::int32_t next_row_ = 0;
  std::int32_t batch_ = 0;
};

const NetworkSpec kSparse = NetworkSpec(Shape::vector(20))
                                .dense(6, Activation::sigmoid)
                                .code()
                                .dense(20, Activation::sigmoid);

TrainConfig stream_config() {
  TrainConfig config;
  config.optimizer = Optimizer::adam;
  config.learning_rate = 0.01f;
  config.batch_size = 16;
  config.epochs = 3;
  config.shuffle = false;  // the in-memory fit then takes its rows in the stream's order
  config.sparsity_weight = 3.0f;
  config.sparsity_target = 0.05f;
  config.weight_decay = 1e-4f;
  return config;
}

std::vector<float> parameters_of(const Network& net) {
  const float* p = net.parameters();
  return std::vector<float>(p, p + net.spec().parameter_floats());
}

struct Trained {
  Status status;
  std::vector<float> weights;
  std::vector<double> losses;  // per epoch
};

bool record_loss(const EpochStats& stats, void* user) {
  static_cast<std::vector<double>*>(user)->push_back(stats.train.loss);
  return true;
}

Trained fit_stream(const TrainConfig& config, ArrayStream& stream) {
  OwnedArena memory(arena_bytes(kSparse, config));
  Network net;
  REQUIRE(net.setup(kSparse, config, memory.arena).ok());
  Trained t;
  t.status = net.fit(stream, record_loss, &t.losses);
  t.weights = parameters_of(net);
  return t;
}

Trained fit_array(const TrainConfig& config, const std::vector<float>& x, std::int32_t rows) {
  OwnedArena memory(arena_bytes(kSparse, config));
  Network net;
  REQUIRE(net.setup(kSparse, config, memory.arena).ok());
  Trained t;
  t.status = net.fit(x.data(), rows, 20, record_loss, &t.losses);
  t.weights = parameters_of(net);
  return t;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a streamed fit gives the in-memory fit's weights for the same order", "[stream]") {
  const std::int32_t rows = 100;  // 6 full batches and one of 4
  const std::vector<float> x = random_values(static_cast<std::size_t>(rows) * 20, 0.0f, 1.0f, 11);
  for (const bool denoising : {false, true}) {
    TrainConfig config = stream_config();
    if (denoising) config.noise_stddev = 0.2f;
    const Trained want = fit_array(config, x, rows);
    REQUIRE(want.status.ok());
    ArrayStream stream(x, rows, 20);
    const Trained got = fit_stream(config, stream);
    INFO((denoising ? "denoising" : "plain") << ": " << got.status.message());
    REQUIRE(got.status.ok());
    CHECK(stream.epochs_started == config.epochs);
    CHECK(same_bits(got.weights, want.weights));
    CHECK(got.losses == want.losses);
    // It learned: the cost fell.
    CHECK(got.losses.back() < got.losses.front());
  }
}

TEST_CASE("a streamed fit's weights do not depend on the number of threads", "[stream][threads]") {
  const std::int32_t rows = 96;
  const std::vector<float> x = random_values(static_cast<std::size_t>(rows) * 20, 0.0f, 1.0f, 12);
  TrainConfig config = stream_config();
  config.batch_size = 32;
  config.batch_parts = 4;
  config.threads = 1;
  ArrayStream one_stream(x, rows, 20);
  const Trained one = fit_stream(config, one_stream);
  REQUIRE(one.status.ok());
  for (std::int32_t threads : {2, 4}) {
    config.threads = threads;
    ArrayStream stream(x, rows, 20);
    const Trained many = fit_stream(config, stream);
    INFO(threads << " threads");
    REQUIRE(many.status.ok());
    CHECK(same_bits(many.weights, one.weights));
  }
}

TEST_CASE("a stream that goes wrong stops training with the last complete epoch's weights",
          "[stream][bad-input]") {
  const std::int32_t rows = 64;  // 4 batches of 16
  const std::vector<float> x = random_values(static_cast<std::size_t>(rows) * 20, 0.0f, 1.0f, 13);
  TrainConfig one_epoch = stream_config();
  one_epoch.epochs = 1;
  ArrayStream clean(x, rows, 20);
  const Trained after_epoch_1 = fit_stream(one_epoch, clean);
  REQUIRE(after_epoch_1.status.ok());

  struct Case {
    const char* name;
    void (*arm)(ArrayStream&);
    StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"short batch before the end", [](ArrayStream& s) { s.fault_batch = 2; s.short_rows = 5; },
       StatusCode::invalid_argument, "short batch (5 of 16 rows) before the end of the epoch"},
      {"NaN in a batch", [](ArrayStream& s) { s.fault_batch = 3; s.nan_at = 20 * 7 + 4; },
       StatusCode::non_finite, "row 7 holds nan at column 4"},
      {"more rows than the batch", [](ArrayStream& s) { s.fault_batch = 1; s.extra_rows = 1; },
       StatusCode::invalid_argument, "gave 17 rows; a batch holds 0 to 16"},
      {"empty epoch", [](ArrayStream& s) { s.fault_batch = 1; s.empty_epoch = true; },
       StatusCode::invalid_argument, "epoch is empty"},
      {"the stream's own error", [](ArrayStream& s) { s.fail_start_epoch = 2; },
       StatusCode::io_error, "the link is down"},
  };
  for (const Case& c : cases) {
    ArrayStream stream(x, rows, 20);
    stream.fault_epoch = 2;
    c.arm(stream);
    const Trained got = fit_stream(stream_config(), stream);
    INFO(c.name << ": " << got.status.message());
    CHECK(got.status.code() == c.code);
    CHECK_THAT(std::string(got.status.message()), Catch::Contains(c.message));
    CHECK_THAT(std::string(got.status.message()),
               Catch::Contains("stream epoch 2") && Catch::Contains("kept the weights of epoch 1"));
    CHECK(same_bits(got.weights, after_epoch_1.weights));
  }
  // A short last batch is an epoch's end, not an error.
  ArrayStream ragged(x, 57, 20);  // 3 batches of 16 and one of 9
  const Trained three = fit_stream(stream_config(), ragged);
  INFO(three.status.message());
  CHECK(three.status.ok());
  CHECK(ragged.epochs_started == 3);
}

TEST_CASE("a streamed fit needs a first-order optimizer and a trainable network", "[stream][bad-input]") {
  const std::vector<float> x = random_values(32 * 20, 0.0f, 1.0f, 14);
  TrainConfig lbfgs = stream_config();
  lbfgs.optimizer = Optimizer::lbfgs;
  ArrayStream stream(x, 32, 20);
  const Trained got = fit_stream(lbfgs, stream);
  CHECK(got.status.code() == StatusCode::invalid_argument);
  CHECK_THAT(std::string(got.status.message()), Catch::Contains("lbfgs"));
  CHECK(stream.epochs_started == 0);

  OwnedArena memory(arena_bytes(kSparse, 16));
  Network inference;
  REQUIRE(inference.setup(kSparse, 16, memory.arena).ok());
  CHECK(inference.fit(stream).code() == StatusCode::invalid_argument);
  Network never_set_up;
  CHECK_THAT(std::string(never_set_up.fit(stream).message()), Catch::Contains("not set up"));
}
