// The trainer: the epoch loop over an explicit BatchSource (each batch, its noise,
// one train_batch, progress), the in-memory source that fit uses (a new pseudo-random
// order each epoch, drawn from the config's seed), and the L-BFGS objective (the
// full batch through train_batch without an update).
#include "trainer.hpp"

#include <cmath>

#include "lbfgs.hpp"
#include "loss.hpp"
#include "random.hpp"

namespace tinyae::detail {
namespace {

// What an epoch callback gets: sse over the epoch's rows, the objective, the bce.
EpochStats epoch_stats(const TrainConfig& config, std::int32_t epoch, std::int64_t rows,
                       std::int32_t outputs, double sse, double objective, double bce) {
  EpochStats stats;
  stats.epoch = epoch;
  stats.epochs = config.epochs;
  ErrorSums sums;
  sums.sse = sse;
  sums.samples = rows;
  stats.train = make_metrics(config.loss, sums, outputs);
  stats.train.loss = objective;
  stats.train.bce = bce;
  return stats;
}

void report_progress(const TrainCallbacks& callbacks, std::int32_t epoch, std::int32_t epochs,
                     std::int64_t done, std::int64_t total, double loss) {
  if (callbacks.progress == nullptr) return;
  Progress p;
  p.epoch = epoch;
  p.epochs = epochs;
  p.samples_done = done;
  p.samples_total = total;
  p.loss = loss;
  callbacks.progress(p, callbacks.user);
}

// The rows given to fit, in order or in a new pseudo-random order each epoch. A
// shuffled batch of one row is used in place; the parts gather a larger one's rows
// into the input batch themselves.
class RowBatches final : public BatchSource {
 public:
  RowBatches(const float* data, std::int32_t rows, std::int32_t cols, bool shuffle,
             float* input_batch, std::uint64_t seed)
      : data_(data), rows_(rows), cols_(cols), shuffle_(shuffle), input_batch_(input_batch),
        rng_(seed, kStreamShuffle) {}

  std::int64_t rows() const override { return rows_; }

  void start_epoch() override {
    order_ = Permutation();
    if (shuffle_) order_ = Permutation(static_cast<std::uint32_t>(rows_), rng_);
    start_ = 0;
  }

  std::int32_t next(std::int32_t max_rows, Batch* out) override {
    const std::int32_t start = start_;
    if (start >= rows_) return 0;
    const std::int32_t batch = rows_ - start < max_rows ? rows_ - start : max_rows;
    start_ += batch;
    out->rows = batch;
    out->input = data_ + std::int64_t{start} * cols_;
    out->gather.data = nullptr;
    if (shuffle_ && batch == 1) {
      out->input = data_ + std::int64_t{order_(static_cast<std::uint32_t>(start))} * cols_;
    } else if (shuffle_) {
      out->gather = GatherRows{data_, &order_, start};
      out->input = input_batch_;
    }
    return batch;
  }

 private:
  const float* data_;
  std::int32_t rows_;
  std::int32_t cols_;
  bool shuffle_;
  float* input_batch_;
  Pcg32 rng_;
  Permutation order_;
  std::int32_t start_ = 0;
};

// A caller's BatchStream, each batch checked as it arrives and written into the input
// batch: an error (the stream's, or a batch that does not fit) ends with a negative
// count and a message naming the epoch and batch.
class StreamBatches final : public BatchSource {
 public:
  StreamBatches(BatchStream& stream, std::int32_t cols, float* input_batch)
      : stream_(stream), cols_(cols), input_batch_(input_batch) {}

  std::int64_t rows() const override { return stream_.rows_per_epoch(); }

  void start_epoch() override {
    ++epoch_;
    batch_ = 0;
    short_rows_ = 0;
    started_ = stream_.start_epoch();
  }

  std::int32_t next(std::int32_t max_rows, Batch* out) override {
    if (!started_.ok()) return fail(started_);
    std::int32_t rows = -1;
    Status s = stream_.next(input_batch_, max_rows, cols_, &rows);
    if (!s.ok()) return fail(s);
    if (rows < 0 || rows > max_rows) {
      return fail(Status::error(StatusCode::invalid_argument, "the stream gave ", rows,
                                " rows; a batch holds 0 to ", max_rows));
    }
    if (rows == 0 && batch_ == 0) {
      return fail(Status::error(StatusCode::invalid_argument, "the stream's epoch is empty"));
    }
    if (rows > 0 && short_rows_ > 0) {
      return fail(Status::error(StatusCode::invalid_argument, "the stream gave a short batch (",
                                short_rows_, " of ", max_rows,
                                " rows) before the end of the epoch; only an epoch's last batch "
                                "may be short"));
    }
    if (rows == 0) return 0;
    ++batch_;
    const std::int64_t n = std::int64_t{rows} * cols_;
    for (std::int64_t i = 0; i < n; ++i) {
      if (!std::isfinite(input_batch_[i])) {
        return fail(Status::error(StatusCode::non_finite, "the stream's row ",
                                  i / cols_, " holds ", input_batch_[i], " at column ", i % cols_));
      }
    }
    if (rows < max_rows) short_rows_ = rows;
    out->rows = rows;
    out->input = input_batch_;
    out->gather.data = nullptr;
    return rows;
  }

  Status error() const override { return error_; }

 private:
  // Keeps the error, prefixed with where it happened and what training kept.
  std::int32_t fail(const Status& cause) {
    error_ = Status::error(cause.code(), "stream epoch ", epoch_, " batch ", batch_ + 1, ": ",
                           cause.message(), "; kept the weights of epoch ", epoch_ - 1);
    return -1;
  }

