// Token counts: the four counters of Claude's usage record plus the number of
// API messages they came from. One type for the aggregates, the store's usage
// buckets and the price table (common/pricing), so a counter added here
// reaches every report.
#pragma once

#include <cstdint>
#include <string>

namespace trace {

struct TokenCounts {
  uint64_t input = 0, output = 0, cache_creation = 0, cache_read = 0;
  uint64_t messages = 0;
  // sign > 0 adds o; sign < 0 subtracts it, never below zero.
  void Add(const TokenCounts& o, int sign = 1);
  uint64_t Total() const { return input + output + cache_creation + cache_read; }
  bool operator==(const TokenCounts&) const = default;
};

// One usage bucket as the store keeps it (proto/storage.md "Usage buckets"):
// tokens per (session or day) x model x tier. Cost is applied at read time.
struct UsageBucket {
  std::string session_id;  // empty for per-day buckets
  std::string day;         // "YYYY-MM-DD" (UTC); empty for session x model buckets
  std::string model;
  std::string tier;  // "standard" | "long"
  TokenCounts tokens;
};

}  // namespace trace
