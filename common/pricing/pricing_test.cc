// Unit tests for the price table: the embedded deploy/prices.json is valid,
// dated and cloud model ids find their prices, tiers pick the right rates,
// unknown models are never priced at zero, and aggregates get cost_usd.
#include "common/pricing/pricing.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>

#include "common/json/json.h"

namespace trace {
namespace {

TEST(Pricing, EmbeddedTableIsTheValidDeployFile) {
  const PriceTable& t = PriceTable::Embedded();
  EXPECT_GE(t.models().size(), 13u);
  auto file = PriceTable::Load(std::string(TRACE_SOURCE_DIR) + "/deploy/prices.json");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->models().size(), t.models().size());
}

TEST(Pricing, FindsDatedBedrockAndVertexIds) {
  const PriceTable& t = PriceTable::Embedded();
  EXPECT_EQ(t.Find("claude-sonnet-4-5-20250929")->id, "claude-sonnet-4-5");
  EXPECT_EQ(t.Find("claude-opus-4-20250514")->id, "claude-opus-4");
  EXPECT_EQ(t.Find("claude-opus-4-1-20250805")->id, "claude-opus-4-1");
  EXPECT_EQ(t.Find("claude-opus-4-6")->id, "claude-opus-4-6");
  EXPECT_EQ(t.Find("us.anthropic.claude-3-5-haiku-20241022-v1:0")->id, "claude-3-5-haiku");
  EXPECT_EQ(t.Find("claude-3-7-sonnet@20250219")->id, "claude-3-7-sonnet");
  EXPECT_EQ(t.Find("claude-3-5-sonnet-latest")->id, "claude-3-5-sonnet");
  EXPECT_EQ(t.Find("claude-haiku-4-5-20251001")->id, "claude-haiku-4-5");
  EXPECT_EQ(t.Find("<synthetic>"), nullptr);
  EXPECT_EQ(t.Find("claude-opus-9"), nullptr);
  EXPECT_EQ(t.Find("gpt-4o"), nullptr);
}

TEST(Pricing, CostPerTier) {
  const PriceTable& t = PriceTable::Embedded();
  TokenCounts u{1000000, 1000000, 1000000, 1000000};
  // Sonnet 4.5 standard: 3 + 15 + 3.75 + 0.30 = 22.05 USD.
  EXPECT_NEAR(*t.Cost("claude-sonnet-4-5-20250929", "standard", u), 22.05, 1e-9);
  // Long context: 6 + 22.5 + 7.5 + 0.6 = 36.6 USD.
  EXPECT_NEAR(*t.Cost("claude-sonnet-4-5-20250929", "long", u), 36.6, 1e-9);
  // Haiku 3 has no long rates: standard ones. 0.25 + 1.25 + 0.30 + 0.03 = 1.83.
  EXPECT_NEAR(*t.Cost("claude-3-haiku-20240307", "long", u), 1.83, 1e-9);
  // The reference transcript line: opus 4.6, 3 in, 9 out, 15005 write, 11442 read:
  // (3*5 + 9*25 + 15005*6.25 + 11442*0.5) / 1e6 = (15+225+93781.25+5721)/1e6.
  EXPECT_NEAR(*t.Cost("claude-opus-4-6", "standard", {3, 9, 15005, 11442}), 0.09974225, 1e-12);
  EXPECT_EQ(t.Cost("mystery-model", "standard", u), std::nullopt);
}

TEST(Pricing, RejectsBadTables) {
  EXPECT_FALSE(PriceTable::Parse("{", "x").ok());
  EXPECT_FALSE(PriceTable::Parse(R"({"models": {}})", "x").ok());
  EXPECT_FALSE(
      PriceTable::Parse(
          R"({"models":[{"id":"m","input":-1,"output":1,"cache_write":1,"cache_read":1}]})", "x")
          .ok());
  EXPECT_FALSE(
      PriceTable::Parse(R"({"models":[{"id":"m","input":1,"output":1,"cache_write":1}]})", "x")
          .ok());
  auto dup = PriceTable::Parse(
      R"({"models":[{"id":"m","input":1,"output":1,"cache_write":1,"cache_read":1},)"
      R"({"id":"n","aliases":["m"],"input":1,"output":1,"cache_write":1,"cache_read":1}]})",
      "x");
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
  EXPECT_FALSE(PriceTable::Load("/nonexistent/prices.json").ok());
}

TEST(Pricing, DeeplyNestedTableIsAnErrorNotACrash) {
  auto deep = PriceTable::Parse(R"({"models":)" + std::string(100000, '['), "deep.json");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(),
            "deep.json: invalid JSON: nested deeper than 512 levels at byte 521");
}

