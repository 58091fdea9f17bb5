// Token counts: the four counters of Claude's usage record, the cache-write
// total split into its 5-minute and 1-hour tiers, and the number of API
// messages they came from. One type for the aggregates, the store's usage
// buckets and the price table (common/pricing), so a counter added here
// reaches every report.
#pragma once

#include <cstdint>
#include <string>

namespace trace {

struct TokenCounts {
  uint64_t input = 0, output = 0, cache_creation = 0, cache_read = 0;
  uint64_t messages = 0;
  // cache_creation split by cache lifetime (usage.cache_creation.
  // ephemeral_5m/1h_input_tokens); cache_creation stays the total. A record
  // or stored bucket with only the total reads as 5m = total, 1h = 0. Last,
  // so the positional {input, output, cache_creation, cache_read, messages}
  // still means what it says.
  uint64_t cache_creation_5m = 0, cache_creation_1h = 0;
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

// A 15-minute usage slot as the store keeps it (proto/storage.md
// "usage_by_slot"): tokens per slot x session x model x tier, with the times
// of the first and last message in it. The usage reports group slots into
// local days, weeks, months and 5-hour blocks without reading events.
inline constexpr int64_t kUsageSlotMs = 15 * 60 * 1000;
struct UsageSlot {
  int64_t slot_ms = 0;  // slot start, ms epoch, a multiple of kUsageSlotMs
  std::string session_id, model, tier;
  TokenCounts tokens;
  int64_t first_ts = 0, last_ts = 0;  // ms epoch of the first and last message
  int64_t reported_cost_nanos = 0;    // Claude Code's own cost_usd (OTel), nano-USD
};

// Who ran a session and on which machine (its aggregate's user and host):
// how the usage reports join slots to users and hosts.
struct SessionOrigin {
  std::string session_id, user, host;
};

}  // namespace trace
