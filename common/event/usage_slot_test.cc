// The usage_by_slot table as the aggregator keeps it: a message counts once
// in the 15-minute slot of its first line; later lines add their growth to
// the same slot; a tier move (total input crossing 200k) moves the tokens
// between slot keys; slots of a day sum to the day's bucket.
#include <gtest/gtest.h>

#include <map>

#include "common/base/clock.h"
#include "common/event/aggregator.h"

namespace trace {
namespace {

struct Table {
  std::map<std::string, std::string> rows;  // key (NULs as '|') -> JSON
};

Table Dump(const AggregateState& s, AggTable which) {
  Table t;
  s.ForEach([&](AggTable table, const std::string& key, const std::string& json) {
    if (table != which) return;
    std::string k = key;
    for (char& c : k) c = c == '\0' ? '|' : c;
    t.rows[k] = json;
  });
  return t;
}

void Apply(AggregateState& s, const char* ts, const char* msg, uint64_t input, uint64_t output) {
  EventKeys keys;
  keys.span_id = std::string(msg) + ts;
  keys.kind = "transcript";
  keys.event_type = "assistant";
  keys.session_id = "s1";
  keys.timestamp_ms = *ParseRfc3339Ms(ts);
  EventFacts f(keys);
  f.assistant_turn = true;
  UsageFact u;
  u.message_key = msg;
  u.model = "claude-opus-4-6";
  u.counts = {input, output, 0, 0, 0};
  f.usage = u;
  ASSERT_TRUE(s.Apply(f).ok());
}

TEST(UsageSlotTest, FirstLineDecidesTheSlotAndGrowthStaysThere) {
  AggregateState s;
  Apply(s, "2026-03-29T10:14:59Z", "m1", 100, 5);
  Apply(s, "2026-03-29T10:15:01Z", "m1", 100, 40);  // same message, next slot's time: growth only
  Apply(s, "2026-03-29T10:15:00Z", "m2", 7, 1);     // exactly on the slot edge: the next slot
  Table slots = Dump(s, AggTable::kUsageBySlot);
  ASSERT_EQ(slots.rows.size(), 2u);
  const std::string a = slots.rows["2026-03-29T10:00|s1|claude-opus-4-6|standard"];
  const std::string b = slots.rows["2026-03-29T10:15|s1|claude-opus-4-6|standard"];
  auto ta = SlotTokens::FromJson(a), tb = SlotTokens::FromJson(b);
  ASSERT_TRUE(ta.ok() && tb.ok()) << a << b;
  EXPECT_EQ(ta->tokens.input, 100u);
  EXPECT_EQ(ta->tokens.output, 40u);  // the max seen, once
  EXPECT_EQ(ta->tokens.messages, 1u);
  EXPECT_EQ(ta->first_ts, *ParseRfc3339Ms("2026-03-29T10:14:59Z"));
  EXPECT_EQ(tb->tokens.input, 7u);
  EXPECT_EQ(tb->first_ts, *ParseRfc3339Ms("2026-03-29T10:15:00Z"));
}

TEST(UsageSlotTest, TierMoveMovesTheSlotTokensAndDaysStillAgree) {
  AggregateState s;
  Apply(s, "2026-03-29T23:50:00Z", "big", 150000, 1);
  Apply(s, "2026-03-29T23:50:02Z", "big", 250000, 9);  // crosses 200k: standard -> long
  Table slots = Dump(s, AggTable::kUsageBySlot);
  auto standard = SlotTokens::FromJson(slots.rows["2026-03-29T23:45|s1|claude-opus-4-6|standard"]);
  auto long_tier = SlotTokens::FromJson(slots.rows["2026-03-29T23:45|s1|claude-opus-4-6|long"]);
  ASSERT_TRUE(standard.ok() && long_tier.ok());
  EXPECT_EQ(standard->tokens.messages, 0u);  // emptied, kept as a key
  EXPECT_EQ(standard->tokens.Total(), 0u);
  EXPECT_EQ(long_tier->tokens.input, 250000u);
  EXPECT_EQ(long_tier->tokens.messages, 1u);
  auto day =
      TokenCountsFromJson(Dump(s, AggTable::kUsageByDay).rows["2026-03-29|claude-opus-4-6|long"]);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(*day, long_tier->tokens);
  EXPECT_EQ(UsageSlotKey(*ParseRfc3339Ms("2026-03-29T23:59:59.999Z")), "2026-03-29T23:45");
  EXPECT_EQ(ParseUsageSlotKey("2026-03-29T23:45"), ParseRfc3339Ms("2026-03-29T23:45:00Z"));
  EXPECT_EQ(ParseUsageSlotKey("2026-03-29"), std::nullopt);
}

}  // namespace
}  // namespace trace
