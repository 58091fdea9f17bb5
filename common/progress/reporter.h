// ProgressReporter: turns samples of a backlog (bytes left, events done)
// into rates and an ETA, and says when to log them: every few seconds while
// behind, once when caught up, silent otherwise. Used by trace-tail and
// trace-index alike; pure logic on times passed in (tests need no clock).
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "common/progress/progress.h"

namespace trace::progress {

class ProgressReporter {
 public:
  struct Options {
    int64_t log_every_ms = 5000;
    int64_t window_ms = 10000;  // rates are over the samples of this window
  };
  ProgressReporter() : ProgressReporter(Options{}) {}
  explicit ProgressReporter(Options options) : options_(options) {}

  // One sample: p's counts as of now_ms (its rates and ETA are filled here).
  void Update(int64_t now_ms, const Progress& p);
  const Progress& current() const { return current_; }
  // Whether a log line is due now; true at most once per log_every_ms while
  // behind, and once when the backlog reaches 0.
  bool LogDue(int64_t now_ms);
  // Writes the current line: msg "progress" (files, bytes_done, bytes_left,
  // events, events_per_s, bytes_per_s, eta_s, percent) or "caught up".
  void Log() const;

 private:
  struct Sample {
    int64_t ms;
    uint64_t events, bytes_done;
  };
  const Options options_;
  std::deque<Sample> samples_;
  Progress current_;
  int64_t last_log_ms_ = 0;
  bool logged_behind_ = false;  // a "caught up" line is owed
};

}  // namespace trace::progress
