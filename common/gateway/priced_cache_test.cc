// PricedCache: a hit is byte-identical to pricing afresh, a changed
// aggregate under the same key is re-priced, and the byte bound empties the
// cache without changing any answer.
#include "common/gateway/priced_cache.h"

#include <gtest/gtest.h>

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

TEST(PricedCacheTest, ByteBoundEvictsWithoutChangingAnswers) {
  const PriceTable* prices = &PriceTable::Embedded();
  PricedCache cache(prices, 2000);  // room for about two entries
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      std::string agg = Aggregate("s" + std::to_string(i), 100 * i + 1);
      EXPECT_EQ(cache.Priced("session:s" + std::to_string(i), agg), AddCost(agg, prices));
    }
  }
}

TEST(PricedCacheTest, NoPricesServesTheAggregateUnchanged) {
  PricedCache cache(nullptr);
  EXPECT_EQ(cache.Priced("session:s", Aggregate("s", 1)), Aggregate("s", 1));
}

}  // namespace
}  // namespace trace
