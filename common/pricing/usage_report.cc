// See usage_report.h. Cost is computed per (model, tier) bucket before any
// summing, so a long-context bucket is priced at its own rates.
#include "common/pricing/usage_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "common/base/clock.h"
#include "common/json/json.h"

namespace trace {
namespace {

void AddBucket(UsageTotals& t, const UsageBucket& b, std::optional<double> cost) {
  t.tokens.Add(b.tokens);
  if (cost) {
    t.known_cost += *cost;
  } else if (std::find(t.unknown_models.begin(), t.unknown_models.end(), b.model) ==
             t.unknown_models.end()) {
    t.unknown_models.push_back(b.model);
    std::sort(t.unknown_models.begin(), t.unknown_models.end());
  }
}

const std::string& KeyOf(const UsageBucket& b, UsageBy by) {
  switch (by) {
    case UsageBy::kDay:
      return b.day;
    case UsageBy::kSession:
      return b.session_id;
    case UsageBy::kModel:
      return b.model;
  }
  return b.day;
}

bool InRange(const std::string& day, const std::optional<std::string>& since,
             const std::optional<std::string>& until) {
  return (!since || day >= *since) && (!until || day <= *until);
}

void WriteTotals(json::StringWriter& w, const UsageTotals& t) {
  w.Key("input_tokens");
  w.Uint64(t.tokens.input);
  w.Key("output_tokens");
  w.Uint64(t.tokens.output);
  w.Key("cache_creation_input_tokens");
  w.Uint64(t.tokens.cache_creation);
  w.Key("cache_creation_5m_input_tokens");
  w.Uint64(t.tokens.cache_creation_5m);
  w.Key("cache_creation_1h_input_tokens");
  w.Uint64(t.tokens.cache_creation_1h);
  w.Key("cache_read_input_tokens");
  w.Uint64(t.tokens.cache_read);
  w.Key("total_tokens");
  w.Uint64(t.TotalTokens());
  w.Key("messages");
  w.Uint64(t.tokens.messages);
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
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Usd(const UsageTotals& t) {
  if (!t.unknown_models.empty() && t.known_cost == 0) return "?";
  char buf[48];
  std::snprintf(buf, sizeof buf, "$%.4f%s", t.known_cost, t.unknown_models.empty() ? "" : "+?");
  return buf;
}

// models is nullopt for the per-model report, which has no MODELS column.
std::vector<std::string> Cells(std::string key, std::optional<std::string> models,
                               const UsageTotals& t) {
  std::vector<std::string> cells = {std::move(key)};
  if (models) cells.push_back(std::move(*models));
  std::vector<std::string> numbers = {
      Thousands(t.tokens.input),          Thousands(t.tokens.output),
      Thousands(t.tokens.cache_creation), Thousands(t.tokens.cache_read),
      Thousands(t.TotalTokens()),         Usd(t)};
  cells.insert(cells.end(), numbers.begin(), numbers.end());
  return cells;
}

// The first text_columns columns are left-aligned text, the rest numbers.
void PrintAligned(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                  size_t text_columns) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()), 0);
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string pad(width[i] - r[i].size(), ' ');
      line += i < text_columns ? r[i] + pad : pad + r[i];
      if (i + 1 < r.size()) line += "  ";
    }
    out << line << "\n";
  }
}

}  // namespace

uint64_t UsageTotals::TotalTokens() const {
  return tokens.input + tokens.output + tokens.cache_creation + tokens.cache_read;
}

std::optional<double> UsageTotals::Cost() const {
  if (!unknown_models.empty()) return std::nullopt;
  return RoundUsd(known_cost);
}

std::optional<UsageBy> ParseUsageBy(std::string_view s) {
  if (s == "day" || s == "daily") return UsageBy::kDay;
  if (s == "session") return UsageBy::kSession;
  if (s == "model") return UsageBy::kModel;
  return std::nullopt;
}

