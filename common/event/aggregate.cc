// See aggregate.h. JSON in and out of the aggregate structs; the field
// names are the contract of proto/storage.md "Aggregates".
#include "common/event/aggregate.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>

#include "common/base/clock.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {

namespace {

using json::StringWriter;
using rapidjson::Value;

uint64_t U(const Value& o, std::string_view k) {
  auto v = json::GetInt(o, k);
  return v && *v > 0 ? static_cast<uint64_t>(*v) : 0;
}
int64_t I(const Value& o, std::string_view k) { return json::GetInt(o, k).value_or(0); }
std::string S(const Value& o, std::string_view k) {
  auto v = json::GetString(o, k);
  return v ? std::string(*v) : std::string();
}
void KU(StringWriter& w, std::string_view k, uint64_t v) {
  w.Key(k);
  w.Uint64(v);
}
void KI(StringWriter& w, std::string_view k, int64_t v) {
  w.Key(k);
  w.Int64(v);
}
void KS(StringWriter& w, std::string_view k, std::string_view v) {
  w.Key(k);
  v.empty() ? w.Null() : w.String(v);
}

Result<rapidjson::Document> ParseObject(std::string_view text, const char* what) {
  rapidjson::Document d;
  Status parsed = json::Parse(&d, text);
  if (!parsed || !d.IsObject()) return Status::Error(std::string("corrupt ") + what + " value");
  return d;
}

void WriteDuration(StringWriter& w, const DurationStats& d) {
  w.StartObject();
  KU(w, "count", d.count);
  KU(w, "sum_ms", d.sum_ms);
  KI(w, "min_ms", d.min_ms);
  KI(w, "max_ms", d.max_ms);
  KI(w, "avg_ms", d.count ? static_cast<int64_t>(d.sum_ms / d.count) : 0);
  KI(w, "p50_ms", d.Percentile(0.50));
  KI(w, "p95_ms", d.Percentile(0.95));
  KI(w, "p99_ms", d.Percentile(0.99));
  w.Key("histogram");
  w.StartArray();
  for (int i = 0; i < DurationStats::kBuckets; ++i) {
    if (!d.hist[i]) continue;
    w.StartArray();
    w.Int64(i);
    w.Uint64(d.hist[i]);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
}

DurationStats ReadDuration(const Value* v) {
  DurationStats d;
  if (!v || !v->IsObject()) return d;
  d.count = U(*v, "count");
  d.sum_ms = U(*v, "sum_ms");
  d.min_ms = I(*v, "min_ms");
  d.max_ms = I(*v, "max_ms");
  const Value* h = json::Find(*v, "histogram");
  if (!h || !h->IsArray()) return d;
  for (const Value& p : h->GetArray()) {
    if (!p.IsArray() || p.Size() != 2 || !p[0].IsInt() || !p[1].IsUint64()) continue;
    int i = p[0].GetInt();
    if (i >= 0 && i < DurationStats::kBuckets) d.hist[i] = p[1].GetUint64();
  }
  return d;
}

void WriteToolStatsFields(StringWriter& w, const ToolStats& t) {
  KU(w, "calls", t.calls);
  KU(w, "failures", t.failures);
  KU(w, "open", t.open);
  w.Key("duration");
  WriteDuration(w, t.duration);
}

ToolStats ReadToolStats(const Value& v) {
  ToolStats t;
  t.calls = U(v, "calls");
  t.failures = U(v, "failures");
  t.open = U(v, "open");
  t.duration = ReadDuration(json::Find(v, "duration"));
  return t;
}

void WriteTokenFields(StringWriter& w, const TokenCounts& c) {
  KU(w, "input_tokens", c.input);
  KU(w, "output_tokens", c.output);
  KU(w, "cache_creation_input_tokens", c.cache_creation);
  KU(w, "cache_creation_5m_input_tokens", c.cache_creation_5m);
  KU(w, "cache_creation_1h_input_tokens", c.cache_creation_1h);
  KU(w, "cache_read_input_tokens", c.cache_read);
  KU(w, "messages", c.messages);
}

TokenCounts ReadTokens(const Value& v) {
  TokenCounts c;
  c.input = U(v, "input_tokens");
  c.output = U(v, "output_tokens");
  c.cache_creation = U(v, "cache_creation_input_tokens");
  // Stores written before the split have only the total: all 5-minute.
  c.cache_creation_1h = std::min(U(v, "cache_creation_1h_input_tokens"), c.cache_creation);
  c.cache_creation_5m = json::Find(v, "cache_creation_5m_input_tokens")
                            ? U(v, "cache_creation_5m_input_tokens")
                            : c.cache_creation - c.cache_creation_1h;
  c.cache_read = U(v, "cache_read_input_tokens");
  c.messages = U(v, "messages");
  return c;
}

void WriteStringArray(StringWriter& w, std::string_view k, const std::set<std::string>& s) {
  w.Key(k);
  w.StartArray();
  for (const auto& x : s) w.String(x);
  w.EndArray();
}

void ReadStringArray(const Value& o, std::string_view k, std::set<std::string>* out) {
  const Value* a = json::Find(o, k);
  if (!a || !a->IsArray()) return;
  for (const Value& x : a->GetArray()) {
    if (x.IsString()) out->insert(std::string(x.GetString(), x.GetStringLength()));
  }
}

void WriteCounts(StringWriter& w, std::string_view k, const std::map<std::string, uint64_t>& m) {
  w.Key(k);
  w.StartObject();
  for (const auto& [name, n] : m) KU(w, name, n);
  w.EndObject();
}

void ReadCounts(const Value& o, std::string_view k, std::map<std::string, uint64_t>* out) {
  const Value* m = json::Find(o, k);
  if (!m || !m->IsObject()) return;
  for (auto& x : m->GetObject()) {
    if (x.value.IsUint64()) (*out)[x.name.GetString()] = x.value.GetUint64();
  }
}

constexpr const char* kPromptNames[] = {"hook", "transcript", "history"};

}  // namespace

void AgentInfo::Merge(const AgentInfo& other) {
  if (kind.empty()) kind = other.kind;
  if (agent_type.empty()) agent_type = other.agent_type;
  if (description.empty()) description = other.description;
}

int DurationStats::Bucket(int64_t ms) {
  if (ms < 0) ms = 0;
  int b = static_cast<int>(std::floor(4.0 * std::log2(static_cast<double>(ms) + 1.0)));
  return std::clamp(b, 0, kBuckets - 1);
}

void DurationStats::Add(int64_t ms) {
  if (ms < 0) ms = 0;
  min_ms = count ? std::min(min_ms, ms) : ms;
  max_ms = count ? std::max(max_ms, ms) : ms;
  ++count;
  sum_ms += static_cast<uint64_t>(ms);
  ++hist[Bucket(ms)];
}

void DurationStats::Replace(int64_t old_ms, int64_t new_ms) {
  old_ms = std::max<int64_t>(old_ms, 0);
  new_ms = std::max<int64_t>(new_ms, 0);
  if (!count) return Add(new_ms);
  sum_ms = sum_ms - static_cast<uint64_t>(old_ms) + static_cast<uint64_t>(new_ms);
  if (hist[Bucket(old_ms)]) --hist[Bucket(old_ms)];
  ++hist[Bucket(new_ms)];
  min_ms = count == 1 ? new_ms : std::min(min_ms, new_ms);
  max_ms = count == 1 ? new_ms : std::max(max_ms, new_ms);
}

int64_t DurationStats::Percentile(double q) const {
  if (!count) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += hist[i];
    if (seen >= rank) {
      // Upper edge of the bucket: the smallest v with Bucket(v) > i, minus 1.
      double upper = std::exp2((i + 1) / 4.0) - 1.0;
      int64_t v = static_cast<int64_t>(std::ceil(upper)) - 1;
      return std::clamp(v, min_ms, max_ms);
    }
  }
  return max_ms;
}