  BatchStream& stream_;
  std::int32_t cols_;
  float* input_batch_;
  Status started_;  // of the stream's start_epoch
  Status error_;
  std::int32_t epoch_ = 0;
  std::int32_t batch_ = 0;       // batches given in this epoch
  std::int32_t short_rows_ = 0;  // rows of this epoch's short batch, once there was one
};

// L-BFGS's objective: the training objective over all rows as one batch.
class FullBatchObjective final : public LbfgsObjective {
 public:
  FullBatchObjective(const Model& model, const float* data, std::int32_t rows,
                     const TrainCallbacks& callbacks)
      : model_(model), data_(data), rows_(rows), callbacks_(callbacks) {}

  double evaluate() override { return full_batch_objective(model_, data_, rows_, &sse_); }

  bool iteration_done(std::int32_t iteration, double f) override {
    const TrainConfig& config = model_.config();
    report_progress(callbacks_, iteration, config.epochs, rows_, rows_, f);
    if (callbacks_.epoch == nullptr) return true;
    // bce is not tracked apart from the objective here.
    const auto d = static_cast<std::int32_t>(model_.spec.output().size());
    return callbacks_.epoch(epoch_stats(config, iteration, rows_, d, sse_, f, std::nan("")),
                            callbacks_.user);
  }

 private:
  const Model& model_;
  const float* data_;
  std::int32_t rows_;
  const TrainCallbacks& callbacks_;
  double sse_ = 0;  // of the last evaluation: the accepted point's once accepted
};

}  // namespace

template <class Source>
Status train_epochs(const Model& m, Source& source, const TrainCallbacks& callbacks) {
  const TrainConfig& config = m.config();
  TrainState& t = m.train();
  const std::int64_t params = m.spec.parameter_floats();
  const auto d = static_cast<std::int32_t>(m.spec.output().size());
  Pcg32 noise_rng(config.seed, kStreamNoise);
  copy(m.parameters, params, t.last_good);

  for (std::int32_t epoch = 1; epoch <= config.epochs; ++epoch) {
    source.start_epoch();
    double loss_sum = 0;
    double sse = 0;
    std::int64_t done = 0;
    bool finite = true;
    Batch batch;
    std::int32_t got = 0;
    while (finite && (got = source.next(m.state.max_batch, &batch)) > 0) {
      batch.target = batch.input;
      if (t.noisy_batch != nullptr) {
        batch.noise = NoiseRows{t.noisy_batch, config.noise_stddev, config.clip_noisy_input,
                                noise_key(&noise_rng)};
      }
      const double batch_loss = train_batch(m, batch, true, &sse);
      done += batch.rows;
      finite = std::isfinite(batch_loss);
      loss_sum += batch_loss;
      if (finite) {
        report_progress(callbacks, epoch, config.epochs, done, source.rows(),
                        loss_sum / static_cast<double>(done));
      }
    }
    if (got < 0) {
      copy(t.last_good, params, m.parameters);
      return source.error();
    }
    if (!finite || !all_finite(m.parameters, params)) {
      copy(t.last_good, params, m.parameters);
      return Status::error(StatusCode::diverged, "training diverged in epoch ", epoch,
                           " (loss or weights became NaN/Inf); kept the weights of epoch ",
                           epoch - 1, "; try a smaller learning rate");
    }
    copy(m.parameters, params, t.last_good);
    if (callbacks.epoch != nullptr) {
      const auto rows = static_cast<double>(done);
      const double bce = config.loss == Loss::bce ? loss_sum / rows : std::nan("");
      const EpochStats stats = epoch_stats(config, epoch, done, d, sse,
                                           loss_sum / rows + weight_decay_cost(m), bce);
      if (!callbacks.epoch(stats, callbacks.user)) break;
    }
  }
  return Status();
}

template Status train_epochs<BatchSource>(const Model&, BatchSource&, const TrainCallbacks&);

Status fit_rows(const Model& m, const float* data, std::int32_t rows,
                const TrainCallbacks& callbacks) {
  const TrainConfig& config = m.config();
  TrainState& t = m.train();
  const std::int32_t max_batch = m.state.max_batch;
  if (config.optimizer == Optimizer::lbfgs) {
    if (rows > max_batch) {
      return Status::error(StatusCode::invalid_argument, "lbfgs works on the full batch, but the ",
                           rows, " rows exceed the batch size ", max_batch,
                           "; set the batch size to at least the number of rows");
    }
    FullBatchObjective objective(m, data, rows, callbacks);
    LbfgsProblem p;
    p.x = m.parameters;
    p.gradient = t.gradients;
    p.best = t.last_good;
    p.n = m.spec.parameter_floats();
    p.memory = config.lbfgs_memory;
    p.iterations = config.epochs;
    return lbfgs_minimize(objective, p, t.lbfgs);
  }
  // A full batch gains nothing from a new order.
  const bool shuffle = config.shuffle && rows > max_batch;
  RowBatches source(data, rows, static_cast<std::int32_t>(m.spec.input.size()), shuffle,
                    t.input_batch, config.seed);
  return train_epochs(m, source, callbacks);
}

Status fit_stream(const Model& m, BatchStream& stream, const TrainCallbacks& callbacks) {
  if (m.config().optimizer == Optimizer::lbfgs) {
    return Status::error(StatusCode::invalid_argument,
                         "lbfgs works on the full batch in memory, not on a stream; use sgd, "
                         "momentum or adam");
  }
  StreamBatches source(stream, static_cast<std::int32_t>(m.spec.input.size()),
                       m.train().input_batch);
  return train_epochs(m, source, callbacks);
}

}  // namespace tinyae::detail