std::optional<std::string> ParseUsageDay(std::string_view s) {
  std::string d(s);
  if (d.size() == 8 && d.find_first_not_of("0123456789") == std::string::npos) {
    d = d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
  }
  if (d.size() != 10 || !ParseRfc3339Ms(d + "T00:00:00Z")) return std::nullopt;
  return d;
}

UsageReport BuildUsageReport(const std::vector<UsageBucket>& buckets, UsageBy by,
                             const std::optional<std::string>& since,
                             const std::optional<std::string>& until, const PriceTable& prices) {
  UsageReport report;
  report.by = by;
  report.since = since;
  report.until = until;
  report.prices_origin = prices.origin();
  std::map<std::string, std::map<std::string, UsageTotals>> grouped;  // key -> model -> totals
  for (const UsageBucket& b : buckets) {
    if (!InRange(b.day, since, until)) continue;
    std::optional<double> cost = prices.Cost(b.model, b.tier, b.tokens);
    AddBucket(grouped[KeyOf(b, by)][b.model], b, cost);
    AddBucket(report.totals, b, cost);
  }
  for (auto& [key, models] : grouped) {
    UsageRow row;
    row.key = key;
    for (auto& [model, totals] : models) {
      UsageTotals& r = row.totals;
      r.tokens.Add(totals.tokens);
      r.known_cost += totals.known_cost;
      for (const auto& u : totals.unknown_models) r.unknown_models.push_back(u);
      if (by != UsageBy::kModel) row.models.push_back({model, totals});
    }
    report.rows.push_back(std::move(row));
  }
  return report;
}

std::string UsageReportJson(const UsageReport& report) {
  static const char* kKeys[] = {"day", "session_id", "model"};
  const char* key = kKeys[static_cast<int>(report.by)];
  json::StringWriter w;
  w.StartObject();
  w.Key("by");
  w.String(report.by == UsageBy::kDay       ? "day"
           : report.by == UsageBy::kSession ? "session"
                                            : "model");
  w.OptString("since", report.since);
  w.OptString("until", report.until);
  w.Key("prices");
  w.String(report.prices_origin);
  w.Key("rows");
  w.StartArray();
  for (const UsageRow& row : report.rows) {
    w.StartObject();
    w.Key(key);
    w.String(row.key);
    WriteTotals(w, row.totals);
    if (report.by != UsageBy::kModel) {
      w.Key("models");
      w.StartArray();
      for (const auto& m : row.models) {
        w.StartObject();
        w.Key("model");
        w.String(m.model);
        WriteTotals(w, m.totals);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("totals");
  w.StartObject();
  WriteTotals(w, report.totals);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

void PrintUsageTable(std::ostream& out, const UsageReport& report) {
  static const char* kHeads[] = {"DAY", "SESSION", "MODEL"};
  bool by_model = report.by == UsageBy::kModel;
  std::vector<std::string> head = {kHeads[static_cast<int>(report.by)],
                                   "INPUT",
                                   "OUTPUT",
                                   "CACHE CREATE",
                                   "CACHE READ",
                                   "TOTAL TOKENS",
                                   "COST (USD)"};
  if (!by_model) head.insert(head.begin() + 1, "MODELS");
  std::vector<std::vector<std::string>> rows = {head};
  for (const UsageRow& row : report.rows) {
    std::string models;
    for (const auto& m : row.models) models += (models.empty() ? "" : ", ") + m.model;
    rows.push_back(Cells(row.key, by_model ? std::nullopt : std::optional(models), row.totals));
  }
  rows.push_back(
      Cells("TOTAL", by_model ? std::nullopt : std::optional<std::string>(""), report.totals));
  PrintAligned(out, rows, by_model ? 1 : 2);
  if (!report.totals.unknown_models.empty()) {
    std::string names;
    for (const auto& m : report.totals.unknown_models) names += (names.empty() ? "" : ", ") + m;
    out << "+? = plus tokens of models without a price (" << names
        << "); add them to a table given with --prices FILE\n";
  }
  out << "prices: " << report.prices_origin << "\n";
}

}  // namespace trace