uint64_t Aggregate::Prompts() const {
  return *std::max_element(prompts_by_source.begin(), prompts_by_source.end());
}

std::string Aggregate::PickModel() const {
  const auto& counts = main_models.empty() ? agent_models : main_models;
  std::string best;
  uint64_t most = 0;
  for (const auto& [name, n] : counts) {
    if (n > most) {
      best = name;
      most = n;
    }
  }
  return best;
}

std::string Aggregate::ToJson(std::string_view id_key) const {
  StringWriter w;
  w.StartObject();
  KS(w, id_key, id);
  if (id_key != "session_id") {
    KS(w, "session_id", session_id);
    KS(w, "task_status", task_status);
  }
  w.Key("first_ts");
  has_ts ? w.Int64(first_ts) : w.Null();
  w.Key("last_ts");
  has_ts ? w.Int64(last_ts) : w.Null();
  KU(w, "events", events);
  KU(w, "errors", tool_totals.failures + parse_errors);
  KU(w, "parse_errors", parse_errors);
  w.Key("event_types");
  w.StartObject();
  for (const auto& [k, n] : event_types) KU(w, k, n);
  w.EndObject();
  KU(w, "tool_calls", tool_totals.calls);
  KU(w, "tool_failures", tool_totals.failures);
  KU(w, "open_tool_calls", tool_totals.open);
  w.Key("tool_duration");
  WriteDuration(w, tool_totals.duration);
  w.Key("tools");
  w.StartObject();
  for (const auto& [name, t] : tools) {
    w.Key(name);
    w.StartObject();
    WriteToolStatsFields(w, t);
    w.EndObject();
  }
  w.EndObject();
  KU(w, "prompts", Prompts());
  w.Key("prompts_by_source");
  w.StartObject();
  for (int i = 0; i < 3; ++i) KU(w, kPromptNames[i], prompts_by_source[i]);
  w.EndObject();
  KU(w, "assistant_turns", assistant_turns);
  KS(w, "cwd", cwd);
  KS(w, "git_branch", git_branch);
  // Only when known, so aggregates of single-machine stores read as before.
  if (!user.empty()) KS(w, "user", user);
  if (!host.empty()) KS(w, "host", host);
  KS(w, "model", model);
  WriteStringArray(w, "models", models);
  WriteStringArray(w, "agents", agents);
  w.Key("agent_list");
  w.StartArray();
  for (const auto& [agent, info] : agent_info) {
    w.StartObject();
    KS(w, "agent_id", agent);
    KS(w, "kind", info.kind);
    KS(w, "agent_type", info.agent_type);
    KS(w, "description", info.description);
    w.EndObject();
  }
  w.EndArray();
  WriteCounts(w, "main_models", main_models);
  WriteCounts(w, "agent_models", agent_models);
  TokenCounts total;
  for (const auto& [key, c] : usage) total.Add(c, 1);
  w.Key("usage");
  w.StartObject();
  WriteTokenFields(w, total);
  w.EndObject();
  w.Key("usage_buckets");
  w.StartArray();
  for (const auto& [key, c] : usage) {
    w.StartObject();
    KS(w, "model", key.first);
    KS(w, "tier", key.second);
    WriteTokenFields(w, c);
    w.EndObject();
  }
  w.EndArray();
  otel.WriteMembers(w);
  w.EndObject();
  return w.Take();
}

