// The identity of one Claude Code hook firing (proto/inputs.md, "Hook firing
// identity"): the same firing delivered by the command hook (trace-hook's span)
// and by the http hook (POST /api/hooks) gets the same span_id, so the index
// stores and counts it once. Also the validation both HTTP entry points share.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace trace {

// "hk-" + 32 hex digits, a pure function of the payload: session_id,
// hook_event_name, tool_use_id, prompt_id and a hash of the payload written
// as compact JSON (member order as received, whitespace ignored).
std::string HookFiringId(const rapidjson::Value& payload);

// True when payload is what Claude Code POSTs to an http hook: a JSON object
// with non-empty string members hook_event_name and session_id. Otherwise
// false with *why set to a one-line reason.
bool IsHookPayload(const rapidjson::Value& payload, std::string* why);

// The hook_type facet of an event name: "tool", "prompt", "session", "agent",
// "task", "compact", "notification", "config" or "other".
std::string_view HookTypeOf(std::string_view event_name);

}  // namespace trace
