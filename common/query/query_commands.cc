// See query_commands.h: sessions, session ID, events.
#include "common/query/query_commands.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <iostream>

#include "common/base/clock.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/query/query_status.h"
#include "common/query/query_statusline.h"
#include "common/query/query_usage.h"

namespace trace {

namespace po = boost::program_options;

namespace {

rapidjson::Document ParseDoc(const std::string& s) {
  rapidjson::Document d;
  Status parsed = json::Parse(&d, s, json::kMaxEventDepth);
  if (!parsed || !d.IsObject()) d.SetObject();
  return d;
}

std::string Str(const rapidjson::Value& o, std::string_view k) {
  auto v = json::GetString(o, k);
  return v ? std::string(*v) : "-";
}

std::string Num(const rapidjson::Value& o, std::string_view k) {
  auto v = json::GetInt(o, k);
  return v ? std::to_string(*v) : "-";
}

std::string Time(const rapidjson::Value& o, std::string_view k) {
  auto v = json::GetInt(o, k);
  return v ? ShortTime(*v) : "-";
}

// cost_usd.total, or the known part and the unpriced models.
std::string CostText(const rapidjson::Value& d) {
  const rapidjson::Value* cost = json::Find(d, "cost_usd");
  if (!cost || !cost->IsObject()) return "-";
  const rapidjson::Value* total = json::Find(*cost, "total");
  if (total && total->IsNumber()) return std::to_string(total->GetDouble());
  const rapidjson::Value* known = json::Find(*cost, "known_total");
  return (known && known->IsNumber() ? std::to_string(known->GetDouble()) : "0") +
         " + unpriced models " + json::Serialize((*cost)["unknown_models"]);
}

int Error(const std::string& what, const Status& st) {
  std::cerr << "trace-query: " << what << " failed: " << st.message() << "\n";
  return 1;
}

// --user/--host: shared by events, sessions and usage (one definition).
std::string Flag(const QueryContext& c, const char* name) {
  return c.vm.count(name) ? c.vm[name].as<std::string>() : std::string();
}

int RunSessions(QueryContext& c) {
  SessionFilter filter{Flag(c, "user"), Flag(c, "host")};
  auto page =
      c.store->FindSessions(filter, c.vm["limit"].as<size_t>(), c.vm["offset"].as<size_t>());
  if (!page) return Error("list sessions", page.status());
  if (c.json) {
    for (const auto& s : page->sessions) c.out << s << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"LAST ACTIVITY", "SESSION", "EVENTS", "TOOLS",
                                                 "FAILED", "PROMPTS", "TURNS", "IN+CACHE", "OUT",
                                                 "MODEL", "USER", "HOST"}};
  for (const auto& s : page->sessions) {
    auto d = ParseDoc(s);
    const rapidjson::Value* u = json::Find(d, "usage");
    uint64_t in = 0, out = 0;
    if (u && u->IsObject()) {
      in = json::GetInt(*u, "input_tokens").value_or(0) +
           json::GetInt(*u, "cache_creation_input_tokens").value_or(0) +
           json::GetInt(*u, "cache_read_input_tokens").value_or(0);
      out = json::GetInt(*u, "output_tokens").value_or(0);
    }
    rows.push_back({Time(d, "last_ts"), Str(d, "session_id"), Num(d, "events"),
                    Num(d, "tool_calls"), Num(d, "tool_failures"), Num(d, "prompts"),
                    Num(d, "assistant_turns"), std::to_string(in), std::to_string(out),
                    Str(d, "model"), Str(d, "user"), Str(d, "host")});
  }
  PrintTable(c.out, rows);
  c.out << page->total << " sessions\n";
  return 0;
}

int RunSession(QueryContext& c) {
  if (c.args.size() != 1) {
    std::cerr << "trace-query: session failed: expected one session id (see --help)\n";
    return 2;
  }
  auto s = c.store->GetSession(c.args[0]);
  if (!s) return Error("read session", s.status());
  if (!*s) {
    std::cerr << "trace-query: session failed: no session '" << c.args[0] << "'\n";
    return 1;
  }
  auto prices = QueryPrices(c);
  if (!prices) return Error("load prices", prices.status());
  auto priced = AddCostToAggregate(**s, *prices);  // adds cost_usd (common/pricing/pricing.h)
  if (!priced) return Error("price session", priced.status());
  if (c.json) {
    c.out << *priced << "\n";
    return 0;
  }
  auto d = ParseDoc(*priced);
  std::vector<std::vector<std::string>> head = {{"session", Str(d, "session_id")},
                                                {"first", Time(d, "first_ts")},
                                                {"last", Time(d, "last_ts")},
                                                {"cwd", Str(d, "cwd")},
                                                {"branch", Str(d, "git_branch")},
                                                {"user", Str(d, "user")},
                                                {"host", Str(d, "host")},
                                                {"model", Str(d, "model")},
                                                {"events", Num(d, "events")},
                                                {"prompts", Num(d, "prompts")},
                                                {"assistant turns", Num(d, "assistant_turns")},
                                                {"tool calls", Num(d, "tool_calls")},
                                                {"tool failures", Num(d, "tool_failures")},
                                                {"open tool calls", Num(d, "open_tool_calls")},
                                                {"parse errors", Num(d, "parse_errors")},
                                                {"cost (USD)", CostText(d)}};
  // Claude Code's own figure (OTel api_request cost_usd), beside ours.
  if (const rapidjson::Value* r = json::Find(d, "reported_cost_usd"); r && r->IsNumber()) {
    head.push_back({"reported cost (USD)", std::to_string(r->GetDouble())});
  }
  PrintTable(c.out, head);
  std::vector<std::vector<std::string>> tools = {
      {"TOOL", "CALLS", "FAILED", "OPEN", "P50 MS", "P95 MS", "MAX MS"}};
  if (const rapidjson::Value* t = json::Find(d, "tools"); t && t->IsObject()) {
    for (auto& m : t->GetObject()) {
      const rapidjson::Value* dur = json::Find(m.value, "duration");
      static const rapidjson::Value kEmpty(rapidjson::kObjectType);
      const rapidjson::Value& du = dur && dur->IsObject() ? *dur : kEmpty;
      tools.push_back({m.name.GetString(), Num(m.value, "calls"), Num(m.value, "failures"),
                       Num(m.value, "open"), Num(du, "p50_ms"), Num(du, "p95_ms"),
                       Num(du, "max_ms")});
    }
  }
  c.out << "\n";
  PrintTable(c.out, tools);
  return 0;
}

void AddEventOptions(po::options_description& o) {
  o.add_options()("session-id", po::value<std::string>()->value_name("ID"),
                  "events: only this session")(
      "task-id", po::value<std::string>()->value_name("ID"), "events: only this task")(
      "tool-name", po::value<std::string>()->value_name("NAME"), "events: only this tool")(
      "trace-id", po::value<std::string>()->value_name("ID"), "events: only this trace")(
      "event-type", po::value<std::string>()->value_name("TYPE"), "events: only this event type")(
      "from", po::value<std::string>()->value_name("TIME"),
      "events: at or after (ms epoch or RFC 3339)")("to",
                                                    po::value<std::string>()->value_name("TIME"),
                                                    "events: at or before (ms epoch or RFC 3339)")(
      "before-seq", po::value<uint64_t>()->default_value(0),
      "events: only seq below this (paging)")(
      "user", po::value<std::string>()->value_name("USER"),
      "events, sessions, usage: only this user (the event's, the session's)")(
      "host", po::value<std::string>()->value_name("HOST"),
      "events, sessions, usage: only this host");
}

bool ParseTime(const std::string& s, std::optional<int64_t>* out) {
  if (!s.empty() && std::all_of(s.begin(), s.end(), ::isdigit)) {
    *out = std::stoll(s);
    return true;
  }
  *out = ParseRfc3339Ms(s);
  return out->has_value();
}

int RunEvents(QueryContext& c) {
  EventQuery q;
  auto get = [&](const char* k, std::string* out) {
    if (c.vm.count(k)) *out = c.vm[k].as<std::string>();
  };
  get("session-id", &q.filter.session_id);
  get("task-id", &q.filter.task_id);
  get("tool-name", &q.filter.tool_name);
  get("trace-id", &q.filter.trace_id);
  get("event-type", &q.filter.event_type);
  get("user", &q.filter.user);
  get("host", &q.filter.host);
  for (const char* k : {"from", "to"}) {
    if (!c.vm.count(k)) continue;
    auto& slot = std::string(k) == "from" ? q.filter.from_ms : q.filter.to_ms;
    if (!ParseTime(c.vm[k].as<std::string>(), &slot)) {
      std::cerr << "trace-query: events failed: --" << k << " is not ms epoch or RFC 3339\n";
      return 2;
    }
  }
  q.limit = c.vm["limit"].as<size_t>();
  q.offset = c.vm["offset"].as<size_t>();
  q.before_seq = c.vm["before-seq"].as<uint64_t>();
  auto page = c.store->QueryEvents(q);
  if (!page) return Error("query events", page.status());
  if (c.json) {
    for (const auto& e : page->events) c.out << e << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"SEQ", "TIME", "KIND", "EVENT", "SESSION", "TOOL", "DURATION", "USER@HOST"}};
  for (const auto& e : page->events) {
    auto d = ParseDoc(e);
    std::string session = Str(d, "session_id");
    rows.push_back({Num(d, "seq"), Time(d, "timestamp"), Str(d, "kind"), Str(d, "event_type"),
                    session.substr(0, 8), Str(d, "tool_name"), Num(d, "duration_ms"),
                    Str(d, "user") + "@" + Str(d, "host")});
  }
  PrintTable(c.out, rows);
  c.out << page->events.size() << " of " << page->total << " events\n";
  return 0;
}

}  // namespace

