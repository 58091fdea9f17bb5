// Token and cost totals as the usage reports sum them: tokens of many usage
// slots plus their cost, priced per (model, tier) slot before summing so a
// long-context slot keeps its own rates; an unpriced model makes cost null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/event/tokens.h"
#include "common/json/json.h"
#include "common/pricing/pricing.h"

namespace trace {

struct CostedTokens {
  TokenCounts tokens;
  double known_cost = 0;                    // USD of the priced models
  std::vector<std::string> unknown_models;  // sorted, distinct; any makes Cost() null
  int64_t first_ts = 0, last_ts = 0;        // first and last message (0 = none)
  int64_t reported_cost_nanos = 0;          // Claude Code's own cost_usd (OTel requests)

  void Add(const UsageSlot& s, std::optional<double> cost);
  void Add(const CostedTokens& o);
  std::optional<double> Cost() const;
  bool Empty() const { return tokens.messages == 0 && tokens.Total() == 0; }
};

// The token members every usage JSON row carries (proto/usage.md).
void WriteCostedTokens(json::StringWriter& w, const CostedTokens& t);
// "$12.34", "$0.0012" below a cent, "?" when nothing is priced, "+?" suffix
// when part is unpriced.
std::string FormatUsd(const CostedTokens& t);
// 1234567 -> "1,234,567".
std::string Thousands(uint64_t n);
// 1234567 -> "1.2M", 12345 -> "12.3k", 999 -> "999".
std::string ShortCount(uint64_t n);

}  // namespace trace
