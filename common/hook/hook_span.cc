// See hook_span.h. One RapidJSON parse of the payload and one pass of the
// writer: the record is built in well under a millisecond for normal payloads.
#include "common/hook/hook_span.h"

#include <rapidjson/document.h>

#include <array>
#include <cstring>
#include <utility>

#include "common/event/hook_identity.h"
#include "common/hook/hook_git.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::hook {
namespace {

using rapidjson::Value;

// Payload fields copied to `tags`: short facets worth filtering on.
constexpr std::array<std::string_view, 7> kTagFields = {
    "permission_mode", "agent_type", "source", "reason", "trigger", "notification_type", "model"};
// Payload fields copied to `metadata`: pointers back into Claude Code's files.
constexpr std::array<std::string_view, 3> kMetadataFields = {"transcript_path",
                                                             "agent_transcript_path", "prompt_id"};

void WriteOptString(json::StringWriter& w, std::string_view key,
                    std::optional<std::string_view> v) {
  w.Key(key);
  v ? w.String(*v) : w.Null();
}

void WriteOptValue(json::StringWriter& w, std::string_view key, const Value* v) {
  w.Key(key);
  v ? w.Value(*v) : w.Null();
}

std::optional<std::string> TaskStatusOf(const HookContext& ctx, std::string_view event) {
  if (ctx.task_status) return ctx.task_status;
  if (event == "TaskCreated") return "created";
  if (event == "TaskCompleted") return "completed";
  return std::nullopt;
}

// tool_response for PostToolUse, the error text for PostToolUseFailure.
const Value* ToolOutputOf(const Value& payload) {
  if (const Value* r = json::Find(payload, "tool_response")) return r;
  if (json::Find(payload, "tool_name")) return json::Find(payload, "error");
  return nullptr;
}

// error: the failure text (PostToolUseFailure, StopFailure); is_error: the
// outcome of a tool call, null for events that are not one.
void WriteErrorFields(json::StringWriter& w, const Value& payload, std::string_view event) {
  auto error = json::GetString(payload, "error");
  WriteOptString(w, "error", error);
  w.Key("is_error");
  if (event == "PostToolUseFailure") {
    w.Bool(true);
  } else if (event == "PostToolUse") {
    const Value* response = json::Find(payload, "tool_response");
    bool flagged =
        response && response->IsObject() && json::GetBool(*response, "is_error").value_or(false);
    w.Bool(flagged || error.has_value());
  } else {
    w.Null();
  }
}

void WriteMetrics(json::StringWriter& w, const Value& payload, size_t payload_bytes) {
  w.Key("metrics");
  w.StartObject();
  w.Key("payload_bytes");
  w.Uint64(payload_bytes);
  if (auto d = json::GetInt(payload, "duration_ms")) {
    w.Key("duration_ms");
    w.Int64(*d);
  }
  w.EndObject();
}

void WriteTags(json::StringWriter& w, const Value& payload) {
  w.Key("tags");
  w.StartObject();
  for (std::string_view field : kTagFields) {
    if (auto v = json::GetString(payload, field)) {
      w.Key(field);
      w.String(*v);
    }
  }
  w.EndObject();
}

void WriteMetadata(json::StringWriter& w, const Value* payload, const HookContext& ctx,
                   const std::optional<std::string>& branch, bool tool_io_in_payload) {
  w.Key("metadata");
  w.StartObject();
  w.Key("recorder");
  w.String("trace-hook/" TRACE_VERSION);
  for (std::string_view field : kMetadataFields) {
    if (auto v = payload ? json::GetString(*payload, field) : std::nullopt) {
      w.Key(field);
      w.String(*v);
    }
  }
  if (branch) {
    w.Key("git_branch");
    w.String(*branch);
  }
  if (tool_io_in_payload) {
    w.Key("tool_io_in_payload");
    w.Bool(true);
  }
  if (!ctx.input_note.empty()) {
    w.Key("input_note");
    w.String(ctx.input_note);
  }
  w.EndObject();
}

// The payload verbatim when it is one line (it parsed, so it is valid JSON):
// byte-exact and no second serialization of a large tool result. Payloads
// spread over lines are re-serialized so the record stays one line.
void WritePayload(json::StringWriter& w, const Value& payload, std::string_view input) {
  w.Key("payload");
  size_t end = input.find_last_not_of(" \t\r\n");
  std::string_view text = input.substr(0, end == std::string_view::npos ? 0 : end + 1);
  size_t start = text.find_first_not_of(" \t\r\n");
  text.remove_prefix(start == std::string_view::npos ? text.size() : start);
  // Two memchr scans: find_first_of tests every byte against the set.
  bool one_line = std::memchr(text.data(), '\n', text.size()) == nullptr &&
                  std::memchr(text.data(), '\r', text.size()) == nullptr;
  if (one_line) {
    w.Raw(text);
  } else {
    w.Value(payload);
  }
}

// Task id and branch share one walk up the directory tree.
struct TaskInfo {
  std::optional<std::string> branch;
  std::optional<std::string> task_id;
};

TaskInfo ResolveTask(const HookContext& ctx, std::string_view cwd) {
  TaskInfo info;
  info.branch = GitBranch(cwd);
  if (ctx.task_id) {
    info.task_id = ctx.task_id;
  } else if (info.branch && !ctx.task_pattern.empty()) {
    info.task_id = TaskIdFromBranch(*info.branch, ctx.task_pattern);
  }
  return info;
}

void WriteIdentity(json::StringWriter& w, const HookContext& ctx, std::string_view span_id,
                   std::optional<std::string_view> session, const TaskInfo& task,
                   const std::optional<std::string>& status) {
  w.Key("span_id");
  w.String(span_id);
  WriteOptString(w, "trace_id", session);
  w.OptString("parent_id", ctx.parent_id);
  WriteOptString(w, "session_id", session);
  w.OptString("task_id", task.task_id);
  w.OptString("task_status", status);
  w.Key("timestamp");
  w.Int64(ctx.now_ms);
}

std::string BuildHookSpan(const Value& payload, std::string_view input, const HookContext& ctx,
                          json::StringWriter& w) {
  auto session = json::GetString(payload, "session_id");
  std::string_view event = json::GetString(payload, "hook_event_name").value_or("unknown");
  auto cwd = json::GetString(payload, "cwd");
  TaskInfo task = ResolveTask(ctx, cwd.value_or(ctx.process_cwd));
  bool tool_io_in_payload = input.size() > kDuplicateToolIoLimit;

  w.Reserve((tool_io_in_payload ? 1 : 2) * input.size() + 4096);
  w.StartObject();
  // The firing's identity, so the same firing posted to an http hook is one event.
  std::string why;
  std::string span_id = IsHookPayload(payload, &why) ? HookFiringId(payload) : ctx.span_id;
  WriteIdentity(w, ctx, span_id, session, task, TaskStatusOf(ctx, event));
  w.Key("duration_ms");
  if (auto d = json::GetInt(payload, "duration_ms")) {
    w.Int64(*d);
  } else {
    w.Null();
  }
  w.Key("event_type");
  w.String(event);
  w.Key("hook_type");
  w.String(HookTypeOf(event));
  WriteOptString(w, "tool_name", json::GetString(payload, "tool_name"));
  WriteOptString(w, "tool_use_id", json::GetString(payload, "tool_use_id"));
  WriteOptString(w, "agent_id", json::GetString(payload, "agent_id"));
  WriteOptString(w, "cwd", cwd);
  WriteOptValue(w, "tool_input", tool_io_in_payload ? nullptr : json::Find(payload, "tool_input"));
  WriteOptValue(w, "tool_output", tool_io_in_payload ? nullptr : ToolOutputOf(payload));
  WriteErrorFields(w, payload, event);
  WriteMetrics(w, payload, input.size());
  WriteTags(w, payload);
  WriteMetadata(w, &payload, ctx, task.branch, tool_io_in_payload);
  WritePayload(w, payload, input);
  w.EndObject();
  return session ? std::string(*session) : std::string();
}

std::string BuildRawSpan(std::string_view input, std::string_view error, const HookContext& ctx,
                         json::StringWriter& w) {
  TaskInfo task = ResolveTask(ctx, ctx.process_cwd);
  w.StartObject();
  WriteIdentity(w, ctx, ctx.span_id, std::nullopt, task, ctx.task_status);
  w.Key("duration_ms");
  w.Null();
  w.Key("event_type");
  w.String("raw");
  w.Key("hook_type");
  w.String("raw");
  Value empty(rapidjson::kObjectType);
  WriteMetrics(w, empty, input.size());
  WriteTags(w, empty);
  WriteMetadata(w, nullptr, ctx, task.branch, false);
  w.Key("raw");
  w.String(json::SanitizeUtf8(input));
  w.Key("parse_error");
  w.String(error);
  w.EndObject();
  return std::string();
}

}  // namespace

