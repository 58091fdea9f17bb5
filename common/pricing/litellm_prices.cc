// See litellm_prices.h. LiteLLM's field names, per token:
//   input_cost_per_token, output_cost_per_token, cache_read_input_token_cost,
//   cache_creation_input_token_cost (5-minute write),
//   cache_creation_input_token_cost_above_1hr (1-hour write),
//   the same with _above_200k_tokens (long context; the 1-hour one is
//   cache_creation_input_token_cost_above_1hr_above_200k_tokens),
//   provider_specific_entry.fast (fast-mode multiplier).
#include "common/pricing/litellm_prices.h"

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/json/json.h"

namespace trace {

namespace {

using rapidjson::Value;

// A rate in USD per 1M tokens, rounded to 1e-9 so 3.75e-06 reads as 3.75.
std::optional<double> PerMillion(const Value& entry, const std::string& key) {
  const Value* v = json::Find(entry, key);
  if (!v || !v->IsNumber() || v->GetDouble() < 0) return std::nullopt;
  return std::round(v->GetDouble() * 1e15) / 1e9;
}

// The rates of one context tier; suffix "" or "_above_200k_tokens".
std::optional<TokenRates> TierRates(const Value& e, const std::string& suffix) {
  auto in = PerMillion(e, "input_cost_per_token" + suffix);
  if (!in) return std::nullopt;
  auto out = PerMillion(e, "output_cost_per_token" + suffix);
  if (!out && suffix.empty()) return std::nullopt;
  TokenRates r;
  r.input = *in;
  r.output = out ? *out : *PerMillion(e, "output_cost_per_token");
  r.cache_write_5m = PerMillion(e, "cache_creation_input_token_cost" + suffix).value_or(1.25 * *in);
  r.cache_write_1h =
      PerMillion(e, "cache_creation_input_token_cost_above_1hr" + suffix).value_or(2 * *in);
  r.cache_read = PerMillion(e, "cache_read_input_token_cost" + suffix).value_or(0.1 * *in);
  return r;
}

// 2: the key is the id itself; 1: Anthropic's own API; 0: anything else.
int Rank(const Value& e, std::string_view key, const std::string& id) {
  if (key == id) return 2;
  return json::GetString(e, "litellm_provider").value_or("") == "anthropic" ? 1 : 0;
}

}  // namespace

bool IsLiteLlmShape(const Value& doc) {
  if (!doc.IsObject() || json::Find(doc, "models")) return false;
  for (const auto& m : doc.GetObject()) {
    if (m.value.IsObject() && json::Find(m.value, "input_cost_per_token")) return true;
  }
  return false;
}

std::vector<ModelPrice> LiteLlmModels(const Value& doc) {
  std::map<std::string, std::pair<int, ModelPrice>> best;  // id -> (rank, price)
  std::vector<std::string> order;                          // ids in file order
  for (const auto& m : doc.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    const Value& e = m.value;
    if (!e.IsObject() || key.find('/') != std::string_view::npos) continue;
    if (json::GetString(e, "mode").value_or("chat") != "chat") continue;
    std::optional<TokenRates> standard = TierRates(e, "");
    if (!standard) continue;
    ModelPrice p;
    p.id = NormalizeModelId(key);
    p.standard = *standard;
    p.long_context = TierRates(e, "_above_200k_tokens");
    if (const Value* ps = json::Find(e, "provider_specific_entry"); ps && ps->IsObject()) {
      if (const Value* fast = json::Find(*ps, "fast"); fast && fast->IsNumber()) {
        p.fast_multiplier = fast->GetDouble();
      }
    }
    int rank = Rank(e, key, p.id);
    std::string id = p.id;
    auto it = best.find(id);
    if (it == best.end()) {
      order.push_back(id);
      best.emplace(std::move(id), std::make_pair(rank, std::move(p)));
    } else if (rank > it->second.first) {
      it->second = {rank, std::move(p)};
    }
  }
  std::vector<ModelPrice> out;
  for (const std::string& id : order) out.push_back(std::move(best[id].second));
  return out;
}

}  // namespace trace
