// See event.h.
#include "common/event/event.h"

#include <cstdio>

#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {

std::string SourceRef::Identity() const {
  if (dev == 0 && ino == 0) return path;
  return std::to_string(dev) + ":" + std::to_string(ino);
}

namespace {

// Reuses out's buffer (the store reads the keys of every event).
void AssignStr(const rapidjson::Value* v, std::string* out) {
  if (v && v->IsString()) {
    out->assign(v->GetString(), v->GetStringLength());
  } else {
    out->clear();
  }
}

// As json::GetInt (integers, or doubles truncated), 0 when absent.
int64_t IntOf(const rapidjson::Value* v) {
  if (!v) return 0;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
  if (v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
  return 0;
}

enum KeyField {
  kSpan,
  kKind,
  kType,
  kSession,
  kTask,
  kTrace,
  kParent,
  kTool,
  kToolUse,
  kTs,
  kSeq,
  kSource,
  kTsSource,
  kUser,
  kHost,
  kFields
};
constexpr std::string_view kFieldNames[kFields] = {
    "span_id",  "kind",      "event_type",       "session_id",  "task_id",
    "trace_id", "parent_id", "tool_name",        "tool_use_id", "timestamp",
    "seq",      "source",    "timestamp_source", "user",        "host"};

}  // namespace

// One pass over the event's members instead of a lookup per key (the store
// reads the keys of every event); the first member of a name wins, as with
// json::Find.
Status ReadEventKeys(const rapidjson::Value& event, EventKeys* out) {
  if (!event.IsObject()) return Status::Error("event is not a JSON object");
  const rapidjson::Value* f[kFields] = {};
  for (const auto& m : event.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    for (int i = 0; i < kFields; ++i) {
      if (name.size() == kFieldNames[i].size() && !f[i] && name == kFieldNames[i]) {
        f[i] = &m.value;
        break;
      }
    }
  }
  EventKeys& k = *out;
  AssignStr(f[kSpan], &k.span_id);
  AssignStr(f[kKind], &k.kind);
  AssignStr(f[kType], &k.event_type);
  if (k.span_id.empty()) return Status::Error("event has no span_id");
  if (k.kind.empty()) return Status::Error("event has no kind");
  if (k.event_type.empty()) return Status::Error("event has no event_type");
  AssignStr(f[kSession], &k.session_id);
  AssignStr(f[kTask], &k.task_id);
  AssignStr(f[kTrace], &k.trace_id);
  AssignStr(f[kParent], &k.parent_id);
  AssignStr(f[kTool], &k.tool_name);
  AssignStr(f[kToolUse], &k.tool_use_id);
  AssignStr(f[kUser], &k.user);
  AssignStr(f[kHost], &k.host);
  k.timestamp_ms = IntOf(f[kTs]);
  // "read_time" is the only time such an event has; the others are borrowed.
  k.timestamp_borrowed = f[kTsSource] && f[kTsSource]->IsString() &&
                         std::string_view(f[kTsSource]->GetString()) != "read_time";
  k.seq = static_cast<uint64_t>(IntOf(f[kSeq]));
  const rapidjson::Value* src = f[kSource];
  if (!src || !src->IsObject()) {
    k.source.reset();
    return Status::Ok();
  }
  SourceRef& r = k.source ? *k.source : k.source.emplace();
  auto path = json::GetString(*src, "path");
  r.path.assign(path ? *path : std::string_view());
  r.dev = static_cast<uint64_t>(json::GetInt(*src, "dev").value_or(0));
  r.ino = static_cast<uint64_t>(json::GetInt(*src, "ino").value_or(0));
  r.offset = static_cast<uint64_t>(json::GetInt(*src, "offset").value_or(0));
  r.length = static_cast<uint64_t>(json::GetInt(*src, "length").value_or(0));
  auto fp = json::GetString(*src, "fp");
  r.fingerprint.assign(fp ? *fp : std::string_view());
  return Status::Ok();
}

Result<EventKeys> ReadEventKeys(const rapidjson::Value& event) {
  EventKeys k;
  if (Status st = ReadEventKeys(event, &k); !st) return st;
  return k;
}

Result<EventKeys> ParseEventKeys(std::string_view event_json) {
  rapidjson::Document doc;
  if (Status st = json::Parse(&doc, event_json, json::kMaxEventDepth); !st) {
    return st.Wrap("event is not valid JSON");
  }
  return ReadEventKeys(doc);
}

const std::vector<std::string>& ClaudeHookEvents() {
  static const std::vector<std::string> kEvents = {"SessionStart",
                                                   "Setup",
                                                   "UserPromptSubmit",
                                                   "UserPromptExpansion",
                                                   "PreToolUse",
                                                   "PermissionRequest",
                                                   "PermissionDenied",
                                                   "PostToolUse",
                                                   "PostToolUseFailure",
                                                   "PostToolBatch",
                                                   "Notification",
                                                   "MessageDisplay",
                                                   "SubagentStart",
                                                   "SubagentStop",
                                                   "TaskCreated",
                                                   "TaskCompleted",
                                                   "Stop",
                                                   "StopFailure",
                                                   "TeammateIdle",
                                                   "InstructionsLoaded",
                                                   "ConfigChange",
                                                   "CwdChanged",
                                                   "DirectoryAdded",
                                                   "FileChanged",
                                                   "WorktreeCreate",
                                                   "WorktreeRemove",
                                                   "PreCompact",
                                                   "PostCompact",
                                                   "Elicitation",
                                                   "ElicitationResult",
                                                   "SessionEnd"};
  return kEvents;
}

bool IsClaudeHookEvent(std::string_view name) {
  for (const std::string& e : ClaudeHookEvents()) {
    if (e == name) return true;
  }
  return false;
}

std::string EventTopic(const EventKeys& keys) { return keys.kind + "." + keys.session_id; }

std::string WithSeq(std::string_view event_json, uint64_t seq) {
  rapidjson::Document doc;
  Status parsed = json::Parse(&doc, event_json, json::kMaxEventDepth);
  if (!parsed || !doc.IsObject()) return std::string(event_json);
  doc.RemoveMember("seq");
  doc.AddMember("seq", rapidjson::Value(static_cast<uint64_t>(seq)), doc.GetAllocator());
  return json::Serialize(doc);
}

bool ParseInputKind(std::string_view name, InputKind* out) {
  static constexpr std::pair<std::string_view, InputKind> kNames[] = {
      {"auto", InputKind::kAuto},
      {"span", InputKind::kSpan},
      {"transcript", InputKind::kTranscript},
      {"history", InputKind::kHistory},
      {"ingest", InputKind::kIngest}};
  for (const auto& [n, k] : kNames) {
    if (n == name) {
      *out = k;
      return true;
    }
  }
  return false;
}

std::string_view InputKindName(InputKind kind) {
  switch (kind) {
    case InputKind::kSpan:
      return "span";
    case InputKind::kTranscript:
      return "transcript";
    case InputKind::kHistory:
      return "history";
    case InputKind::kIngest:
      return "ingest";
    case InputKind::kAuto:
      break;
  }
  return "auto";
}

}  // namespace trace
