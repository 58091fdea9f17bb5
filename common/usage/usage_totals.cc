// See usage_totals.h.
#include "common/usage/usage_totals.h"

#include <algorithm>
#include <cstdio>

#include "common/event/otel_totals.h"

namespace trace {

namespace {

void AddUnknown(std::vector<std::string>& names, const std::string& model) {
  auto at = std::lower_bound(names.begin(), names.end(), model);
  if (at == names.end() || *at != model) names.insert(at, model);
}

void Span(CostedTokens& t, int64_t first, int64_t last) {
  if (first == 0) return;
  t.first_ts = t.first_ts == 0 ? first : std::min(t.first_ts, first);
  t.last_ts = std::max(t.last_ts, last);
}

}  // namespace

void CostedTokens::Add(const UsageSlot& s, std::optional<double> cost) {
  tokens.Add(s.tokens);
  reported_cost_nanos += s.reported_cost_nanos;
  if (cost) {
    known_cost += *cost;
  } else {
    AddUnknown(unknown_models, s.model);
  }
  Span(*this, s.first_ts, s.last_ts);
}

void CostedTokens::Add(const CostedTokens& o) {
  tokens.Add(o.tokens);
  known_cost += o.known_cost;
  reported_cost_nanos += o.reported_cost_nanos;
  for (const auto& m : o.unknown_models) AddUnknown(unknown_models, m);
  Span(*this, o.first_ts, o.last_ts);
}

std::optional<double> CostedTokens::Cost() const {
  if (!unknown_models.empty()) return std::nullopt;
  return RoundUsd(known_cost);
}

void WriteCostedTokens(json::StringWriter& w, const CostedTokens& t) {
  const std::pair<const char*, uint64_t> counts[] = {
      {"input_tokens", t.tokens.input},
      {"output_tokens", t.tokens.output},
      {"cache_creation_input_tokens", t.tokens.cache_creation},
      {"cache_creation_5m_input_tokens", t.tokens.cache_creation_5m},
      {"cache_creation_1h_input_tokens", t.tokens.cache_creation_1h},
      {"cache_read_input_tokens", t.tokens.cache_read},
      {"total_tokens", t.tokens.Total()},
      {"messages", t.tokens.messages}};
  for (const auto& [key, n] : counts) {
    w.Key(key);
    w.Uint64(n);
  }
  w.Key("cost_usd");
  if (auto c = t.Cost()) {
    w.Double(*c);
  } else {
    w.Null();
  }
  w.Key("known_cost_usd");
  w.Double(RoundUsd(t.known_cost));
  w.Key("unknown_models");
  w.StartArray();
  for (const auto& m : t.unknown_models) w.String(m);
  w.EndArray();
  // Beside our priced figure, never mixed into it: null when no request of
  // the row reported one.
  w.Key("reported_cost_usd");
  if (t.reported_cost_nanos) {
    w.Double(RoundUsd(NanosToUsd(t.reported_cost_nanos)));
  } else {
    w.Null();
  }
}

std::string FormatUsd(const CostedTokens& t) {
  if (!t.unknown_models.empty() && t.known_cost == 0) return "?";
  char buf[48];
  const char* suffix = t.unknown_models.empty() ? "" : "+?";
  if (t.known_cost != 0 && t.known_cost < 0.01) {
    std::snprintf(buf, sizeof buf, "$%.4f%s", t.known_cost, suffix);
  } else {
    std::snprintf(buf, sizeof buf, "$%.2f%s", t.known_cost, suffix);
  }
  return buf;
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string ShortCount(uint64_t n) {
  char buf[32];
  if (n >= 1000000000) {
    std::snprintf(buf, sizeof buf, "%.1fB", static_cast<double>(n) / 1e9);
  } else if (n >= 1000000) {
    std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(n) / 1e6);
  } else if (n >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1fk", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  }
  return buf;
}

}  // namespace trace
