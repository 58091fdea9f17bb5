// See usage_blocks.h. Slots are 15 minutes and block edges whole hours, so a
// slot lies wholly inside one block: grouping slots is exact. ccusage also
// starts a block after a gap of 5 h with no message; inside a block every
// message is less than 5 h after its start, so that rule never fires on its own.
#include "common/usage/usage_blocks.h"

#include <algorithm>
#include <cmath>

#include "common/tz/civil.h"

namespace trace {

namespace {

constexpr int64_t kHourMs = 3600 * 1000LL;

void Project(UsageBlock& b, int64_t now_ms) {
  BlockProjection p;
  double minutes = std::max<double>(1.0, static_cast<double>(now_ms - b.totals.first_ts) / 60000.0);
  p.tokens_per_minute = static_cast<double>(b.totals.tokens.Total()) / minutes;
  p.io_tokens_per_minute =
      static_cast<double>(b.totals.tokens.input + b.totals.tokens.output) / minutes;
  p.cost_per_hour = b.totals.known_cost / minutes * 60.0;
  p.remaining_ms = b.end_ms - now_ms;
  double remaining_min = static_cast<double>(p.remaining_ms) / 60000.0;
  p.projected_tokens = b.totals.tokens.Total() +
                       static_cast<uint64_t>(std::llround(p.tokens_per_minute * remaining_min));
  p.projected_cost = b.totals.known_cost + p.cost_per_hour * remaining_min / 60.0;
  b.projection = p;
}

}  // namespace

std::vector<UsageBlock> BuildBlocks(const std::vector<UsageSlot>& slots, const PriceTable& prices,
                                    int64_t now_ms) {
  std::vector<UsageBlock> blocks;
  for (const UsageSlot& s : slots) {
    if (s.tokens.messages == 0 && s.tokens.Total() == 0) continue;
    int64_t at = s.first_ts != 0 ? s.first_ts : s.slot_ms;
    if (blocks.empty() || at >= blocks.back().end_ms) {
      UsageBlock b;
      b.start_ms = FloorDiv(at, kHourMs) * kHourMs;
      b.end_ms = b.start_ms + kBlockMs;
      blocks.push_back(std::move(b));
    }
    std::optional<double> cost = prices.Cost(s.model, s.tier, s.tokens);
    blocks.back().totals.Add(s, cost);
    blocks.back().models[s.model].Add(s, cost);
  }
  for (UsageBlock& b : blocks) {
    b.active = now_ms >= b.start_ms && now_ms < b.end_ms;
    if (b.active) Project(b, now_ms);
  }
  return blocks;
}

const UsageBlock* ActiveBlock(const std::vector<UsageBlock>& blocks) {
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    if (it->active) return &*it;
  }
  return nullptr;
}

uint64_t LargestPastBlockTokens(const std::vector<UsageBlock>& blocks) {
  uint64_t most = 0;
  for (const UsageBlock& b : blocks) {
    if (!b.active) most = std::max(most, b.totals.tokens.Total());
  }
  return most;
}

}  // namespace trace
