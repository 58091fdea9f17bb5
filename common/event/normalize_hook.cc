// Raw Claude Code hook payloads (what a hook command reads on stdin, and what
// an http hook POSTs): hook_event_name, session_id, tool_name, tool_input,
// tool_response, tool_use_id, duration_ms, error, agent_id … (reference
// formats, §1). The span_id is the firing's identity (hook_identity.h), the
// same trace-hook gives the span of that firing, so the two are one event.
#include "common/event/hook_identity.h"
#include "common/event/normalize_fields.h"

namespace trace::normalize {

void FillHook(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  f->kind = kKindHook;
  f->event_type = Text(rec, "hook_event_name").value_or("unknown");
  f->hook_type = HookTypeOf(f->event_type);
  f->session_id = Text(rec, "session_id");
  f->trace_id = f->session_id;
  f->agent_id = Text(rec, "agent_id");
  f->timestamp = Millis(rec, "timestamp");
  f->duration_ms = Integer(rec, "duration_ms");
  f->tool_name = Text(rec, "tool_name");
  f->tool_use_id = Text(rec, "tool_use_id");
  f->tool_input = Member(rec, "tool_input");
  f->tool_output = Member(rec, "tool_response");
  if (!f->tool_output && f->tool_name) f->tool_output = Member(rec, "error");
  f->cwd = Text(rec, "cwd");
  f->model = Text(rec, "model");
  f->error = Text(rec, "error");
  if (f->event_type == "PostToolUseFailure") f->is_error = true;
  if (f->event_type == "PostToolUse") {
    Json response = Member(rec, "tool_response");
    bool flagged =
        response && response->IsObject() && Boolean(*response, "is_error").value_or(false);
    f->is_error = flagged || f->error.has_value();
  }
  std::string why;
  if (IsHookPayload(rec, &why)) {
    f->derived_span_id = HookFiringId(rec);
    f->span_id = f->derived_span_id;
  }
  f->data = &rec;
}

}  // namespace trace::normalize