Result<Aggregate> Aggregate::FromJson(std::string_view text, std::string_view id_key) {
  auto doc = ParseObject(text, "aggregate");
  if (!doc) return doc.status();
  const Value& o = *doc;
  Aggregate a;
  a.id = S(o, id_key);
  a.session_id = id_key == "session_id" ? a.id : S(o, "session_id");
  a.task_status = S(o, "task_status");
  a.has_ts = json::GetInt(o, "first_ts").has_value();
  a.first_ts = I(o, "first_ts");
  a.last_ts = I(o, "last_ts");
  a.events = U(o, "events");
  a.parse_errors = U(o, "parse_errors");
  if (const Value* et = json::Find(o, "event_types"); et && et->IsObject()) {
    for (auto& m : et->GetObject()) {
      if (m.value.IsUint64()) a.event_types[m.name.GetString()] = m.value.GetUint64();
    }
  }
  a.tool_totals.calls = U(o, "tool_calls");
  a.tool_totals.failures = U(o, "tool_failures");
  a.tool_totals.open = U(o, "open_tool_calls");
  a.tool_totals.duration = ReadDuration(json::Find(o, "tool_duration"));
  if (const Value* t = json::Find(o, "tools"); t && t->IsObject()) {
    for (auto& m : t->GetObject()) {
      if (m.value.IsObject()) a.tools[m.name.GetString()] = ReadToolStats(m.value);
    }
  }
  if (const Value* p = json::Find(o, "prompts_by_source"); p && p->IsObject()) {
    for (int i = 0; i < 3; ++i) a.prompts_by_source[i] = U(*p, kPromptNames[i]);
  }
  a.assistant_turns = U(o, "assistant_turns");
  a.cwd = S(o, "cwd");
  a.git_branch = S(o, "git_branch");
  a.user = S(o, "user");
  a.host = S(o, "host");
  a.model = S(o, "model");
  ReadStringArray(o, "models", &a.models);
  ReadStringArray(o, "agents", &a.agents);
  if (const Value* l = json::Find(o, "agent_list"); l && l->IsArray()) {
    for (const Value& x : l->GetArray()) {
      if (!x.IsObject() || S(x, "agent_id").empty()) continue;
      a.agent_info[S(x, "agent_id")] = {S(x, "kind"), S(x, "agent_type"), S(x, "description")};
    }
  }
  ReadCounts(o, "main_models", &a.main_models);
  ReadCounts(o, "agent_models", &a.agent_models);
  if (const Value* b = json::Find(o, "usage_buckets"); b && b->IsArray()) {
    for (const Value& x : b->GetArray()) {
      if (x.IsObject()) a.usage[{S(x, "model"), S(x, "tier")}] = ReadTokens(x);
    }
  }
  a.otel = OtelTotals::Read(o);
  return a;
}