const std::vector<QueryCommand>& QueryCommands() {
  static const std::vector<QueryCommand> kCommands = {
      {"sessions", "sessions [--user USER --host HOST --limit N --offset N]",
       "sessions, most recent activity first", nullptr, RunSessions},
      {"session", "session ID", "one session's summary (aggregate)", nullptr, RunSession},
      {"events",
       "events [--session-id ID --task-id ID --tool-name NAME --trace-id ID --event-type T "
       "--user USER --host HOST --from TIME --to TIME --limit N --offset N --before-seq SEQ]",
       "events newest first, filtered like GET /api/traces", AddEventOptions, RunEvents},
      {"usage",
       "usage [--by day|week|month|session|project|model|block|user|host] [--since WHEN] "
       "[--until WHEN] [--timezone NAME] [--order asc|desc] [--last N] [--breakdown] "
       "[--project NAME] [--user USER] [--host HOST] "
       "[--project-aliases PATH=NAME,...] [--week-start DAY] [--token-limit N|max] [--prices FILE]",
       "tokens (input, output, cache create, cache read) and cost in USD, like ccusage",
       AddUsageOptions, RunUsage},
      {"statusline", "statusline [--no-color] [--timezone NAME] [--prices FILE]",
       "a Claude Code status line: reads its statusLine JSON on stdin, prints one line",
       AddStatusLineOptions, RunStatusLine, true},
      {"status", "status", "the store and how far trace-index is (proto/progress.md)", nullptr,
       RunStatus},
  };
  return kCommands;
}

const QueryCommand* FindQueryCommand(const std::string& name) {
  for (const auto& c : QueryCommands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string ShortTime(int64_t ms) {
  std::string s = FormatRfc3339Ms(ms);  // 2026-02-12T16:02:25.284Z
  if (s.size() >= 19) s = s.substr(0, 10) + " " + s.substr(11, 8);
  return s;
}

void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

}  // namespace trace
