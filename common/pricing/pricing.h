// Token prices and cost. The table is deploy/prices.json (USD per million
// tokens per model: 5-minute and 1-hour cache-write rates, long-context rates
// and a fast-mode multiplier for models that have them), compiled into every
// binary and overridable by --prices FILE / TRACE_PRICES, in our format or
// LiteLLM's model_prices_and_context_window.json (told apart by shape).
// Unknown models have no cost (nullopt) and are listed, never priced at zero.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/event/tokens.h"

namespace trace {

struct TokenRates {  // USD per 1M tokens
  double input = 0, output = 0, cache_write_5m = 0, cache_write_1h = 0, cache_read = 0;
};

struct ModelPrice {
  std::string id;
  std::vector<std::string> aliases;
  TokenRates standard;
  std::optional<TokenRates> long_context;  // above the threshold, when offered
  std::optional<double> fast_multiplier;   // fast mode (speed "fast"), when offered
};

class PriceTable {
 public:
  // Parses and validates the prices.json format (every rate a number >= 0,
  // ids unique), or LiteLLM's format when the text has no "models" array but
  // entries with "input_cost_per_token". origin names the text in errors
  // ("prices 'x.json'").
  static Result<PriceTable> Parse(std::string_view json, std::string_view origin);
  static Result<PriceTable> Load(const std::string& path);
  // The table compiled from deploy/prices.json at build time.
  static const PriceTable& Embedded();
  // path if not empty, else $TRACE_PRICES if set, else Embedded().
  static Result<PriceTable> Resolve(const std::string& path);

  // The price of a model id as Claude Code writes it ("claude-sonnet-4-5-
  // 20250929", "us.anthropic.claude-3-5-haiku-20241022-v1:0"), or nullptr.
  const ModelPrice* Find(std::string_view model) const;
  // USD for tokens of a model in a tier ("standard" | "long" | "fast" |
  // "long-fast", common/event UsageTier); nullopt when the model is unknown,
  // or the tier is fast and the model has no fast_multiplier. "long" falls
  // back to standard rates for models without long-context rates; the fast
  // tiers are their rates times fast_multiplier. Cache writes:
  // cache_creation_1h at the 1-hour rate, the rest of cache_creation at the
  // 5-minute rate.
  std::optional<double> Cost(std::string_view model, std::string_view tier,
                             const TokenCounts& tokens) const;

  const std::vector<ModelPrice>& models() const { return models_; }
  const std::string& origin() const { return origin_; }

 private:
  std::vector<ModelPrice> models_;
  std::string origin_;
};

// Strips a date suffix (or "-latest"), a Bedrock/Vertex prefix and a version
// suffix: "us.anthropic.claude-opus-4-1-20250805-v1:0" -> "claude-opus-4-1".
std::string NormalizeModelId(std::string_view model);

// Cost of many (model, tier, tokens) buckets, totalled per model. Buckets of
// unknown models make their model's cost and the grand total null (a partial
// sum would understate); the priced part stays visible as known_total.
class CostSummary {
 public:
  explicit CostSummary(const PriceTable& prices) : prices_(prices) {}
  void Add(const std::string& model, std::string_view tier, const TokenCounts& tokens);
  std::optional<double> Total() const;
  // {"total": x|null, "known_total": x, "by_model": {...}, "unknown_models": [...]}
  std::string ToJson() const;

 private:
  const PriceTable& prices_;
  std::map<std::string, double> known_;  // model -> USD
  std::set<std::string> unknown_;
  double known_total_ = 0;
};

// USD rounded to a millionth (what reports show; keeps JSON free of
// 0.30000000000000004 noise).
double RoundUsd(double usd);

// Adds "cost_usd" to a session or task aggregate (proto/storage.md: its
// "usage_buckets" of model x tier token counts):
// the CostSummary JSON above. Returns the aggregate JSON with that member
// appended (replacing an existing one).
Result<std::string> AddCostToAggregate(std::string_view aggregate_json, const PriceTable& prices);

// AddCostToAggregate for serving: the aggregate unchanged when prices is
// null or the aggregate is not an object (it is served as stored).
std::string AddCost(std::string aggregate_json, const PriceTable* prices);

}  // namespace trace
