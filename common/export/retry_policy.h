// When an OTLP export is tried again (the OTLP/HTTP specification's rules):
// which answers are retryable, how Retry-After is read, and the exponential
// backoff between attempts. Pure logic over an injected clock, so tests
// drive time by hand. Owned by the exporter thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/base/clock.h"

namespace trace::exporter {

enum class Outcome {
  kAccepted,  // 2xx: the batch is the collector's (partial_success logged)
  kRetry,     // 429, 502, 503, 504, or no answer at all: the same batch again, later
  kRejected,  // any other status (400 above all): never retried, skipped and counted
};

// The outcome of an HTTP status; status 0 stands for a transport failure.
Outcome Classify(int status);

// Retry-After as delta-seconds or an HTTP-date (RFC 9110), in ms from now_ms;
// nullopt when absent or unreadable. A date in the past gives 0.
std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_ms);

class RetrySchedule {
 public:
  struct Options {
    int64_t initial_ms = 500;  // the first retry's delay
    int64_t max_ms = 30000;    // no computed delay above this
    // A collector's Retry-After is honoured up to this (a broken one saying
    // "a day" must not stall the export for a day).
    int64_t max_retry_after_ms = 300000;
  };
  RetrySchedule(Options options, NowFn now);

  // A failed attempt: the next one is due after the backoff (initial,
  // doubled per consecutive failure, capped), or after retry_after_ms when
  // the collector said so.
  void Failed(std::optional<int64_t> retry_after_ms = std::nullopt);
  // A batch went through (accepted or rejected): the next one is due now.
  void Succeeded();
  // ms until the next attempt may start; 0 = now.
  int64_t WaitMs() const;
  int failures() const { return failures_; }

 private:
  Options options_;
  NowFn now_;
  int failures_ = 0;
  int64_t next_ms_ = 0;
};

}  // namespace trace::exporter
