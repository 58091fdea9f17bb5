// Per-client request rate limiting: one token bucket per key (the peer
// address). Buckets idle longer than a full refill (plus a second) are forgotten so a
// flood of distinct addresses cannot grow memory without bound. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace trace {

class RateLimiter {
 public:
  // rate: requests per second allowed on average (0 disables the limiter);
  // burst: how many may come at once.
  RateLimiter(double rate, double burst);
  // Takes one token for key at time now_ms; false when the bucket is empty.
  bool Allow(std::string_view key, int64_t now_ms);
  bool enabled() const { return rate_ > 0; }

 private:
  struct Bucket {
    double tokens;
    int64_t last_ms;
  };
  void Sweep(int64_t now_ms);

  const double rate_, burst_;
  std::mutex mu_;  // guards buckets_, last_sweep_ms_
  std::unordered_map<std::string, Bucket> buckets_;
  int64_t last_sweep_ms_ = 0;
};

}  // namespace trace
