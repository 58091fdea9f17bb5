// PricedCache: a hit is byte-identical to pricing afresh, a changed
// aggregate under the same key is re-priced, and the byte bound evicts the
// oldest entries (seen by re-pricing) without changing any answer.
#include "common/gateway/priced_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/pricing/pricing.h"

namespace trace {
namespace {

std::string Aggregate(const std::string& id, int input_tokens) {
  return R"({"session_id":")" + id +
         R"(","usage_buckets":[{"model":"claude-haiku-4-5-20251001","tier":"standard",)"
         R"("input_tokens":)" +
         std::to_string(input_tokens) +
         R"(,"output_tokens":100,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,)"
         R"("messages":1}]})";
}

TEST(PricedCacheTest, HitsEqualFreshPricingAndChangesArePriced) {
  const PriceTable* prices = &PriceTable::Embedded();
  PricedCache cache(prices);
  std::string a = Aggregate("s", 500), b = Aggregate("s", 7000);
  std::string fresh_a = AddCost(a, prices), fresh_b = AddCost(b, prices);
  ASSERT_NE(fresh_a, fresh_b);
  ASSERT_NE(fresh_a.find("cost_usd"), std::string::npos);
  EXPECT_EQ(cache.Priced("session:s", a), fresh_a);
  EXPECT_EQ(cache.Priced("session:s", a), fresh_a);  // hit
  EXPECT_EQ(cache.Priced("session:s", b), fresh_b);  // the stored value changed
  EXPECT_EQ(cache.Priced("session:s", a), fresh_a);
  EXPECT_EQ(cache.Priced("task:s", b), fresh_b);
  EXPECT_EQ(cache.Priced("session:s", "not json"), "not json");  // as AddCost
}

// A table pricing only Haiku 4.5, at input_rate USD per million input tokens.
Result<PriceTable> HaikuTable(int input_rate) {
  return PriceTable::Parse(R"({"models":[{"id":"claude-haiku-4-5","input":)" +
                               std::to_string(input_rate) +
                               R"(,"output":5,"cache_write":1,"cache_read":1}]})",
                           "test prices");
}

// A hit serves the value priced when it was cached; a miss prices afresh. So
// once the table the cache prices with changes, a key answered at the old
// price was still cached and one answered at the new price had been evicted:
// the one way a caller can tell what the cache holds.
TEST(PricedCacheTest, AnEntryLargerThanTheBoundIsNeverCached) {
  Result<PriceTable> old_prices = HaikuTable(1), new_prices = HaikuTable(2);
  ASSERT_TRUE(old_prices.ok() && new_prices.ok());
  PriceTable prices = *old_prices;
  PricedCache cache(&prices, 100);  // smaller than one priced aggregate
  std::string agg = Aggregate("big", 1000);
  ASSERT_GT(agg.size(), 100u);
  EXPECT_EQ(cache.Priced("session:big", agg), AddCost(agg, &*old_prices));
  prices = *new_prices;
  // A cached entry would still answer at the old price.
  EXPECT_EQ(cache.Priced("session:big", agg), AddCost(agg, &*new_prices));
}

TEST(PricedCacheTest, ByteBoundEvictsOldestWithoutChangingAnswers) {
  Result<PriceTable> old_prices = HaikuTable(1), new_prices = HaikuTable(2);
  ASSERT_TRUE(old_prices.ok()) << old_prices.status().message();
  ASSERT_TRUE(new_prices.ok()) << new_prices.status().message();
  PriceTable prices = *old_prices;
  const size_t kMaxBytes = 2000;  // room for about three entries
  PricedCache cache(&prices, kMaxBytes);
  std::vector<std::string> keys, aggregates;
  for (int i = 0; i < 10; ++i) {
    keys.push_back("session:s" + std::to_string(i));
    aggregates.push_back(Aggregate("s" + std::to_string(i), 100 * i + 1));
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(cache.Priced(keys[i], aggregates[i]), AddCost(aggregates[i], &prices));
    }
  }

  prices = *new_prices;
  // Newest first: a miss inserts (and may empty the cache), so the entries
  // still cached are asked before any evicted one.
  size_t cached = 0, cached_bytes = 0;
  std::vector<bool> hit(10);
  for (int i = 9; i >= 0; --i) {
    std::string at_old = AddCost(aggregates[i], &*old_prices);
    std::string at_new = AddCost(aggregates[i], &*new_prices);
    ASSERT_NE(at_old, at_new);
    std::string got = cache.Priced(keys[i], aggregates[i]);
    hit[i] = got == at_old;
    if (hit[i]) {
      ++cached;
      cached_bytes += aggregates[i].size() + at_old.size();
    } else {
      EXPECT_EQ(got, at_new) << keys[i];
    }
  }
  EXPECT_TRUE(hit[9]) << "the newest entry is cached";
  EXPECT_FALSE(hit[0]) << "the oldest entry was evicted";
  EXPECT_LT(cached, 10u);
  // Whatever the cache counts per entry, it holds at least both strings.
  EXPECT_LE(cached_bytes, kMaxBytes) << cached << " entries cached";
}

TEST(PricedCacheTest, NoPricesServesTheAggregateUnchanged) {
  PricedCache cache(nullptr);
  EXPECT_EQ(cache.Priced("session:s", Aggregate("s", 1)), Aggregate("s", 1));
}

}  // namespace
}  // namespace trace
