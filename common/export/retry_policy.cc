// See retry_policy.h.
#include "common/export/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

namespace trace::exporter {

Outcome Classify(int status) {
  if (status >= 200 && status < 300) return Outcome::kAccepted;
  if (status == 0 || status == 429 || status == 502 || status == 503 || status == 504)
    return Outcome::kRetry;
  return Outcome::kRejected;
}

namespace {

std::optional<int64_t> HttpDateMs(std::string_view value) {
  // IMF-fixdate, the only form senders may generate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::string text(value);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_ms) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size())
    return seconds < 0 ? std::nullopt
                       : std::optional<int64_t>(std::min<int64_t>(seconds, 1 << 30) * 1000);
  auto at = HttpDateMs(value);
  if (!at) return std::nullopt;
  return std::max<int64_t>(0, *at - now_ms);
}

RetrySchedule::RetrySchedule(Options options, NowFn now)
    : options_(options), now_(std::move(now)) {}

void RetrySchedule::Failed(std::optional<int64_t> retry_after_ms) {
  int64_t delay = options_.initial_ms;
  for (int i = 0; i < failures_ && delay < options_.max_ms; ++i) delay *= 2;
  delay = std::min(delay, options_.max_ms);
  if (retry_after_ms) delay = std::min(*retry_after_ms, options_.max_retry_after_ms);
  ++failures_;
  next_ms_ = now_() + delay;
}

void RetrySchedule::Succeeded() {
  failures_ = 0;
  next_ms_ = 0;
}

int64_t RetrySchedule::WaitMs() const { return std::max<int64_t>(0, next_ms_ - now_()); }

}  // namespace trace::exporter
