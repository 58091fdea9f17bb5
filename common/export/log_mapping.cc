// See log_mapping.h. The attribute table is proto/otlp.md "Export"; keep the
// two in step.
#include "common/export/log_mapping.h"

#include <utility>

#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::exporter {

namespace {

constexpr int kSeverityInfo = 9;
constexpr int kSeverityError = 17;

// Event string fields copied as string attributes: (event field, attribute).
constexpr std::pair<const char*, const char*> kStringFields[] = {
    {"session_id", "session.id"},
    {"event_type", "event_type"},
    {"kind", "kind"},
    {"span_id", "span_id"},
    {"trace_id", "trace_id"},
    {"parent_id", "parent_id"},
    {"task_id", "task_id"},
    {"hook_type", "hook_type"},
    {"tool_name", "tool_name"},
    {"tool_use_id", "tool_use_id"},
    {"model", "model"},
    {"host", "host.name"},
    {"user", "user.name"},
    {"parse_error", "parse_error"},
};

constexpr const char* kTokenFields[] = {"input_tokens", "output_tokens", "cache_read_input_tokens",
                                        "cache_creation_input_tokens"};

void AddStrings(const rapidjson::Value& e, otlp::OutLogRecord* r) {
  for (const auto& [field, key] : kStringFields) {
    auto v = json::GetString(e, field);
    if (v && !v->empty()) r->attributes.push_back({key, std::string(*v)});
  }
}

void AddNumbers(const rapidjson::Value& e, otlp::OutLogRecord* r) {
  if (auto d = json::GetInt(e, "duration_ms")) r->attributes.push_back({"duration_ms", *d});
  const rapidjson::Value* usage = json::Find(e, "usage");
  if (usage == nullptr || !usage->IsObject()) return;
  for (const char* field : kTokenFields)
    if (auto n = json::GetInt(*usage, field)) r->attributes.push_back({field, *n});
}

bool IsError(const rapidjson::Value& e) {
  return json::GetString(e, "parse_error").has_value() || json::GetBool(e, "is_error") == true;
}

}  // namespace

otlp::OutLogRecord EventToLogRecord(std::string_view event_json, uint64_t seq) {
  otlp::OutLogRecord r;
  r.body = std::string(event_json);
  rapidjson::Document e;
  if (Status s = json::Parse(&e, event_json); !s || !e.IsObject()) {
    r.severity_number = kSeverityError;
    r.severity_text = "ERROR";
    r.event_name = "raw";
    r.attributes.push_back({"parse_error", s ? "event is not a JSON object" : s.message()});
    r.attributes.push_back({"seq", static_cast<int64_t>(seq)});
    return r;
  }
  int64_t ts = json::GetInt(e, "timestamp").value_or(0);
  r.time_unix_nano = ts > 0 ? static_cast<uint64_t>(ts) * 1000000u : 0;
  bool error = IsError(e);
  r.severity_number = error ? kSeverityError : kSeverityInfo;
  r.severity_text = error ? "ERROR" : "INFO";
  r.event_name = std::string(json::GetString(e, "event_type").value_or("raw"));
  AddStrings(e, &r);
  AddNumbers(e, &r);
  r.attributes.push_back({"seq", static_cast<int64_t>(seq)});
  return r;
}

otlp::OutLogs EmptyLogs(const std::string& host_name) {
  otlp::OutLogs logs;
  logs.resource.push_back({"service.name", std::string("claude-trace")});
  logs.resource.push_back({"service.version", std::string(TRACE_VERSION)});
  if (!host_name.empty()) logs.resource.push_back({"host.name", host_name});
  logs.scope_name = "claude-trace.index";
  logs.scope_version = TRACE_VERSION;
  return logs;
}

}  // namespace trace::exporter