TEST(Pricing, ResolveHonoursFlagThenEnvironment) {
  std::string path = ::testing::TempDir() + "/prices-test.json";
  std::ofstream(path)
      << R"({"models":[{"id":"m","input":1,"output":2,"cache_write":3,"cache_read":4}]})";
  auto from_flag = PriceTable::Resolve(path);
  ASSERT_TRUE(from_flag.ok());
  EXPECT_NEAR(*from_flag->Cost("m", "standard", {1000000, 0, 0, 0}), 1.0, 1e-12);
  setenv("TRACE_PRICES", path.c_str(), 1);
  EXPECT_EQ(PriceTable::Resolve("")->models().size(), 1u);
  unsetenv("TRACE_PRICES");
  EXPECT_GT(PriceTable::Resolve("")->models().size(), 1u);
}

TEST(Pricing, AggregateGetsCostPerModelAndUnknownList) {
  std::string agg =
      R"({"session_id":"s","usage":{"input_tokens":1},"usage_buckets":[)"
      R"({"model":"claude-sonnet-4-5-20250929","tier":"standard","input_tokens":1000,"output_tokens":2000,)"
      R"("cache_creation_input_tokens":10000,"cache_read_input_tokens":100000,"messages":2},)"
      R"({"model":"claude-sonnet-4-5-20250929","tier":"long","input_tokens":210000,"output_tokens":1000,)"
      R"("cache_creation_input_tokens":0,"cache_read_input_tokens":0,"messages":1},)"
      R"({"model":"claude-haiku-4-5-20251001","tier":"standard","input_tokens":500,"output_tokens":100,)"
      R"("cache_creation_input_tokens":0,"cache_read_input_tokens":0,"messages":1}]})";
  auto out = AddCostToAggregate(agg, PriceTable::Embedded());
  ASSERT_TRUE(out.ok());
  rapidjson::Document d;
  d.Parse(out->c_str());
  const auto& cost = d["cost_usd"];
  // sonnet standard: (1000*3 + 2000*15 + 10000*3.75 + 100000*0.3)/1e6 =
  // (3000+30000+37500+30000)/1e6 = 0.1005 sonnet long:     (210000*6 + 1000*22.5)/1e6 =
  // (1260000+22500)/1e6 = 1.2825 haiku 4.5:       (500*1 + 100*5)/1e6 = 0.001
  EXPECT_NEAR(cost["by_model"]["claude-sonnet-4-5-20250929"].GetDouble(), 1.383, 1e-9);
  EXPECT_NEAR(cost["by_model"]["claude-haiku-4-5-20251001"].GetDouble(), 0.001, 1e-9);
  EXPECT_NEAR(cost["total"].GetDouble(), 1.384, 1e-9);
  EXPECT_EQ(cost["unknown_models"].Size(), 0u);
  EXPECT_EQ(json::GetString(d, "session_id"), "s");

  std::string with_unknown =
      R"({"usage_buckets":[{"model":"claude-next-9","tier":"standard","input_tokens":5},)"
      R"({"model":"claude-3-haiku-20240307","tier":"standard","input_tokens":4000000}]})";
  d.Parse(AddCostToAggregate(with_unknown, PriceTable::Embedded())->c_str());
  EXPECT_TRUE(d["cost_usd"]["total"].IsNull());
  EXPECT_NEAR(d["cost_usd"]["known_total"].GetDouble(), 1.0, 1e-9);  // 4M * 0.25/1M
  EXPECT_TRUE(d["cost_usd"]["by_model"]["claude-next-9"].IsNull());
  EXPECT_EQ(std::string(d["cost_usd"]["unknown_models"][0].GetString()), "claude-next-9");
  EXPECT_FALSE(AddCostToAggregate("not json", PriceTable::Embedded()).ok());
}

}  // namespace
}  // namespace trace
