// Prompt history: <claude home>/history.jsonl, one line per typed prompt
// (display, pastedContents, timestamp ms, project, sessionId — missing in
// old entries). event_type "history.append".
#include "common/event/normalize_fields.h"

namespace trace::normalize {

void FillHistory(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  f->kind = kKindHistory;
  f->event_type = "history.append";
  f->session_id = Text(rec, "sessionId");
  if (!f->session_id) f->session_id = Text(rec, "session_id");
  f->timestamp = Millis(rec, "timestamp");
  f->cwd = Text(rec, "project");
  f->data = &rec;
}

}  // namespace trace::normalize