SpanRecord BuildSpan(std::string_view input, const HookContext& ctx) {
  json::StringWriter w;
  SpanRecord rec;
  rec.session_id = BuildSpanInto(input, ctx, &w, &rec.parse_error);
  rec.line = w.Take();
  return rec;
}

std::string BuildSpanInto(std::string_view input, const HookContext& ctx, json::StringWriter* out,
                          std::string* parse_error) {
  out->Reset();
  rapidjson::Document doc;
  // Without kParseStopWhenDoneFlag: text after the object is an error, so a
  // payload written verbatim is exactly one JSON value.
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag;
  Status parsed = json::Parse<kFlags>(&doc, input, json::kMaxDepth);
  std::string why;
  if (!parsed) {
    why = parsed.message();
  } else if (!doc.IsObject()) {
    why = "payload is not a JSON object";
  }
  if (parse_error) *parse_error = why;
  if (!why.empty()) return BuildRawSpan(input, why, ctx, *out);
  return BuildHookSpan(doc, input, ctx, *out);
}

std::string SessionFileStem(std::string_view id) {
  if (id.empty() || id == "." || id == "..") return "unknown-session";
  std::string stem;
  for (char c : id.substr(0, 128)) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
    stem += safe ? c : '_';
  }
  return stem;
}

}  // namespace trace::hook
