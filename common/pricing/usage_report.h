// The token and cost report behind `trace-query usage --by day|session|model`:
// the store's usage buckets grouped by day, session or model, each row with
// the numbers a ccusage user expects (input, output, cache create, cache
// read, total tokens, cost in USD) and a per-model breakdown. Pure functions
// of buckets + prices, so tests check the arithmetic without a store.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/event/tokens.h"
#include "common/pricing/pricing.h"

namespace trace {

enum class UsageBy { kDay, kSession, kModel };

// Parses "day" | "session" | "model".
std::optional<UsageBy> ParseUsageBy(std::string_view s);
// "YYYY-MM-DD" or "YYYYMMDD" (ccusage's form) -> "YYYY-MM-DD"; nullopt if neither.
std::optional<std::string> ParseUsageDay(std::string_view s);

struct UsageTotals {
  TokenCounts tokens;                       // with the number of messages
  double known_cost = 0;                    // USD of the priced models
  std::vector<std::string> unknown_models;  // sorted; any makes cost() null
  uint64_t TotalTokens() const;
  std::optional<double> Cost() const;
};

struct UsageModelLine {
  std::string model;
  UsageTotals totals;
};

struct UsageRow {
  std::string key;  // day, session id or model
  UsageTotals totals;
  std::vector<UsageModelLine> models;  // by model name (empty for --by model)
};

struct UsageReport {
  UsageBy by = UsageBy::kDay;
  std::optional<std::string> since, until;  // inclusive UTC days
  std::string prices_origin;
  std::vector<UsageRow> rows;  // ordered by key
  UsageTotals totals;
};

// Groups buckets (day x model x tier for day/model; session x day x model x
// tier for session) whose day lies in [since, until].
UsageReport BuildUsageReport(const std::vector<UsageBucket>& buckets, UsageBy by,
                             const std::optional<std::string>& since,
                             const std::optional<std::string>& until, const PriceTable& prices);

// One JSON object (format in README "Use with Claude Code").
std::string UsageReportJson(const UsageReport& report);
// A readable table with a TOTAL row; unknown-model costs are flagged "+?".
void PrintUsageTable(std::ostream& out, const UsageReport& report);

}  // namespace trace
