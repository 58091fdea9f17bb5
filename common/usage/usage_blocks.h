// 5-hour billing blocks (proto/usage.md "Blocks"): a block starts at the
// first message at or after the previous block's end, floored to the hour
// (UTC), and lasts 5 hours; the active block gets burn rate, projection and
// time left. Pure functions of usage slots, prices and "now".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/pricing/pricing.h"
#include "common/usage/usage_totals.h"

namespace trace {

inline constexpr int64_t kBlockMs = 5 * 3600 * 1000LL;

struct BlockProjection {
  double tokens_per_minute = 0;     // all tokens, over first message .. now
  double io_tokens_per_minute = 0;  // input + output only (ccusage's indicator)
  double cost_per_hour = 0;         // USD (priced part)
  uint64_t projected_tokens = 0;    // at block end, at that rate
  double projected_cost = 0;
  int64_t remaining_ms = 0;  // block end - now
};

struct UsageBlock {
  int64_t start_ms = 0, end_ms = 0;  // [start, end)
  CostedTokens totals;               // first_ts/last_ts = actual first/last message
  std::map<std::string, CostedTokens> models;
  bool active = false;
  std::optional<BlockProjection> projection;  // the active block only
};

// slots in time order (Store::UsageSlots); slots without messages are ignored.
std::vector<UsageBlock> BuildBlocks(const std::vector<UsageSlot>& slots, const PriceTable& prices,
                                    int64_t now_ms);
// The block containing now, if any.
const UsageBlock* ActiveBlock(const std::vector<UsageBlock>& blocks);
// The largest total_tokens of the blocks that are not active (token limit "max").
uint64_t LargestPastBlockTokens(const std::vector<UsageBlock>& blocks);

}  // namespace trace
