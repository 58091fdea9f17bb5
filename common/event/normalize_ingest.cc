// The gateway's ingest spool (<data-dir>/spool/*.jsonl): events POSTed to
// /api/events, either already in our event shape (their span_id and
// event_type are kept) or seed 003's {timestamp, event, sessionId, data}.
// Hook payloads and spans posted as-is are recognised too; kind is "ingest",
// except for http hook records ({"http_hook": payload, "received_ms"}), which
// are kind "hook" like the payload they hold, and OTel records ({"otel": "log"
// or "metric", "id", ...}, normalize_otel.cc), kind "otel".
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
  f->user = Text(rec, "user");
  f->host = Text(rec, "host");
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

// POST /api/hooks (and raw hook payloads POSTed to /api/events): the payload
// whole under "http_hook", the gateway's receipt time beside it, and the
// sender's user/host when its request headers named them. The event is
// the hook's (FillHook), so it is the one trace-hook's span of that firing
// makes; its data is the payload itself.
void FillFromHttpHook(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  const rapidjson::Value& payload = *Member(rec, "http_hook");
  FillHook(payload, in, f);
  if (!f->timestamp) f->timestamp = Millis(rec, "received_ms");
  f->user = Text(rec, "user");  // the gateway's, from the request headers
  f->host = Text(rec, "host");
  f->whole_line = false;
}

}  // namespace

void FillIngest(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  if (Json hook = Member(rec, "http_hook"); hook && hook->IsObject()) {
    FillFromHttpHook(rec, in, f);
    return;
  }
  if (Text(rec, "otel") && Text(rec, "id")) {
    FillOtel(rec, in, f);
    return;
  }
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
