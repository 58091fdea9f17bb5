// The facts of an OTel event (kind otel, proto/otlp.md "What is counted"): a
// claude_code.api_request's tokens and reported cost as the usage of its API
// message, keyed by request_id like the transcript's lines of the same
// request; a claude_code.tool_result as the end of the tool call of its
// tool_use_id; a metric point as a value to sum into its session.
#include <cmath>
#include <string>

#include "common/base/ids.h"
#include "common/event/event_facts.h"
#include "common/json/json.h"

namespace trace {

namespace {

using Value = rapidjson::Value;

std::string Text(const Value* o, std::string_view key) {
  if (!o || !o->IsObject()) return "";
  std::optional<std::string_view> s = json::GetString(*o, key);
  return s ? std::string(*s) : "";
}

const Value* Object(const Value* o, std::string_view key) {
  const Value* v = o && o->IsObject() ? json::Find(*o, key) : nullptr;
  return v && v->IsObject() ? v : nullptr;
}

std::optional<double> Number(const Value* o, std::string_view key) {
  const Value* v = o && o->IsObject() ? json::Find(*o, key) : nullptr;
  if (!v || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

// A token count; negative, non-finite or absurd values (a hostile or broken
// exporter) are 0 rather than a conversion past uint64's range.
uint64_t Count(const Value* usage, std::string_view key) {
  constexpr double kMaxTokens = 1e15;
  std::optional<double> n = Number(usage, key);
  return n && *n > 0 && *n <= kMaxTokens ? static_cast<uint64_t>(*n) : 0;
}

// Sub-agents and compaction ask through other query sources; Claude Code
// names the main loop "repl_main_thread" (older versions: "main" or none).
bool MainThreadSource(std::string_view source) {
  return source.empty() || source == "main" || source.starts_with("repl_main_thread");
}

void ApiRequest(const Value& event, EventFacts* f) {
  const Value* usage = Object(&event, "usage");
  const Value* data = Object(&event, "data");
  std::string request_id = Text(&event, "request_id");
  UsageFact u;
  u.message_key = request_id.empty() ? "line:" + f->keys.span_id : "req:" + request_id;
  u.model = f->model;
  u.from_otel = true;
  u.main_thread = MainThreadSource(Text(Object(data, "attributes"), "query_source"));
  u.counts.input = Count(usage, "input_tokens");
  u.counts.output = Count(usage, "output_tokens");
  u.counts.cache_read = Count(usage, "cache_read_input_tokens");
  u.counts.cache_creation = Count(usage, "cache_creation_input_tokens");
  u.counts.cache_creation_5m = u.counts.cache_creation;  // OTel does not split the tiers
  // Zero, negative or non-finite: nothing reported (UsdToNanos gives 0).
  std::optional<double> cost = Number(Object(&event, "metrics"), "cost_usd");
  if (int64_t nanos = cost ? UsdToNanos(*cost) : 0; nanos > 0) u.reported_cost_nanos = nanos;
  f->usage = std::move(u);
}

// A sum point (Claude Code's metrics are all counters); gauges and
// histograms are kept as events only.
void MetricPoint(const Value& event, EventFacts* f) {
  const Value* point = Object(&event, "metrics");
  const Value* data = Object(&event, "data");
  std::optional<double> value = Number(point, "value");
  if (Text(point, "type") != "sum" || !value || !std::isfinite(*value)) return;
  MetricPointFact p;
  p.name = f->keys.event_type;
  const Value* attrs = Object(data, "attributes");
  p.type = Text(attrs, "type");
  p.cumulative = Text(point, "temporality") == "cumulative";
  if (p.cumulative) {
    std::string identity = p.name + "\n" + (attrs ? json::Serialize(*attrs) : "") + "\n" +
                           std::to_string(Number(point, "start_time_ms").value_or(0));
    p.series = StableHashHex(identity);
  }
  p.value = *value;
  f->metric = std::move(p);
}

// A finished tool call, the same call as the hook's and the transcript's
// mentions of its tool_use_id (counted once). Without an id it cannot be
// matched, so it stays an event only.
void ToolResult(const Value& event, EventFacts* f) {
  if (f->keys.tool_use_id.empty()) return;
  ToolMention m;
  m.id = f->keys.tool_use_id;
  m.name = f->keys.tool_name;
  m.start = false;
  const Value* is_error = json::Find(event, "is_error");
  m.error = is_error && is_error->IsBool() && is_error->GetBool();
  m.duration_ms = f->duration_ms;
  m.source = kSrcOtelResult;
  f->tools.push_back(std::move(m));
}

}  // namespace

void ExtractOtelFacts(const Value& event, EventFacts* f) {
  if (f->keys.event_type == "claude_code.api_request") return ApiRequest(event, f);
  if (f->keys.event_type == "claude_code.tool_result") return ToolResult(event, f);
  // A point counts into its session's sums; one without a session only as an event.
  if (!f->keys.session_id.empty() && Text(&event, "hook_type") == "metric") MetricPoint(event, f);
}

}  // namespace trace
