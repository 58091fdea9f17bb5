// See usage_periods.h: ParseUsageOptions, the one reader of the usage
// parameters for the command line and GET /api/usage.
#include <algorithm>
#include <cctype>

#include "common/base/clock.h"
#include "common/usage/usage_periods.h"

namespace trace {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<uint64_t> PositiveNumber(const std::string& s) {
  if (s.empty() || s.size() > 15 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  uint64_t n = std::stoull(s);
  return n > 0 ? std::optional<uint64_t>(n) : std::nullopt;
}

// A day (YYYYMMDD, YYYY-MM-DD) is local midnight in tz; until a day = up to
// the start of the next day. RFC 3339 is the instant itself (until inclusive).
Result<int64_t> Bound(const std::string& name, const std::string& text, const TimeZone& tz,
                      bool until) {
  if (auto day = ParseCivilDay(text)) {
    if (!until) return tz.StartOfDay(*day);
    return tz.StartOfDay(CivilFromDays(DaysFromCivil(*day) + 1));
  }
  if (auto ms = ParseRfc3339Ms(text)) return until ? *ms + 1 : *ms;
  return Status::Error(name + " must be YYYYMMDD, YYYY-MM-DD or RFC 3339, not '" + text + "'");
}

std::optional<int> Weekday(const std::string& text) {
  static const char* kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                 "thursday", "friday", "saturday"};
  std::string s = Lower(text);
  for (int i = 0; i < 7; ++i) {
    std::string name = kNames[i];
    if (s == name || (s.size() == 3 && name.compare(0, 3, s) == 0)) return i;
  }
  return std::nullopt;
}

Result<std::map<std::string, std::string>> Aliases(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t at = 0;
  while (at <= text.size() && !text.empty()) {
    size_t comma = text.find(',', at);
    std::string pair = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      return Status::Error("project_aliases must be PATH=NAME[,PATH=NAME...], not '" + pair + "'");
    }
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

Status ParseFlags(const UsageParams& p, UsageOptions& o) {
  auto get = [&](const char* k) -> const std::string* {
    auto it = p.find(k);
    return it == p.end() ? nullptr : &it->second;
  };
  if (const auto* v = get("order")) {
    if (*v != "asc" && *v != "desc") return Status::Error("order must be asc or desc");
    o.descending = *v == "desc";
  }
  if (const auto* v = get("last")) {
    auto n = PositiveNumber(*v);
    if (!n) return Status::Error("last must be a positive number");
    o.last = static_cast<size_t>(*n);
  }
  if (const auto* v = get("breakdown")) {
    if (*v != "" && *v != "1" && *v != "true" && *v != "0" && *v != "false") {
      return Status::Error("breakdown must be true or false");
    }
    o.breakdown = *v == "" || *v == "1" || *v == "true";
  }
  if (const auto* v = get("week_start")) {
    auto d = Weekday(*v);
    if (!d) return Status::Error("week_start must be a weekday name (monday, sun, ...)");
    o.week_start = *d;
  }
  if (const auto* v = get("token_limit")) {
    o.token_limit_max = *v == "max";
    if (!o.token_limit_max) {
      o.token_limit = PositiveNumber(*v);
      if (!o.token_limit) return Status::Error("token_limit must be a positive number or max");
    }
  }
  if (const auto* v = get("project")) o.project = *v;
  if (const auto* v = get("user")) o.user = *v;
  if (const auto* v = get("host")) o.host = *v;
  if (const auto* v = get("project_aliases")) {
    auto a = Aliases(*v);
    if (!a) return a.status();
    o.aliases = std::move(*a);
  }
  return Status::Ok();
}

}  // namespace

std::optional<UsageGroup> ParseUsageGroup(std::string_view s) {
  static const std::pair<const char*, UsageGroup> kNames[] = {
      {"day", UsageGroup::kDay},         {"daily", UsageGroup::kDay},
      {"week", UsageGroup::kWeek},       {"weekly", UsageGroup::kWeek},
      {"month", UsageGroup::kMonth},     {"monthly", UsageGroup::kMonth},
      {"session", UsageGroup::kSession}, {"project", UsageGroup::kProject},
      {"model", UsageGroup::kModel},     {"block", UsageGroup::kBlock},
      {"blocks", UsageGroup::kBlock},    {"user", UsageGroup::kUser},
      {"host", UsageGroup::kHost}};
  for (const auto& [name, g] : kNames) {
    if (s == name) return g;
  }
  return std::nullopt;
}

const char* UsageGroupName(UsageGroup g) {
  static const char* kNames[] = {"day",   "week",  "month", "session", "project",
                                 "model", "block", "user",  "host"};
  return kNames[static_cast<int>(g)];
}

Result<UsageOptions> ParseUsageOptions(const UsageParams& p, int64_t now_ms) {
  UsageOptions o;
  o.now_ms = now_ms;
  if (auto it = p.find("by"); it != p.end()) {
    auto g = ParseUsageGroup(it->second);
    if (!g) {
      return Status::Error(
          "by must be day, week, month, session, project, model, block, user or host");
    }
    o.by = *g;
  }
  std::string zone;
  if (auto it = p.find("timezone"); it != p.end()) zone = it->second;
  if (auto it = p.find("tz"); it != p.end()) zone = it->second;
  auto tz = TimeZone::Find(zone);
  if (!tz) return Status::Error("timezone: " + tz.status().message());
  o.tz = *tz;
  for (const char* name : {"since", "until"}) {
    auto it = p.find(name);
    if (it == p.end()) continue;
    bool until = name[0] == 'u';
    auto ms = Bound(name, it->second, *o.tz, until);
    if (!ms) return ms.status();
    (until ? o.until_ms : o.since_ms) = *ms;
    auto day = ParseCivilDay(it->second);
    (until ? o.until_text : o.since_text) = day ? FormatCivilDay(*day) : it->second;
  }
  if (Status st = ParseFlags(p, o); !st) return st;
  return o;
}

}  // namespace trace
