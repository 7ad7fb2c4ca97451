#include "training_log.hpp"

namespace tinyae::cli {
namespace {

// Plain lines for every epoch of a short run, about twenty for a long one.
bool prints_line(const EpochStats& s) {
  return s.epochs <= 50 || s.epoch % (s.epochs / 20) == 0 || s.epoch == s.epochs;
}

}  // namespace

TrainingLog::TrainingLog(std::FILE* out, bool terminal, std::FILE* csv)
    : out_(out), terminal_(terminal), csv_(csv), start_(Clock::now()), epoch_start_(start_),
      last_draw_(start_ - std::chrono::seconds(1)) {}

double TrainingLog::seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

bool TrainingLog::on_epoch(const EpochStats& s, void* user) {
  auto* log = static_cast<TrainingLog*>(user);
  const Clock::time_point now = Clock::now();
  const double epoch_seconds = std::chrono::duration<double>(now - log->epoch_start_).count();
  log->epoch_start_ = now;
  log->losses_.push_back(s.train.loss);
  log->sse_.push_back(s.train.sse);
  if (log->csv_ != nullptr) {
    std::fprintf(log->csv_, "%d,%.9g,%.9g,%.9g,%.6f\n", s.epoch, s.train.loss, s.train.mse, s.train.sse,
                 std::chrono::duration<double>(now - log->start_).count());
  }
  if (prints_line(s)) {
    // On a terminal the line replaces the bar, which is drawn again below it.
    std::fprintf(log->out_, "%sepoch %d/%d  loss %.6f  mse %.6f  %.0f samples/s\n",
                 log->terminal_ && log->drawn_ ? "\r\033[K" : "", s.epoch, s.epochs, s.train.loss,
                 s.train.mse, epoch_seconds > 0 ? double(s.train.samples) / epoch_seconds : 0.0);
    log->drawn_ = false;
  }
  std::fflush(log->out_);
  return true;
}

void TrainingLog::on_step(const Progress& p, void* user) {
  auto* log = static_cast<TrainingLog*>(user);
  if (!log->terminal_) return;
  const Clock::time_point now = Clock::now();
  if (now - log->last_draw_ < std::chrono::milliseconds(100)) return;  // at most 10 redraws a second
  log->last_draw_ = now;
  log->draw_bar(p, now);
}

void TrainingLog::draw_bar(const Progress& p, Clock::time_point now) {
  const double total = double(p.epochs) * double(p.samples_total);
  const double done = double(p.epoch - 1) * double(p.samples_total) + double(p.samples_done);
  const double fraction = total > 0 ? done / total : 1.0;
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  const double epoch_seconds = std::chrono::duration<double>(now - epoch_start_).count();
  std::fprintf(out_, "\r[%.*s%.*s] %3d%%  epoch %d/%d  loss %.5f  %.0f samples/s\033[K", filled,
               "##############################", width - filled, "..............................",
               static_cast<int>(fraction * 100), p.epoch, p.epochs, p.loss,
               epoch_seconds > 0 ? double(p.samples_done) / epoch_seconds : 0.0);
  std::fflush(out_);
  drawn_ = true;
}

}  // namespace tinyae::cli
