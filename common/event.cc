// See event.h.
#include "common/event.h"

#include <cstdio>

#include "common/json.h"

namespace trace {

std::string SourceRef::Identity() const {
  if (dev == 0 && ino == 0) return path;
  return std::to_string(dev) + ":" + std::to_string(ino);
}

namespace {

std::string StringOrEmpty(const rapidjson::Value& obj, std::string_view key) {
  auto s = json::GetString(obj, key);
  return s ? std::string(*s) : std::string();
}

}  // namespace

Result<EventKeys> ReadEventKeys(const rapidjson::Value& event) {
  if (!event.IsObject()) return Status::Error("event is not a JSON object");
  EventKeys k;
  k.span_id = StringOrEmpty(event, "span_id");
  k.kind = StringOrEmpty(event, "kind");
  k.event_type = StringOrEmpty(event, "event_type");
  if (k.span_id.empty()) return Status::Error("event has no span_id");
  if (k.kind.empty()) return Status::Error("event has no kind");
  if (k.event_type.empty()) return Status::Error("event has no event_type");
  k.session_id = StringOrEmpty(event, "session_id");
  k.task_id = StringOrEmpty(event, "task_id");
  k.trace_id = StringOrEmpty(event, "trace_id");
  k.parent_id = StringOrEmpty(event, "parent_id");
  k.tool_name = StringOrEmpty(event, "tool_name");
  k.tool_use_id = StringOrEmpty(event, "tool_use_id");
  k.timestamp_ms = json::GetInt(event, "timestamp").value_or(0);
  k.seq = static_cast<uint64_t>(json::GetInt(event, "seq").value_or(0));
  if (const rapidjson::Value* src = json::Find(event, "source"); src && src->IsObject()) {
    SourceRef r;
    r.path = StringOrEmpty(*src, "path");
    r.dev = static_cast<uint64_t>(json::GetInt(*src, "dev").value_or(0));
    r.ino = static_cast<uint64_t>(json::GetInt(*src, "ino").value_or(0));
    r.offset = static_cast<uint64_t>(json::GetInt(*src, "offset").value_or(0));
    r.length = static_cast<uint64_t>(json::GetInt(*src, "length").value_or(0));
    k.source = std::move(r);
  }
  return k;
}

Result<EventKeys> ParseEventKeys(std::string_view event_json) {
  rapidjson::Document doc;
  doc.Parse(event_json.data(), event_json.size());
  if (doc.HasParseError()) return Status::Error("event is not valid JSON");
  return ReadEventKeys(doc);
}

const std::vector<std::string>& ClaudeHookEvents() {
  static const std::vector<std::string> kEvents = {
      "SessionStart", "Setup", "UserPromptSubmit", "UserPromptExpansion", "PreToolUse",
      "PermissionRequest", "PermissionDenied", "PostToolUse", "PostToolUseFailure",
      "PostToolBatch", "Notification", "MessageDisplay", "SubagentStart", "SubagentStop",
      "TaskCreated", "TaskCompleted", "Stop", "StopFailure", "TeammateIdle",
      "InstructionsLoaded", "ConfigChange", "CwdChanged", "DirectoryAdded", "FileChanged",
      "WorktreeCreate", "WorktreeRemove", "PreCompact", "PostCompact", "Elicitation",
      "ElicitationResult", "SessionEnd"};
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
  doc.Parse(event_json.data(), event_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string(event_json);
  doc.RemoveMember("seq");
  doc.AddMember("seq", rapidjson::Value(static_cast<uint64_t>(seq)), doc.GetAllocator());
  return json::Serialize(doc);
}

std::string StableHashHex(std::string_view data) {
  // Two independent 64-bit FNV-1a lanes (different offset bases and a
  // per-lane mix) give a 128-bit id; collisions are not a practical concern
  // at trace volumes and the function is stable forever (ids are stored).
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
  for (unsigned char c : data) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ (c + 0x9e)) * 0x100000001b3ULL;
    b ^= b >> 29;
  }
  auto mix = [](uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
  };
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(mix(a)),
                static_cast<unsigned long long>(mix(b ^ a)));
  return buf;
}

}  // namespace trace
