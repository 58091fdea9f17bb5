// The gateway's ingest spool (<data-dir>/spool/*.jsonl): events POSTed to
// /api/events, either already in our event shape (their span_id and
// event_type are kept) or seed 003's {timestamp, event, sessionId, data}.
// Hook payloads and spans posted as-is are recognised too; kind is "ingest".
#include "common/event/normalize_fields.h"

namespace trace::normalize {

namespace {

// Our own event shape: every routed field is taken over; "data" is the
// posted event's data when it has one, else the posted record itself.
void FillFromEvent(const rapidjson::Value& rec, EventFields* f) {
  FillSpan(rec, LineInput{}, f);
  f->event_type = Text(rec, "event_type").value_or("unknown");
  f->message_id = Text(rec, "message_id");
  f->request_id = Text(rec, "request_id");
  f->git_branch = Text(rec, "git_branch");
  f->is_sidechain = Boolean(rec, "is_sidechain");
  if (Json data = Member(rec, "data")) {
    f->data = data;
    f->whole_line = false;
  }
}

// Seed 003: {"timestamp": ISO, "event": name, "sessionId", "data": {...}}.
void FillFromSeed003(const rapidjson::Value& rec, EventFields* f) {
  f->event_type = Text(rec, "event").value_or("unknown");
  f->hook_type = f->event_type;
  f->session_id = Text(rec, "sessionId");
  f->timestamp = Millis(rec, "timestamp");
  f->data = &rec;
  Json data = Member(rec, "data");
  if (!data || !data->IsObject()) return;
  f->tool_name = Text(*data, "tool_name");
  f->tool_use_id = Text(*data, "tool_use_id");
  f->tool_input = Member(*data, "tool_input");
  f->tool_output = Member(*data, "tool_response");
}

}  // namespace

void FillIngest(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  if (Text(rec, "span_id") && Text(rec, "event_type")) {
    FillFromEvent(rec, f);
  } else if (Text(rec, "hook_event_name")) {
    FillHook(rec, in, f);
  } else if (Text(rec, "event")) {
    FillFromSeed003(rec, f);
  } else {
    FillGeneric(rec, in, f);
  }
  f->kind = kKindIngest;
}

}  // namespace trace::normalize