std::string ToolAggregate::ToJson() const {
  StringWriter w;
  w.StartObject();
  KS(w, "tool_name", name);
  WriteToolStatsFields(w, stats);
  w.EndObject();
  return w.Take();
}

Result<ToolAggregate> ToolAggregate::FromJson(std::string_view text) {
  auto doc = ParseObject(text, "tool aggregate");
  if (!doc) return doc.status();
  ToolAggregate t;
  t.name = S(*doc, "tool_name");
  t.stats = ReadToolStats(*doc);
  return t;
}

std::string ToolCall::ToJson() const {
  StringWriter w;
  w.StartObject();
  KS(w, "tool", tool);
  KS(w, "session_id", session_id);
  KS(w, "task_id", task_id);
  KI(w, "start_ts", start_ts);
  KI(w, "end_ts", end_ts);
  w.Key("status");
  w.String(!ended ? "open" : error ? "error" : "ok");
  w.Key("counted");
  w.Bool(counted);
  w.Key("duration_ms");
  has_duration ? w.Int64(duration_ms) : w.Null();
  w.Key("duration_measured");
  w.Bool(duration_measured);
  if (duration_otel) {
    w.Key("duration_otel");
    w.Bool(true);
  }
  KU(w, "sources", sources);
  w.EndObject();
  return w.Take();
}

