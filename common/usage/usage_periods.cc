// See usage_periods.h. Rows are grouped from 15-minute slots: every zone's
// offsets and DST changes fall on quarter hours, so a slot lies in one
// local day, and grouping is exact in any zone.
#include "common/usage/usage_periods.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/base/clock.h"

namespace trace {

namespace {

std::string LastPart(const std::string& path) {
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return path;
  size_t slash = path.rfind('/', end);
  return path.substr(slash == std::string::npos ? 0 : slash + 1, end - (slash + 1) + 1);
}

struct Projects {
  std::map<std::string, std::string> cwd_of;  // session -> cwd
  const UsageOptions* o = nullptr;

  std::string Of(const std::string& session) const {
    auto it = cwd_of.find(session);
    return it == cwd_of.end() ? std::string() : it->second;
  }
  std::string Label(const std::string& cwd) const {
    if (cwd.empty()) return "(unknown)";
    for (const std::string& k : {cwd, LastPart(cwd)}) {
      if (auto it = o->aliases.find(k); it != o->aliases.end()) return it->second;
    }
    return ReadablePath(cwd, o->home);
  }
  bool Matches(const std::string& cwd) const {
    if (o->project.empty()) return true;
    const std::string& p = o->project;
    return p == cwd || p == ReadablePath(cwd, o->home) || p == Label(cwd) ||
           (!cwd.empty() && p == LastPart(cwd));
  }
};

// Sessions' users and hosts; a session without one groups as "(unknown)".
struct Origins {
  std::map<std::string, const SessionOrigin*> of;  // by session id
  const SessionOrigin* Of(const std::string& session) const {
    auto it = of.find(session);
    return it == of.end() ? nullptr : it->second;
  }
  std::string User(const std::string& session) const {
    const SessionOrigin* s = Of(session);
    return s && !s->user.empty() ? s->user : "(unknown)";
  }
  std::string Host(const std::string& session) const {
    const SessionOrigin* s = Of(session);
    return s && !s->host.empty() ? s->host : "(unknown)";
  }
  bool Matches(const std::string& session, const UsageOptions& o) const {
    if (o.user.empty() && o.host.empty()) return true;
    const SessionOrigin* s = Of(session);
    if (!s) return false;
    return (o.user.empty() || s->user == o.user) && (o.host.empty() || s->host == o.host);
  }
};

std::string LocalDayKey(int64_t ms, const TimeZone& tz) { return FormatCivilDay(tz.DayOf(ms)); }

std::string PeriodKey(const UsageSlot& s, const UsageOptions& o, const Projects& projects,
                      const Origins& origins) {
  switch (o.by) {
    case UsageGroup::kDay:
      return LocalDayKey(s.slot_ms, *o.tz);
    case UsageGroup::kWeek: {
      int64_t days = DaysFromCivil(o.tz->DayOf(s.slot_ms));
      return FormatCivilDay(CivilFromDays(days - (WeekdayOfDays(days) - o.week_start + 7) % 7));
    }
    case UsageGroup::kMonth:
      return LocalDayKey(s.slot_ms, *o.tz).substr(0, 7);
    case UsageGroup::kSession:
      return s.session_id;
    case UsageGroup::kProject:
      return projects.Of(s.session_id);
    case UsageGroup::kModel:
      return s.model;
    case UsageGroup::kUser:
      return origins.User(s.session_id);
    case UsageGroup::kHost:
      return origins.Host(s.session_id);
    case UsageGroup::kBlock:
      break;
  }
  return {};
}

bool InRange(int64_t ms, const UsageOptions& o) {
  return (!o.since_ms || ms >= *o.since_ms) && (!o.until_ms || ms < *o.until_ms);
}

bool TimeKeyed(UsageGroup g) {
  return g == UsageGroup::kDay || g == UsageGroup::kWeek || g == UsageGroup::kMonth ||
         g == UsageGroup::kBlock;
}

// Time-keyed rows sort by key; the others by last activity (then key), so
// "the last N" are the most recent ones either way.
void OrderAndCut(std::vector<UsagePeriodRow>& rows, const UsageOptions& o) {
  if (!TimeKeyed(o.by)) {
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.totals.last_ts != b.totals.last_ts ? a.totals.last_ts < b.totals.last_ts
                                                  : a.key < b.key;
    });
  }
  if (o.last > 0 && rows.size() > o.last) {
    rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(rows.size() - o.last));
  }
  if (o.descending) std::reverse(rows.begin(), rows.end());
}

