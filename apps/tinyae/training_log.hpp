// What `tinyae train` shows and records while it trains.
#pragma once

#include <chrono>
#include <cstdio>
#include <vector>

#include "tinyae/tinyae.hpp"

namespace tinyae::cli {

// Progress goes to `out` (stderr): when it is a terminal, one bar redrawn in place (at
// most ten times a second) with the epoch, percent done, the running loss and samples/s;
// otherwise one plain line per epoch (every epochs/20-th when there are more than 50).
// Every epoch is also a row of `csv` (epoch,loss,mse,sse,seconds) and kept in losses/sse.
class TrainingLog {
 public:
  TrainingLog(std::FILE* out, bool terminal, std::FILE* csv);

  // For Network::fit, with `this` as user.
  static bool on_epoch(const EpochStats& stats, void* user);
  static void on_step(const Progress& progress, void* user);

  double seconds() const;  // since construction
  const std::vector<double>& losses() const { return losses_; }
  const std::vector<double>& sse() const { return sse_; }

 private:
  using Clock = std::chrono::steady_clock;
  void draw_bar(const Progress& p, Clock::time_point now);

  std::FILE* out_;
  bool terminal_;
  std::FILE* csv_;
  Clock::time_point start_;
  Clock::time_point epoch_start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
  std::vector<double> losses_;
  std::vector<double> sse_;
};

}  // namespace tinyae::cli
