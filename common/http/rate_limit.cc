// Token buckets keyed by client address.
#include "common/http/rate_limit.h"

#include <algorithm>

namespace trace {

RateLimiter::RateLimiter(double rate, double burst) : rate_(rate), burst_(std::max(burst, 1.0)) {}

bool RateLimiter::Allow(std::string_view key, int64_t now_ms) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mu_);
  Sweep(now_ms);
  auto [it, fresh] = buckets_.try_emplace(std::string(key), Bucket{burst_, now_ms});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - b.last_ms)) / 1000.0;
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.last_ms = now_ms;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void RateLimiter::Sweep(int64_t now_ms) {
  // A bucket idle for the time it takes to refill completely is equivalent
  // to a fresh one: drop it.
  int64_t full_ms = static_cast<int64_t>(burst_ / rate_ * 1000.0) + 1000;
  if (now_ms - last_sweep_ms_ < full_ms) return;
  last_sweep_ms_ = now_ms;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = now_ms - it->second.last_ms > full_ms ? buckets_.erase(it) : std::next(it);
  }
}

}  // namespace trace
