// Unit tests for the usage report: grouping, per-tier pricing before
// summing, day filters, unknown models and the day flag forms.
#include "common/pricing/usage_report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace trace {
namespace {

UsageBucket Bucket(std::string session, std::string day, std::string model, std::string tier,
                   uint64_t in, uint64_t out, uint64_t cc, uint64_t cr) {
  UsageBucket b;
  b.session_id = std::move(session);
  b.day = std::move(day);
  b.model = std::move(model);
  b.tier = std::move(tier);
  b.tokens = {in, out, cc, cr, 1};
  return b;
}

TEST(UsageReport, PricesEachTierThenSums) {
  std::vector<UsageBucket> buckets = {
      Bucket("", "2026-02-12", "claude-sonnet-4-5-20250929", "standard", 1000000, 0, 0, 0),
      Bucket("", "2026-02-12", "claude-sonnet-4-5-20250929", "long", 1000000, 0, 0, 0),
      Bucket("", "2026-02-13", "claude-haiku-4-5", "standard", 0, 1000000, 0, 0)};
  UsageReport r =
      BuildUsageReport(buckets, UsageBy::kDay, std::nullopt, std::nullopt, PriceTable::Embedded());
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].key, "2026-02-12");
  EXPECT_NEAR(*r.rows[0].totals.Cost(), 3.0 + 6.0, 1e-9);  // standard 3, long 6 per 1M input
  EXPECT_EQ(r.rows[0].models.size(), 1u);
  EXPECT_NEAR(*r.rows[1].totals.Cost(), 5.0, 1e-9);
  EXPECT_NEAR(*r.totals.Cost(), 14.0, 1e-9);
  EXPECT_EQ(r.totals.TotalTokens(), 3000000u);
  EXPECT_EQ(r.totals.tokens.messages, 3u);
}

TEST(UsageReport, FiltersDaysAndGroupsByModel) {
  std::vector<UsageBucket> buckets = {
      Bucket("s1", "2026-02-11", "claude-opus-4-6", "standard", 10, 0, 0, 0),
      Bucket("s1", "2026-02-12", "claude-opus-4-6", "standard", 20, 0, 0, 0),
      Bucket("s2", "2026-02-13", "claude-opus-4-6", "standard", 40, 0, 0, 0)};
  UsageReport r = BuildUsageReport(buckets, UsageBy::kModel, "2026-02-12", "2026-02-12",
                                   PriceTable::Embedded());
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].totals.tokens.input, 20u);
  EXPECT_TRUE(r.rows[0].models.empty());
  r = BuildUsageReport(buckets, UsageBy::kSession, std::nullopt, std::nullopt,
                       PriceTable::Embedded());
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].totals.tokens.input, 30u);
}

TEST(UsageReport, UnknownModelMakesCostNullAndIsListed) {
  std::vector<UsageBucket> buckets = {
      Bucket("", "2026-02-12", "mystery", "standard", 5, 5, 0, 0),
      Bucket("", "2026-02-12", "claude-3-haiku", "standard", 4000000, 0, 0, 0)};
  UsageReport r =
      BuildUsageReport(buckets, UsageBy::kDay, std::nullopt, std::nullopt, PriceTable::Embedded());
  EXPECT_EQ(r.totals.Cost(), std::nullopt);
  EXPECT_NEAR(r.totals.known_cost, 1.0, 1e-9);
  EXPECT_EQ(r.totals.unknown_models, std::vector<std::string>{"mystery"});
  std::string json = UsageReportJson(r);
  EXPECT_NE(json.find(R"("cost_usd":null)"), std::string::npos) << json;
  std::ostringstream table;
  PrintUsageTable(table, r);
  EXPECT_NE(table.str().find("$1.0000+?"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("4,000,010"), std::string::npos) << table.str();
}

TEST(UsageReport, ParsesFlags) {
  EXPECT_EQ(ParseUsageDay("20260212"), "2026-02-12");
  EXPECT_EQ(ParseUsageDay("2026-02-12"), "2026-02-12");
  EXPECT_EQ(ParseUsageDay("2026-13-01"), std::nullopt);
  EXPECT_EQ(ParseUsageDay("yesterday"), std::nullopt);
  EXPECT_EQ(ParseUsageBy("session"), UsageBy::kSession);
  EXPECT_EQ(ParseUsageBy("week"), std::nullopt);
}

}  // namespace
}  // namespace trace
