// Unit tests for the price table: the embedded deploy/prices.json is valid,
// dated and cloud model ids find their prices, tiers pick the right rates,
// 5-minute and 1-hour cache writes get their own rates, fast mode its
// multiplier, older price files and LiteLLM's file are read, unknown models
// are never priced at zero, and aggregates get cost_usd. Expected costs are
// computed by hand in the comments.
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

TEST(Pricing, FindsCurrentModelsAndLatestAliases) {
  const PriceTable& t = PriceTable::Embedded();
  EXPECT_EQ(t.Find("claude-opus-4-7-20260416")->id, "claude-opus-4-7");
  EXPECT_EQ(t.Find("claude-opus-4-6-20260205")->id, "claude-opus-4-6");
  EXPECT_EQ(t.Find("claude-opus-4-8")->id, "claude-opus-4-8");
  EXPECT_EQ(t.Find("claude-fable-5-1")->id, "claude-fable-5-1");
  EXPECT_EQ(t.Find("claude-opus-5-5[1m]")->id, "claude-opus-5-5");
  EXPECT_EQ(t.Find("claude-sonnet-5-5")->id, "claude-sonnet-5-5");
  EXPECT_EQ(t.Find("claude-haiku-5-5"), nullptr);  // its 100k prompt tier is not expressible
  // Opus 5.5, the real 2.1.97 line's counts: (3*4 + 80*20 + 4673*8 + 11367*0.2)/1e6
  // = (12 + 1600 + 37384 + 2273.4)/1e6 = 0.0412694.
  TokenCounts line{3, 80, 4673, 11367, 1};
  line.cache_creation_1h = 4673;
  EXPECT_NEAR(*t.Cost("claude-opus-5-5", "standard", line), 0.0412694, 1e-12);
  EXPECT_EQ(t.Find("claude-3-5-haiku-latest")->id, "claude-3-5-haiku");
  EXPECT_EQ(NormalizeModelId("claude-3-7-sonnet-latest"), "claude-3-7-sonnet");
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

TEST(Pricing, CacheWriteTiers) {
  const PriceTable& t = PriceTable::Embedded();
  // 1M cache-write tokens, 600k of them 5-minute and 400k 1-hour.
  TokenCounts u{1000000, 1000000, 1000000, 1000000};
  u.cache_creation_5m = 600000, u.cache_creation_1h = 400000;
  // Sonnet 4.5: 3 + 15 + 0.6*3.75 + 0.4*6 + 0.3 = 22.95 USD.
  EXPECT_NEAR(*t.Cost("claude-sonnet-4-5-20250929", "standard", u), 22.95, 1e-9);
  // Long context: 6 + 22.5 + 0.6*7.5 + 0.4*12 + 0.6 = 38.4 USD.
  EXPECT_NEAR(*t.Cost("claude-sonnet-4-5-20250929", "long", u), 38.4, 1e-9);
  // A real Claude Code 2.1.97 line (tests/fixtures/README.md): opus 4.6, 3 in,
  // 80 out, 4673 written to the 1-hour cache, 11367 read:
  // (3*5 + 80*25 + 4673*10 + 11367*0.5)/1e6 = (15+2000+46730+5683.5)/1e6.
  TokenCounts line{3, 80, 4673, 11367, 1};
  line.cache_creation_1h = 4673;
  EXPECT_NEAR(*t.Cost("claude-opus-4-6", "standard", line), 0.0544285, 1e-12);  // $0.05
  // The same line priced before the split (all 5-minute) was $0.04:
  // (15 + 2000 + 4673*6.25 + 5683.5)/1e6 = 0.03690475.
  line.cache_creation_1h = 0;
  EXPECT_NEAR(*t.Cost("claude-opus-4-6", "standard", line), 0.03690475, 1e-12);
  // A 1-hour count above the total (a corrupt bucket) prices at most the total.
  TokenCounts odd{0, 0, 100, 0, 1};
  odd.cache_creation_1h = 1000;
  EXPECT_NEAR(*t.Cost("claude-haiku-4-5", "standard", odd), 100 * 2 / 1e6, 1e-15);
}

TEST(Pricing, FastModeMultipliesTheTierRates) {
  const PriceTable& t = PriceTable::Embedded();
  TokenCounts u{1000000, 100000, 0, 0, 1};
  // Opus 4.6 standard (5 + 0.1*25 = 7.5) times 6 = 45 USD; long (10 + 0.1*37.5
  // = 13.75) times 6 = 82.5 USD (Anthropic: $30/$150, above 200k $60/$225).
  EXPECT_NEAR(*t.Cost("claude-opus-4-6", "fast", u), 45.0, 1e-9);
  EXPECT_NEAR(*t.Cost("claude-opus-4-6", "long-fast", u), 82.5, 1e-9);
  // Opus 4.8: 7.5 * 2 = 15 USD ($10/$50 per 1M).
  EXPECT_NEAR(*t.Cost("claude-opus-4-8", "fast", u), 15.0, 1e-9);
  // A model without a fast-mode price is unpriced in fast mode, not standard.
  EXPECT_EQ(t.Cost("claude-sonnet-4-5", "fast", u), std::nullopt);
  EXPECT_NEAR(*t.Cost("claude-sonnet-4-5", "standard", u), 4.5, 1e-9);
}

TEST(Pricing, OlderFilesCacheWriteIsTheFiveMinuteRate) {
  // cache_write (no cache_write_1h): 5-minute 2.5, 1-hour 2 x input = 4.
  auto old = PriceTable::Parse(
      R"({"models":[{"id":"m","input":2,"output":2,"cache_write":2.5,"cache_read":0.2}]})", "x");
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_EQ(old->models()[0].standard.cache_write_5m, 2.5);
  EXPECT_EQ(old->models()[0].standard.cache_write_1h, 4.0);
  TokenCounts u{0, 0, 1000000, 0, 1};
  u.cache_creation_1h = 500000;
  EXPECT_NEAR(*old->Cost("m", "standard", u), 0.5 * 2.5 + 0.5 * 4, 1e-12);  // 3.25
  auto both = PriceTable::Parse(
      R"({"models":[{"id":"m","input":2,"output":2,"cache_write_5m":3,"cache_write_1h":5,)"
      R"("cache_read":0.2,"fast_multiplier":6}]})",
      "x");
  ASSERT_TRUE(both.ok());
  EXPECT_NEAR(*both->Cost("m", "fast", u), (0.5 * 3 + 0.5 * 5) * 6, 1e-12);  // 24
  EXPECT_FALSE(PriceTable::Parse(R"({"models":[{"id":"m","input":1,"output":1,"cache_write_5m":1,)"
                                 R"("cache_write_1h":-1,"cache_read":1}]})",
                                 "x")
                   .ok());
  EXPECT_FALSE(PriceTable::Parse(R"({"models":[{"id":"m","input":1,"output":1,"cache_write_5m":1,)"
                                 R"("cache_read":1,"fast_multiplier":"6x"}]})",
                                 "x")
                   .ok());
}

TEST(Pricing, ReadsLiteLlmFile) {
  std::string path = std::string(TRACE_SOURCE_DIR) + "/tests/fixtures/litellm_prices_excerpt.json";
  auto t = PriceTable::Load(path);
  ASSERT_TRUE(t.ok()) << t.status().message();
  // 9 entries: the image model is skipped; two sonnet-4-5 keys and two
  // opus-4-6 keys are one model each: chatdolphin, haiku-4-5, 3-haiku,
  // sonnet-4-5, opus-4-6, opus-4-8.
  EXPECT_EQ(t->models().size(), 6u);
  EXPECT_EQ(t->Find("1024-x-1024/dall-e-2"), nullptr);
  const ModelPrice* sonnet = t->Find("claude-sonnet-4-5-20250929");
  ASSERT_NE(sonnet, nullptr);
  EXPECT_EQ(sonnet, t->Find("us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
  EXPECT_NEAR(sonnet->standard.input, 3, 1e-12);
  EXPECT_NEAR(sonnet->standard.output, 15, 1e-12);
  EXPECT_NEAR(sonnet->standard.cache_write_5m, 3.75, 1e-12);
  EXPECT_NEAR(sonnet->standard.cache_write_1h, 6, 1e-12);
  EXPECT_NEAR(sonnet->standard.cache_read, 0.3, 1e-12);
  ASSERT_TRUE(sonnet->long_context.has_value());
  EXPECT_NEAR(sonnet->long_context->input, 6, 1e-12);
  EXPECT_NEAR(sonnet->long_context->output, 22.5, 1e-12);
  EXPECT_NEAR(sonnet->long_context->cache_write_5m, 7.5, 1e-12);
  EXPECT_NEAR(sonnet->long_context->cache_write_1h, 12, 1e-12);
  EXPECT_NEAR(sonnet->long_context->cache_read, 0.6, 1e-12);
  EXPECT_FALSE(t->Find("claude-haiku-4-5-20251001")->long_context.has_value());
  EXPECT_EQ(t->Find("claude-opus-4-6-20260205")->fast_multiplier, 6.0);
  EXPECT_EQ(t->Find("claude-opus-4-8")->fast_multiplier, 2.0);
  EXPECT_FALSE(sonnet->fast_multiplier.has_value());
  // LiteLLM's values are taken as they are, even its 1-hour rate for Haiku 3
  // (6e-06 per token: 24x input, where Anthropic lists $0.50).
  EXPECT_NEAR(t->Find("claude-3-haiku-20240307")->standard.cache_write_1h, 6, 1e-12);
  // An entry without cache rates gets Anthropic's multipliers of its input.
  const ModelPrice* dolphin = t->Find("chatdolphin");
  ASSERT_NE(dolphin, nullptr);
  EXPECT_NEAR(dolphin->standard.cache_write_5m, 0.625, 1e-12);
  EXPECT_NEAR(dolphin->standard.cache_write_1h, 1.0, 1e-12);
  EXPECT_NEAR(dolphin->standard.cache_read, 0.05, 1e-12);
  // The real 2.1.97 line costs the same as with our table: $0.0544285.
  TokenCounts line{3, 80, 4673, 11367, 1};
  line.cache_creation_1h = 4673;
  EXPECT_NEAR(*t->Cost("claude-opus-4-6", "standard", line), 0.0544285, 1e-12);
  EXPECT_EQ(t->Cost("claude-opus-4-7", "standard", line), std::nullopt);  // not in the excerpt
  // TRACE_PRICES takes the LiteLLM file as well.
  setenv("TRACE_PRICES", path.c_str(), 1);
  EXPECT_EQ(PriceTable::Resolve("")->models().size(), 6u);
  unsetenv("TRACE_PRICES");
}

TEST(Pricing, LiteLlmPrefersTheModelsOwnKey) {
  // Three keys for one model: the key equal to the id wins over an
  // "anthropic" entry, which wins over another provider; provider-routed
  // keys and non-chat entries are skipped; no priced entry is an error.
  auto t = PriceTable::Parse(
      R"({"anthropic.claude-x-v1:0":{"litellm_provider":"bedrock","mode":"chat",)"
      R"("input_cost_per_token":1e-06,"output_cost_per_token":1e-06},)"
      R"("claude-x-20260101":{"litellm_provider":"anthropic","mode":"chat",)"
      R"("input_cost_per_token":2e-06,"output_cost_per_token":2e-06},)"
      R"("vertex_ai/claude-y":{"mode":"chat","input_cost_per_token":1e-06,"output_cost_per_token":1e-06},)"
      R"("claude-z":{"mode":"embedding","input_cost_per_token":1e-06,"output_cost_per_token":0}})",
      "x");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->models().size(), 1u);
  EXPECT_NEAR(t->Find("claude-x")->standard.input, 2, 1e-12);
  auto own = PriceTable::Parse(
      R"({"claude-x-20260101":{"litellm_provider":"anthropic","input_cost_per_token":2e-06,)"
      R"("output_cost_per_token":2e-06},"claude-x":{"litellm_provider":"anthropic",)"
      R"("input_cost_per_token":3e-06,"output_cost_per_token":3e-06}})",
      "x");
  ASSERT_TRUE(own.ok());
  EXPECT_NEAR(own->Find("claude-x")->standard.input, 3, 1e-12);
  EXPECT_FALSE(PriceTable::Parse(R"({"m":{"input_cost_per_token":1e-06}})", "x").ok());
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

  // A 1-hour bucket (the 2.1.97 line) costs $0.0544285, shown to the millionth.
  std::string one_hour =
      R"({"usage_buckets":[{"model":"claude-opus-4-6","tier":"standard","input_tokens":3,)"
      R"("output_tokens":80,"cache_creation_input_tokens":4673,"cache_creation_5m_input_tokens":0,)"
      R"("cache_creation_1h_input_tokens":4673,"cache_read_input_tokens":11367,"messages":1}]})";
  d.Parse(AddCostToAggregate(one_hour, PriceTable::Embedded())->c_str());
  EXPECT_NEAR(d["cost_usd"]["total"].GetDouble(), 0.0544285, 1e-6);

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
