// See pricing.h. The embedded table comes from a source file CMake generates
// out of deploy/prices.json (prices_embedded.cc.in), so binaries work with no
// data files installed.
#include "common/pricing/pricing.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/event/event_facts.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/pricing/litellm_prices.h"

namespace trace {

// Defined in the generated prices_embedded.cc.
extern const char kEmbeddedPricesJson[];

namespace {

using rapidjson::Value;

Result<double> Rate(const Value& obj, const char* key, const std::string& where) {
  const Value* v = json::Find(obj, key);
  if (!v || !v->IsNumber() || v->GetDouble() < 0) {
    return Status::Error(where + ": \"" + key + "\" must be a number >= 0");
  }
  return v->GetDouble();
}

// An optional rate: fallback when absent, an error when present but not a rate.
Result<double> RateOr(const Value& obj, const char* key, double fallback,
                      const std::string& where) {
  return json::Find(obj, key) ? Rate(obj, key, where) : Result<double>(fallback);
}

bool OldCacheWrite(const Value& obj) {
  return json::Find(obj, "cache_write") && !json::Find(obj, "cache_write_5m");
}

// input, output, cache_read; cache_write_5m (or cache_write, the name before
// the 1-hour tier existed); cache_write_1h, absent in older files: 2x input,
// Anthropic's rate for a 1-hour write.
Result<TokenRates> ParseRates(const Value& obj, const std::string& where) {
  TokenRates r;
  auto in = Rate(obj, "input", where), out = Rate(obj, "output", where),
       cr = Rate(obj, "cache_read", where),
       cw5 = Rate(obj, OldCacheWrite(obj) ? "cache_write" : "cache_write_5m", where);
  for (const auto* x : {&in, &out, &cr, &cw5}) {
    if (!x->ok()) return x->status();
  }
  auto cw1h = RateOr(obj, "cache_write_1h", 2 * *in, where);
  if (!cw1h) return cw1h.status();
  r.input = *in, r.output = *out, r.cache_write_5m = *cw5, r.cache_write_1h = *cw1h;
  r.cache_read = *cr;
  return r;
}

Result<ModelPrice> ParseModel(const Value& m, size_t index) {
  std::string where = "models[" + std::to_string(index) + "]";
  if (!m.IsObject()) return Status::Error(where + " is not an object");
  auto id = json::GetString(m, "id");
  if (!id || id->empty()) return Status::Error(where + ": \"id\" must be a non-empty string");
  ModelPrice p;
  p.id = std::string(*id);
  where += " (" + p.id + ")";
  if (const Value* aliases = json::Find(m, "aliases")) {
    if (!aliases->IsArray()) return Status::Error(where + ": \"aliases\" must be an array");
    for (const auto& a : aliases->GetArray()) {
      if (!a.IsString()) return Status::Error(where + ": aliases must be strings");
      p.aliases.emplace_back(a.GetString(), a.GetStringLength());
    }
  }
  auto standard = ParseRates(m, where);
  if (!standard) return standard.status();
  p.standard = *standard;
  if (const Value* lc = json::Find(m, "long_context")) {
    if (!lc->IsObject()) return Status::Error(where + ": \"long_context\" must be an object");
    auto rates = ParseRates(*lc, where + " long_context");
    if (!rates) return rates.status();
    p.long_context = *rates;
  }
  if (json::Find(m, "fast_multiplier")) {
    auto fast = Rate(m, "fast_multiplier", where);
    if (!fast) return fast.status();
    p.fast_multiplier = *fast;
  }
  return p;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string NormalizeModelId(std::string_view m) {
  // Bedrock: "anthropic.claude-..." with an optional region prefix "us.".
  if (size_t p = m.find("anthropic."); p != std::string_view::npos) m.remove_prefix(p + 10);
  if (size_t at = m.find('@'); at != std::string_view::npos) m = m.substr(0, at);  // Vertex
  if (size_t colon = m.rfind("-v");
      colon != std::string_view::npos && m.find(':', colon) != std::string_view::npos) {
    m = m.substr(0, colon);  // Bedrock "-v1:0"
  }
  if (size_t br = m.find('['); br != std::string_view::npos) m = m.substr(0, br);  // "[1m]"
  if (size_t dash = m.rfind('-'); dash != std::string_view::npos) {
    std::string_view tail = m.substr(dash + 1);
    // "-20250929", or LiteLLM's and the API's "-latest" alias
    if ((tail.size() == 8 && IsDigits(tail)) || tail == "latest") m = m.substr(0, dash);
  }
  return std::string(m);
}

Result<PriceTable> PriceTable::Parse(std::string_view text, std::string_view origin) {
  std::string what(origin);
  rapidjson::Document doc;
  if (Status st = json::Parse(&doc, text); !st) return st.Wrap(what + ": invalid JSON");
  const Value* models = doc.IsObject() ? json::Find(doc, "models") : nullptr;
  PriceTable table;
  table.origin_ = what;
  if (!models && IsLiteLlmShape(doc)) {
    table.models_ = LiteLlmModels(doc);
    if (table.models_.empty()) return Status::Error(what + ": no priced chat models");
    return table;
  }
  if (!models || !models->IsArray()) return Status::Error(what + ": \"models\" array missing");
  std::set<std::string> names;
  for (rapidjson::SizeType i = 0; i < models->Size(); ++i) {
    auto p = ParseModel((*models)[i], i);
    if (!p) return p.status().Wrap(what);
    std::vector<std::string> all = p->aliases;
    all.push_back(p->id);
    for (const std::string& name : all) {
      if (!names.insert(name).second) {
        return Status::Error(what + ": model '" + name + "' listed twice");
      }
    }
    table.models_.push_back(std::move(*p));
  }
  return table;
}

Result<PriceTable> PriceTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errno("open prices '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), "prices '" + path + "'");
}

const PriceTable& PriceTable::Embedded() {
  static const PriceTable table = [] {
    auto t = Parse(kEmbeddedPricesJson, "embedded prices");
    // The build validates deploy/prices.json through the unit tests; an
    // invalid embedded table is our bug.
    return t.ok() ? std::move(*t) : PriceTable();
  }();
  return table;
}

Result<PriceTable> PriceTable::Resolve(const std::string& path) {
  if (!path.empty()) return Load(path);
  if (const char* env = std::getenv("TRACE_PRICES"); env && *env) return Load(env);
  return Embedded();
}

const ModelPrice* PriceTable::Find(std::string_view model) const {
  std::string id = NormalizeModelId(model);
  for (const ModelPrice& p : models_) {
    if (p.id == model || p.id == id) return &p;
    for (const std::string& a : p.aliases) {
      if (a == model || a == id) return &p;
    }
  }
  return nullptr;
}

std::optional<double> PriceTable::Cost(std::string_view model, std::string_view tier,
                                       const TokenCounts& t) const {
  const ModelPrice* p = Find(model);
  if (!p) return std::nullopt;
  bool fast = IsFastTier(tier);
  if (fast && !p->fast_multiplier) return std::nullopt;  // no fast-mode price known
  bool long_tier = tier == "long" || tier == "long-fast";
  const TokenRates& r = long_tier && p->long_context ? *p->long_context : p->standard;
  // The 5-minute part is the total less the 1-hour part, so a total without
  // its split (older records and stores) is priced at the 5-minute rate.
  uint64_t hour = std::min(t.cache_creation_1h, t.cache_creation);
  double micro_usd = static_cast<double>(t.input) * r.input +
                     static_cast<double>(t.output) * r.output +
                     static_cast<double>(t.cache_creation - hour) * r.cache_write_5m +
                     static_cast<double>(hour) * r.cache_write_1h +
                     static_cast<double>(t.cache_read) * r.cache_read;
  return micro_usd / 1e6 * (fast ? *p->fast_multiplier : 1.0);
}

}  // namespace trace

namespace trace {

double RoundUsd(double usd) { return std::round(usd * 1e6) / 1e6; }

void CostSummary::Add(const std::string& model, std::string_view tier, const TokenCounts& tokens) {
  std::optional<double> cost = prices_.Cost(model, tier, tokens);
  if (!cost) {
    unknown_.insert(model);
    return;
  }
  known_[model] += *cost;
  known_total_ += *cost;
}

std::optional<double> CostSummary::Total() const {
  if (!unknown_.empty()) return std::nullopt;
  return RoundUsd(known_total_);
}

std::string CostSummary::ToJson() const {
  json::StringWriter w;
  w.StartObject();
  w.Key("total");
  if (auto t = Total()) {
    w.Double(*t);
  } else {
    w.Null();
  }
  w.Key("known_total");
  w.Double(RoundUsd(known_total_));
  w.Key("by_model");
  w.StartObject();
  for (const auto& [model, usd] : known_) {
    if (unknown_.count(model)) continue;
    w.Key(model);
    w.Double(RoundUsd(usd));
  }
  for (const std::string& model : unknown_) {
    w.Key(model);
    w.Null();
  }
  w.EndObject();
  w.Key("unknown_models");
  w.StartArray();
  for (const std::string& model : unknown_) w.String(model);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Result<std::string> AddCostToAggregate(std::string_view aggregate_json, const PriceTable& prices) {
  rapidjson::Document doc;
  Status parsed = json::Parse(&doc, aggregate_json);
  if (!parsed || !doc.IsObject()) {
    return Status::Error("aggregate is not a JSON object");
  }
  CostSummary summary(prices);
  if (const rapidjson::Value* buckets = json::Find(doc, "usage_buckets");
      buckets && buckets->IsArray()) {
    for (const auto& b : buckets->GetArray()) {
      if (!b.IsObject()) continue;
      TokenCounts t;
      t.input = static_cast<uint64_t>(json::GetInt(b, "input_tokens").value_or(0));
      t.output = static_cast<uint64_t>(json::GetInt(b, "output_tokens").value_or(0));
      t.cache_creation =
          static_cast<uint64_t>(json::GetInt(b, "cache_creation_input_tokens").value_or(0));
      t.cache_creation_1h =
          static_cast<uint64_t>(json::GetInt(b, "cache_creation_1h_input_tokens").value_or(0));
      t.cache_read = static_cast<uint64_t>(json::GetInt(b, "cache_read_input_tokens").value_or(0));
      summary.Add(std::string(json::GetString(b, "model").value_or("")),
                  json::GetString(b, "tier").value_or("standard"), t);
    }
  }
  doc.RemoveMember("cost_usd");
  rapidjson::Document cost(&doc.GetAllocator());
  if (Status st = json::Parse(&cost, summary.ToJson()); !st) return st.Wrap("cost summary");
  doc.AddMember("cost_usd", rapidjson::Value(cost, doc.GetAllocator()), doc.GetAllocator());
  return json::Serialize(doc);
}

std::string AddCost(std::string aggregate_json, const PriceTable* prices) {
  if (prices == nullptr) return aggregate_json;
  Result<std::string> priced = AddCostToAggregate(aggregate_json, *prices);
  return priced.ok() ? std::move(*priced) : std::move(aggregate_json);
}

}  // namespace trace
