// Hook spans: the records trace-hook appends to <traces dir>/*.jsonl (seed
// 000's trace record: span_id, trace_id, … metadata, plus tool_use_id,
// agent_id, cwd and the whole hook payload under "payload").
#include "common/event/normalize_fields.h"

namespace trace::normalize {

void FillSpan(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  f->kind = kKindSpan;
  f->span_id = Text(rec, "span_id");
  f->trace_id = Text(rec, "trace_id");
  f->parent_id = Text(rec, "parent_id");
  f->session_id = Text(rec, "session_id");
  f->task_id = Text(rec, "task_id");
  f->task_status = Text(rec, "task_status");
  f->agent_id = Text(rec, "agent_id");
  f->timestamp = Millis(rec, "timestamp");
  f->duration_ms = Integer(rec, "duration_ms");
  f->hook_type = Text(rec, "hook_type");
  f->event_type = Text(rec, "event_type").value_or(f->hook_type.value_or("unknown"));
  f->tool_name = Text(rec, "tool_name");
  f->tool_use_id = Text(rec, "tool_use_id");
  f->tool_input = Member(rec, "tool_input");
  f->tool_output = Member(rec, "tool_output");
  f->metrics = Member(rec, "metrics");
  f->tags = Member(rec, "tags");
  f->metadata = Member(rec, "metadata");
  f->cwd = Text(rec, "cwd");
  f->model = Text(rec, "model");
  f->usage = Member(rec, "usage");
  f->error = Text(rec, "error");
  f->is_error = Boolean(rec, "is_error");
  if (f->metadata && f->metadata->IsObject()) f->git_branch = Text(*f->metadata, "git_branch");
  f->data = &rec;
}

}  // namespace trace::normalize
