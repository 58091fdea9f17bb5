// Hook firing identity: a stable hash over the fields both delivery paths
// carry, plus the whole payload so distinct firings stay distinct.
#include "common/event/hook_identity.h"

#include <utility>

#include "common/base/ids.h"
#include "common/json/json.h"

namespace trace {

namespace {

std::string_view TextOr(const rapidjson::Value& v, std::string_view key) {
  return json::GetString(v, key).value_or(std::string_view());
}

}  // namespace

std::string HookFiringId(const rapidjson::Value& payload) {
  std::string key = "hook-firing\n";
  for (std::string_view field : {"session_id", "hook_event_name", "tool_use_id", "prompt_id"}) {
    key.append(TextOr(payload, field));
    key.push_back('\n');
  }
  key.append(StableHashHex(json::Serialize(payload)));
  return "hk-" + StableHashHex(key);
}

bool IsHookPayload(const rapidjson::Value& payload, std::string* why) {
  if (!payload.IsObject()) return (*why = "hook payload must be a JSON object", false);
  for (const char* key : {"hook_event_name", "session_id"}) {
    std::optional<std::string_view> v = json::GetString(payload, key);
    if (!v || v->empty()) {
      *why = std::string("missing required string field '") + key + "'";
      return false;
    }
  }
  return true;
}

std::string_view HookTypeOf(std::string_view e) {
  // clang-format off
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"PreToolUse", "tool"}, {"PostToolUse", "tool"}, {"PostToolUseFailure", "tool"},
      {"PostToolBatch", "tool"}, {"PermissionRequest", "tool"}, {"PermissionDenied", "tool"},
      {"UserPromptSubmit", "prompt"}, {"UserPromptExpansion", "prompt"},
      {"SessionStart", "session"}, {"SessionEnd", "session"}, {"Setup", "session"},
      {"Stop", "agent"}, {"StopFailure", "agent"}, {"SubagentStart", "agent"},
      {"SubagentStop", "agent"}, {"TeammateIdle", "agent"},
      {"TaskCreated", "task"}, {"TaskCompleted", "task"},
      {"PreCompact", "compact"}, {"PostCompact", "compact"},
      {"Notification", "notification"}, {"MessageDisplay", "notification"},
      {"Elicitation", "notification"}, {"ElicitationResult", "notification"},
      {"InstructionsLoaded", "config"}, {"ConfigChange", "config"}, {"CwdChanged", "config"},
      {"DirectoryAdded", "config"}, {"FileChanged", "config"}, {"WorktreeCreate", "config"},
      {"WorktreeRemove", "config"},
  };
  // clang-format on
  for (const auto& [name, type] : kTypes) {
    if (name == e) return type;
  }
  return "other";
}

}  // namespace trace