Result<ToolCall> ToolCall::FromJson(std::string_view text) {
  auto doc = ParseObject(text, "tool call");
  if (!doc) return doc.status();
  const Value& o = *doc;
  ToolCall c;
  c.tool = S(o, "tool");
  c.session_id = S(o, "session_id");
  c.task_id = S(o, "task_id");
  c.start_ts = I(o, "start_ts");
  c.end_ts = I(o, "end_ts");
  std::string status = S(o, "status");
  c.ended = status != "open";
  c.error = status == "error";
  c.counted = json::GetBool(o, "counted").value_or(false);
  auto d = json::GetInt(o, "duration_ms");
  c.has_duration = d.has_value();
  c.duration_ms = d.value_or(0);
  c.duration_measured = json::GetBool(o, "duration_measured").value_or(false);
  c.duration_otel = json::GetBool(o, "duration_otel").value_or(false);
  c.sources = static_cast<unsigned>(U(o, "sources"));
  return c;
}

std::string MessageUsage::ToJson() const {
  StringWriter w;
  w.StartObject();
  KS(w, "session_id", session_id);
  KS(w, "model", model);
  KS(w, "tier", tier);
  KS(w, "day", day);
  if (ts) KI(w, "ts", *ts);
  w.Key("main_thread");
  w.Bool(main_thread);
  WriteTokenFields(w, counts);
  if (otel_only) {
    w.Key("otel_only");
    w.Bool(true);
  }
  if (reported_cost_nanos) KI(w, "reported_cost_nanos", *reported_cost_nanos);
  w.EndObject();
  return w.Take();
}

Result<MessageUsage> MessageUsage::FromJson(std::string_view text) {
  auto doc = ParseObject(text, "message usage");
  if (!doc) return doc.status();
  MessageUsage m;
  m.session_id = S(*doc, "session_id");
  m.model = S(*doc, "model");
  m.tier = S(*doc, "tier");
  m.day = S(*doc, "day");
  m.ts = json::GetInt(*doc, "ts");
  m.main_thread = json::GetBool(*doc, "main_thread").value_or(false);
  m.counts = ReadTokens(*doc);
  m.otel_only = json::GetBool(*doc, "otel_only").value_or(false);
  m.reported_cost_nanos = json::GetInt(*doc, "reported_cost_nanos");
  return m;
}

std::string SlotTokens::ToJson() const {
  StringWriter w;
  w.StartObject();
  WriteTokenFields(w, tokens);
  KI(w, "first_ts", first_ts);
  KI(w, "last_ts", last_ts);
  if (reported_cost_nanos) KI(w, "reported_cost_nanos", reported_cost_nanos);
  w.EndObject();
  return w.Take();
}

Result<SlotTokens> SlotTokens::FromJson(std::string_view text) {
  auto doc = ParseObject(text, "usage slot");
  if (!doc) return doc.status();
  return SlotTokens{ReadTokens(*doc), I(*doc, "first_ts"), I(*doc, "last_ts"),
                    I(*doc, "reported_cost_nanos")};
}

std::string UsageSlotKey(int64_t ts_ms) {
  int64_t slot = ts_ms - ((ts_ms % kUsageSlotMs) + kUsageSlotMs) % kUsageSlotMs;
  std::string rfc = FormatRfc3339Ms(slot);  // "2026-03-29T23:45:00.000Z"
  return rfc.substr(0, 16);
}

std::optional<int64_t> ParseUsageSlotKey(std::string_view key) {
  if (key.size() != 16) return std::nullopt;
  return ParseRfc3339Ms(std::string(key) + ":00Z");
}

std::string TokenCountsToJson(const TokenCounts& c) {
  StringWriter w;
  w.StartObject();
  WriteTokenFields(w, c);
  w.EndObject();
  return w.Take();
}

Result<TokenCounts> TokenCountsFromJson(std::string_view text) {
  auto doc = ParseObject(text, "usage bucket");
  if (!doc) return doc.status();
  return ReadTokens(*doc);
}

}  // namespace trace
