// Any other JSON: kept whole under "data" so unknown and future shapes pass
// through. The event type is the record's own name for itself when it has
// one; the kind is the source's hint, or "generic".
#include "common/event/normalize_fields.h"

namespace trace::normalize {

namespace {

std::string_view KindOf(InputKind hint) {
  return hint == InputKind::kAuto ? kKindGeneric : InputKindName(hint);
}

}  // namespace

void FillGeneric(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  f->kind = KindOf(in.hint);
  f->event_type = "unknown";
  f->data = &rec;
  if (!rec.IsObject()) return;
  for (std::string_view key : {"event_type", "type", "event", "hook_event_name"}) {
    if (Str t = Text(rec, key); t && !t->empty()) {
      f->event_type = *t;
      break;
    }
  }
  f->span_id = Text(rec, "span_id");
  f->session_id = Text(rec, "session_id");
  if (!f->session_id) f->session_id = Text(rec, "sessionId");
  for (std::string_view key : {"timestamp", "ts", "time"}) {
    if ((f->timestamp = Millis(rec, key))) break;
  }
}

}  // namespace trace::normalize
