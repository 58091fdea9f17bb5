// 5-hour blocks, worked out by hand: a block is [floor_hour(first message),
// +5 h); a message at or after its end starts the next one; the active
// block's burn rate runs from its first message to now.
#include "common/usage/usage_blocks.h"

#include <gtest/gtest.h>

#include "common/usage/usage_test_util.h"

namespace trace {
namespace {

using testing::MessageAt;
using testing::TestPrices;

int64_t Ms(const char* s) { return *ParseRfc3339Ms(s); }
constexpr int64_t kLongAfter = 4102444800000;  // 2100-01-01: no block is active

TEST(UsageBlocksTest, FloorsToTheHourAndAMessageAtTheEndStartsTheNext) {
  std::vector<UsageSlot> slots = {
      MessageAt("2026-03-10T10:20:00Z", 1), MessageAt("2026-03-10T14:59:59Z", 2),
      MessageAt("2026-03-10T15:00:00Z", 4),  // exactly at 10:00 + 5 h
      MessageAt("2026-03-10T19:59:59Z", 8), MessageAt("2026-03-10T20:10:00Z", 16)};
  auto blocks = BuildBlocks(slots, TestPrices(), kLongAfter);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].start_ms, Ms("2026-03-10T10:00:00Z"));
  EXPECT_EQ(blocks[0].end_ms, Ms("2026-03-10T15:00:00Z"));
  EXPECT_EQ(blocks[0].totals.tokens.input, 1u + 2u);
  EXPECT_EQ(blocks[0].totals.last_ts, Ms("2026-03-10T14:59:59Z"));
  EXPECT_EQ(blocks[1].start_ms, Ms("2026-03-10T15:00:00Z"));
  EXPECT_EQ(blocks[1].totals.tokens.input, 4u + 8u);
  EXPECT_EQ(blocks[2].start_ms, Ms("2026-03-10T20:00:00Z"));  // 20:10 floored
  EXPECT_EQ(blocks[2].totals.tokens.input, 16u);
  for (const auto& b : blocks) EXPECT_FALSE(b.active);
}

// Gaps: 4 h 59 min after a message at 08:00 is still inside 08:00-13:00; a
// gap of exactly 5 h (08:00 -> 13:00) and one just over (12:59 -> 18:00) start
// new blocks.
TEST(UsageBlocksTest, GapsJustUnderAndOverFiveHours) {
  auto under =
      BuildBlocks({MessageAt("2026-03-10T08:00:00Z", 1), MessageAt("2026-03-10T12:59:00Z", 1),
                   MessageAt("2026-03-10T18:00:00Z", 1)},
                  TestPrices(), kLongAfter);
  ASSERT_EQ(under.size(), 2u);
  EXPECT_EQ(under[0].totals.tokens.messages, 2u);
  EXPECT_EQ(under[1].start_ms, Ms("2026-03-10T18:00:00Z"));
  auto exact =
      BuildBlocks({MessageAt("2026-03-10T08:00:00Z", 1), MessageAt("2026-03-10T13:00:00Z", 1)},
                  TestPrices(), kLongAfter);
  ASSERT_EQ(exact.size(), 2u);
  EXPECT_EQ(exact[1].start_ms, Ms("2026-03-10T13:00:00Z"));
  // A gap over 5 h with the block long over: the next block starts at its own hour.
  auto over =
      BuildBlocks({MessageAt("2026-03-10T08:45:00Z", 1), MessageAt("2026-03-10T13:46:00Z", 1)},
                  TestPrices(), kLongAfter);
  ASSERT_EQ(over.size(), 2u);
  EXPECT_EQ(over[1].start_ms, Ms("2026-03-10T13:00:00Z"));
}

// Active block 10:00-15:00, now 12:00. Messages 10:20 (1000 tokens) and 11:50
// (2000). Since the first message: 100 min, 3000 tokens = 30 tokens/min;
// 180 min left -> 3000 + 30 * 180 = 8400 projected. Cost at $3/M input:
// $0.009 so far = $0.0054/h; projected 0.009 + 0.0054 * 3 = $0.0252.
TEST(UsageBlocksTest, ActiveBlockBurnRateAndProjection) {
  std::vector<UsageSlot> slots = {MessageAt("2026-03-10T03:00:00Z", 5000),
                                  MessageAt("2026-03-10T10:20:00Z", 1000),
                                  MessageAt("2026-03-10T11:50:00Z", 2000)};
  auto blocks = BuildBlocks(slots, TestPrices(), Ms("2026-03-10T12:00:00Z"));
  ASSERT_EQ(blocks.size(), 2u);
  const UsageBlock* active = ActiveBlock(blocks);
  ASSERT_NE(active, nullptr);
  EXPECT_EQ(active->start_ms, Ms("2026-03-10T10:00:00Z"));
  ASSERT_TRUE(active->projection.has_value());
  const BlockProjection& p = *active->projection;
  EXPECT_NEAR(p.tokens_per_minute, 30.0, 1e-9);
  EXPECT_EQ(p.remaining_ms, 180 * 60000);
  EXPECT_EQ(p.projected_tokens, 8400u);
  EXPECT_NEAR(p.cost_per_hour, 0.0054, 1e-12);
  EXPECT_NEAR(p.projected_cost, 0.0252, 1e-12);
  EXPECT_FALSE(blocks[0].active);
  EXPECT_EQ(LargestPastBlockTokens(blocks), 5000u);  // the active block does not count
}

TEST(UsageBlocksTest, EmptySlotsAreIgnored) {
  UsageSlot empty = MessageAt("2026-03-10T01:00:00Z", 0);
  empty.tokens.messages = 0;
  auto blocks =
      BuildBlocks({empty, MessageAt("2026-03-10T09:10:00Z", 1)}, TestPrices(), kLongAfter);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].start_ms, Ms("2026-03-10T09:00:00Z"));
}

}  // namespace
}  // namespace trace
