// See usage_periods.h: the report as JSON (field names in proto/usage.md)
// and as a table that fits the terminal, with a TOTAL row.
#include <algorithm>
#include <cstdio>

#include "common/base/clock.h"
#include "common/usage/usage_periods.h"

namespace trace {

namespace {

const char* RowKeyName(UsageGroup g) {
  static const char* kKeys[] = {"day",   "week",        "month", "session_id", "project",
                                "model", "block_start", "user",  "host"};
  return kKeys[static_cast<int>(g)];
}

void OptTime(json::StringWriter& w, const char* key, int64_t ms) {
  w.Key(key);
  if (ms == 0) {
    w.Null();
  } else {
    w.String(FormatRfc3339Ms(ms));
  }
}

void WriteProjection(json::StringWriter& w, const UsageBlock& b,
                     const std::optional<uint64_t>& limit) {
  const BlockProjection& p = *b.projection;
  w.Key("burn_rate");
  w.StartObject();
  w.Key("tokens_per_minute");
  w.Double(p.tokens_per_minute);
  w.Key("io_tokens_per_minute");
  w.Double(p.io_tokens_per_minute);
  w.Key("cost_usd_per_hour");
  w.Double(RoundUsd(p.cost_per_hour));
  w.EndObject();
  w.Key("projection");
  w.StartObject();
  w.Key("total_tokens");
  w.Uint64(p.projected_tokens);
  w.Key("cost_usd");
  w.Double(RoundUsd(p.projected_cost));
  w.Key("remaining_minutes");
  w.Int64(p.remaining_ms / 60000);
  w.EndObject();
  if (limit) {
    w.Key("token_limit");
    w.StartObject();
    w.Key("limit");
    w.Uint64(*limit);
    w.Key("used_percent");
    w.Double(*limit ? 100.0 * static_cast<double>(b.totals.tokens.Total()) /
                          static_cast<double>(*limit)
                    : 0);
    w.Key("projected_percent");
    w.Double(*limit ? 100.0 * static_cast<double>(p.projected_tokens) / static_cast<double>(*limit)
                    : 0);
    w.Key("exceeds");
    w.Bool(p.projected_tokens > *limit);
    w.EndObject();
  }
}

void WriteRow(json::StringWriter& w, const UsagePeriodReport& r, const UsagePeriodRow& row) {
  UsageGroup by = r.options.by;
  w.StartObject();
  w.Key(RowKeyName(by));
  w.String(row.key);
  if (by == UsageGroup::kProject || by == UsageGroup::kSession) {
    w.Key(by == UsageGroup::kProject ? "project_name" : "project");
    w.String(by == UsageGroup::kProject ? row.label : row.project);
  }
  if (row.block) {
    OptTime(w, "block_end", row.block->end_ms);
    w.Key("active");
    w.Bool(row.block->active);
  }
  OptTime(w, "first_message", row.totals.first_ts);
  OptTime(w, "last_message", row.totals.last_ts);
  WriteCostedTokens(w, row.totals);
  if (row.block && row.block->projection) WriteProjection(w, *row.block, r.token_limit);
  if (by != UsageGroup::kModel) {
    w.Key("models");
    w.StartArray();
    for (const auto& [model, t] : row.models) {
      w.StartObject();
      w.Key("model");
      w.String(model);
      WriteCostedTokens(w, t);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

const char* WeekdayName(int d) {
  static const char* kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                 "thursday", "friday", "saturday"};
  return kNames[d];
}

// "claude-sonnet-4-5-20250929" -> "sonnet-4-5".
std::string ShortModel(std::string m) {
  if (m.compare(0, 7, "claude-") == 0) m = m.substr(7);
  size_t dash = m.rfind('-');
  if (dash != std::string::npos && m.size() - dash == 9 &&
      m.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
    m = m.substr(0, dash);
  }
  return m;
}

std::string LocalTime(int64_t ms, const TimeZone& tz) {
  int64_t t = FloorDiv(ms, 1000) + tz.OffsetAt(FloorDiv(ms, 1000));
  int64_t secs = t - FloorDiv(t, 86400) * 86400;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60));
  return FormatCivilDay(CivilFromDays(FloorDiv(t, 86400))) + buf;
}

std::string Minutes(int64_t ms) {
  int64_t m = std::max<int64_t>(0, ms / 60000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(m / 60),
                static_cast<long long>(m % 60));
  return buf;
}

using Table = std::vector<std::vector<std::string>>;

std::vector<std::string> Cells(const std::string& key, const std::string& models,
                               const CostedTokens& t, bool compact) {
  if (compact) {
    return {key, ShortCount(t.tokens.input + t.tokens.output),
            ShortCount(t.tokens.cache_creation + t.tokens.cache_read), ShortCount(t.tokens.Total()),
            FormatUsd(t)};
  }
  return {key,
          models,
          Thousands(t.tokens.input),
          Thousands(t.tokens.output),
          Thousands(t.tokens.cache_creation),
          Thousands(t.tokens.cache_read),
          Thousands(t.tokens.Total()),
          FormatUsd(t)};
}

std::string KeyCell(const UsagePeriodReport& r, const UsagePeriodRow& row) {
  if (!row.block) return row.label;
  std::string s = LocalTime(row.block->start_ms, *r.options.tz);
  return row.block->active ? s + " *" : s;
}

Table BuildTable(const UsagePeriodReport& r, bool compact) {
  static const char* kHeads[] = {"DAY",   "WEEK",        "MONTH", "SESSION", "PROJECT",
                                 "MODEL", "BLOCK START", "USER",  "HOST"};
  Table t;
  if (compact) {
    t.push_back({kHeads[static_cast<int>(r.options.by)], "IN+OUT", "CACHE", "TOTAL", "COST"});
  } else {
    t.push_back({kHeads[static_cast<int>(r.options.by)], "MODELS", "INPUT", "OUTPUT",
                 "CACHE CREATE", "CACHE READ", "TOTAL TOKENS", "COST (USD)"});
  }
  for (const UsagePeriodRow& row : r.rows) {
    std::string models;
    for (const auto& [m, _] : row.models) models += (models.empty() ? "" : ", ") + ShortModel(m);
    t.push_back(Cells(KeyCell(r, row), models, row.totals, compact));
    if (!r.options.breakdown || r.options.by == UsageGroup::kModel) continue;
    for (const auto& [m, mt] : row.models) {
      t.push_back(Cells("  - " + ShortModel(m), "", mt, compact));
    }
  }
  t.push_back(Cells("TOTAL", "", r.totals, compact));
  if (!compact && r.options.by == UsageGroup::kModel) {
    for (auto& row : t) row.erase(row.begin() + 1);  // a model row has no MODELS
  }
  return t;
}

size_t Width(const Table& t) {
  std::vector<size_t> w;
  for (const auto& r : t) {
    w.resize(std::max(w.size(), r.size()), 0);
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  size_t total = 0;
  for (size_t x : w) total += x + 2;
  return total ? total - 2 : 0;
}

void PrintTable(std::ostream& out, const Table& rows, size_t text_columns) {
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
    out << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
  }
}

void PrintActiveBlock(std::ostream& out, const UsagePeriodReport& r) {
  for (const auto& row : r.rows) {
    if (!row.block || !row.block->projection) continue;
    const BlockProjection& p = *row.block->projection;
    char buf[256];
    std::snprintf(buf, sizeof buf, "* active: %s left; burn %s tokens/min, $%.2f/h\n",
                  Minutes(p.remaining_ms).c_str(),
                  ShortCount(static_cast<uint64_t>(p.tokens_per_minute)).c_str(), p.cost_per_hour);
    out << buf;
    std::snprintf(buf, sizeof buf, "  projected at block end: %s tokens, $%.2f",
                  ShortCount(p.projected_tokens).c_str(), p.projected_cost);
    out << buf;
    if (r.token_limit && *r.token_limit > 0) {
      double pct =
          100.0 * static_cast<double>(p.projected_tokens) / static_cast<double>(*r.token_limit);
      std::snprintf(buf, sizeof buf, " (%.0f%% of limit %s%s)", pct,
                    ShortCount(*r.token_limit).c_str(),
                    p.projected_tokens > *r.token_limit ? ", EXCEEDS" : "");
      out << buf;
    }
    out << "\n";
  }
}

}  // namespace

std::string UsagePeriodsJson(const UsagePeriodReport& r) {
  const UsageOptions& o = r.options;
  json::StringWriter w;
  w.StartObject();
  w.Key("by");
  w.String(UsageGroupName(o.by));
  w.Key("timezone");
  w.String(o.tz->name());
  w.Key("week_start");
  w.String(WeekdayName(o.week_start));
  w.OptString("since", o.since_text);
  w.OptString("until", o.until_text);
  w.Key("order");
  w.String(o.descending ? "desc" : "asc");
  if (!o.project.empty()) {
    w.Key("project");
    w.String(o.project);
  }
  for (const auto& [key, value] : {std::pair{"user", &o.user}, {"host", &o.host}}) {
    if (value->empty()) continue;
    w.Key(key);
    w.String(*value);
  }
  w.Key("prices");
  w.String(r.prices_origin);
  w.Key("rows");
  w.StartArray();
  for (const UsagePeriodRow& row : r.rows) WriteRow(w, r, row);
  w.EndArray();
  w.Key("totals");
  w.StartObject();
  WriteCostedTokens(w, r.totals);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

void PrintUsagePeriods(std::ostream& out, const UsagePeriodReport& r, size_t width) {
  Table full = BuildTable(r, false);
  bool compact = width > 0 && Width(full) > width;
  bool models_column = !compact && r.options.by != UsageGroup::kModel;
  PrintTable(out, compact ? BuildTable(r, true) : full, models_column ? 2 : 1);
  PrintActiveBlock(out, r);
  if (!r.totals.unknown_models.empty()) {
    std::string names;
    for (const auto& m : r.totals.unknown_models) names += (names.empty() ? "" : ", ") + m;
    out << "+? = plus tokens of models without a price (" << names
        << "); add them to a table given with --prices FILE\n";
  }
  out << "time zone: " << r.options.tz->name() << "\nprices: " << r.prices_origin << "\n";
}

}  // namespace trace