std::vector<UsagePeriodRow> BlockRows(const std::vector<UsageSlot>& slots, const PriceTable& prices,
                                      const UsageOptions& o, std::optional<uint64_t>* limit) {
  std::vector<UsageBlock> blocks = BuildBlocks(slots, prices, o.now_ms);
  if (o.token_limit_max) *limit = LargestPastBlockTokens(blocks);
  std::vector<UsagePeriodRow> rows;
  for (UsageBlock& b : blocks) {
    if (!InRange(b.start_ms, o)) continue;
    UsagePeriodRow row;
    row.key = FormatRfc3339Ms(b.start_ms);
    row.totals = b.totals;
    row.models = b.models;
    row.block = std::move(b);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::string ReadablePath(const std::string& path, const std::string& home) {
  if (home.size() > 1 && path.compare(0, home.size(), home) == 0 &&
      (path.size() == home.size() || path[home.size()] == '/')) {
    std::string out = "~";
    out.append(path, home.size(), std::string::npos);
    return out;
  }
  return path;
}

UsagePeriodReport BuildUsagePeriods(const std::vector<UsageSlot>& slots,
                                    const std::vector<std::pair<std::string, std::string>>& dirs,
                                    const PriceTable& prices, const UsageOptions& o) {
  return BuildUsagePeriods(slots, dirs, {}, prices, o);
}

UsagePeriodReport BuildUsagePeriods(const std::vector<UsageSlot>& slots,
                                    const std::vector<std::pair<std::string, std::string>>& dirs,
                                    const std::vector<SessionOrigin>& session_origins,
                                    const PriceTable& prices, const UsageOptions& o) {
  UsagePeriodReport report;
  report.options = o;
  report.prices_origin = prices.origin();
  report.token_limit = o.token_limit;
  Projects projects;
  projects.o = &report.options;
  for (const auto& [session, cwd] : dirs) projects.cwd_of[session] = cwd;
  Origins origins;
  for (const SessionOrigin& s : session_origins) origins.of[s.session_id] = &s;
  std::vector<UsageSlot> kept;
  for (const UsageSlot& s : slots) {
    if (s.tokens.messages == 0 && s.tokens.Total() == 0) continue;
    if (!projects.Matches(projects.Of(s.session_id))) continue;
    if (!origins.Matches(s.session_id, o)) continue;
    kept.push_back(s);
  }
  if (o.by == UsageGroup::kBlock) {
    report.rows = BlockRows(kept, prices, o, &report.token_limit);
  } else {
    std::map<std::string, UsagePeriodRow> grouped;
    for (const UsageSlot& s : kept) {
      if (!InRange(s.slot_ms, o)) continue;
      std::optional<double> cost = prices.Cost(s.model, s.tier, s.tokens);
      UsagePeriodRow& row = grouped[PeriodKey(s, o, projects, origins)];
      row.totals.Add(s, cost);
      row.models[s.model].Add(s, cost);
      if (o.by == UsageGroup::kSession && row.project.empty()) {
        row.project = projects.Label(projects.Of(s.session_id));
      }
    }
    for (auto& [key, row] : grouped) {
      row.key = key;
      row.label = o.by == UsageGroup::kProject ? projects.Label(key) : key;
      if (o.by == UsageGroup::kModel) row.models.clear();
      report.rows.push_back(std::move(row));
    }
  }
  for (auto& row : report.rows) {
    if (row.label.empty()) row.label = row.key;
  }
  OrderAndCut(report.rows, o);
  for (const auto& row : report.rows) report.totals.Add(row.totals);
  return report;
}

}  // namespace trace
