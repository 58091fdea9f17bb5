// `trace-query usage` and `GET /api/usage` (proto/usage.md): usage slots
// grouped by local day, week or month, by session, project, model, user or host, or into
// 5-hour blocks; filtered by time range, project, user and host; ordered, cut to the last
// N rows; as JSON or an 80-column table. Pure: slots, session directories,
// prices and the options in, a report out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/tz/time_zone.h"
#include "common/usage/usage_blocks.h"
#include "common/usage/usage_totals.h"

namespace trace {

enum class UsageGroup { kDay, kWeek, kMonth, kSession, kProject, kModel, kBlock, kUser, kHost };
std::optional<UsageGroup> ParseUsageGroup(std::string_view s);
const char* UsageGroupName(UsageGroup g);

// The parameters shared by the command line and the REST API (one parser,
// ParseUsageOptions, so both accept and refuse the same things).
struct UsageOptions {
  UsageGroup by = UsageGroup::kDay;
  std::shared_ptr<const TimeZone> tz;         // never null after parsing
  std::optional<int64_t> since_ms, until_ms;  // [since, until) instants
  std::optional<std::string> since_text, until_text;
  bool descending = false;
  size_t last = 0;  // 0 = every row
  bool breakdown = false;
  std::string project;                         // filter: path, readable path, alias or last part
  std::string user, host;                      // filters: the session's user / host, exactly
  std::map<std::string, std::string> aliases;  // path or last part -> name shown
  int week_start = 1;                          // 0 = Sunday .. 6 = Saturday
  std::optional<uint64_t> token_limit;         // blocks
  bool token_limit_max = false;                // the largest past block
  std::string home;                            // shown as "~" in project paths
  int64_t now_ms = 0;
};

// Raw parameter values by name (flag or query parameter): by, timezone (or
// tz), since, until, order, last, breakdown, project, project_aliases,
// week_start, token_limit, user, host. Missing names keep the defaults. Errors are one
// line, naming the parameter.
using UsageParams = std::map<std::string, std::string>;
Result<UsageOptions> ParseUsageOptions(const UsageParams& params, int64_t now_ms);

struct UsagePeriodRow {
  std::string key;      // day "YYYY-MM-DD", week (its first day), month "YYYY-MM", session, project
                        // path, model, block start, user, host
  std::string label;    // shown: the key, or a readable project path / alias
  std::string project;  // sessions: their project (readable)
  CostedTokens totals;
  std::map<std::string, CostedTokens> models;
  std::optional<UsageBlock> block;  // --by block
};

struct UsagePeriodReport {
  UsageOptions options;
  std::string prices_origin;
  std::vector<UsagePeriodRow> rows;
  CostedTokens totals;
  std::optional<uint64_t> token_limit;  // resolved (max -> a number)
};

// slots in time order; dirs = (session id, cwd).
UsagePeriodReport BuildUsagePeriods(const std::vector<UsageSlot>& slots,
                                    const std::vector<std::pair<std::string, std::string>>& dirs,
                                    const PriceTable& prices, const UsageOptions& options);
// The same, with each session's user and host: for the user/host filters and
// --by user|host (sessions missing from origins have neither: "(unknown)").
UsagePeriodReport BuildUsagePeriods(const std::vector<UsageSlot>& slots,
                                    const std::vector<std::pair<std::string, std::string>>& dirs,
                                    const std::vector<SessionOrigin>& origins,
                                    const PriceTable& prices, const UsageOptions& options);

std::string UsagePeriodsJson(const UsagePeriodReport& report);
// width: terminal columns (0 = unlimited); a narrower terminal gets the
// compact layout (fewer columns, short numbers).
void PrintUsagePeriods(std::ostream& out, const UsagePeriodReport& report, size_t width);

// A working directory as shown: $HOME replaced by "~".
std::string ReadablePath(const std::string& path, const std::string& home);

}  // namespace trace
