// See reporter.h. Rates are the change between the oldest and newest
// samples of the window, so one slow commit does not swing the ETA.
#include "common/progress/reporter.h"

#include <cmath>

#include "common/base/log.h"

namespace trace::progress {

void ProgressReporter::Update(int64_t now_ms, const Progress& p) {
  current_ = p;
  current_.updated_ms = now_ms;
  uint64_t done = p.bytes_total - std::min(p.bytes_left, p.bytes_total);
  samples_.push_back({now_ms, p.events, done});
  while (samples_.size() > 2 && now_ms - samples_[1].ms >= options_.window_ms) samples_.pop_front();
  const Sample& a = samples_.front();
  const Sample& b = samples_.back();
  double dt = static_cast<double>(b.ms - a.ms) / 1000.0;
  if (dt >= 0.5) {
    current_.events_per_s =
        b.events >= a.events ? static_cast<double>(b.events - a.events) / dt : 0;
    current_.bytes_per_s =
        b.bytes_done >= a.bytes_done ? static_cast<double>(b.bytes_done - a.bytes_done) / dt : 0;
  }
  current_.eta_s = -1;
  if (current_.bytes_left == 0) {
    current_.eta_s = 0;
  } else if (current_.bytes_per_s > 0) {
    current_.eta_s = static_cast<int64_t>(
        std::ceil(static_cast<double>(current_.bytes_left) / current_.bytes_per_s));
  }
}

bool ProgressReporter::LogDue(int64_t now_ms) {
  if (current_.caught_up()) {
    if (!logged_behind_) return false;
    logged_behind_ = false;
    return true;
  }
  if (logged_behind_ && now_ms - last_log_ms_ < options_.log_every_ms) return false;
  logged_behind_ = true;
  last_log_ms_ = now_ms;
  return true;
}

void ProgressReporter::Log() const {
  const Progress& p = current_;
  if (p.caught_up()) {
    log::Info("caught up", {{"files", p.files}, {"bytes", p.bytes_total}, {"events", p.events}});
    return;
  }
  log::Info("progress", {{"files", p.files},
                         {"files_behind", p.files_behind},
                         {"bytes_done", p.bytes_total - p.bytes_left},
                         {"bytes_left", p.bytes_left},
                         {"events", p.events},
                         {"events_per_s", std::round(p.events_per_s)},
                         {"bytes_per_s", std::round(p.bytes_per_s)},
                         {"eta_s", p.eta_s},
                         {"percent", std::round(p.percent() * 10) / 10}});
}

}  // namespace trace::progress
