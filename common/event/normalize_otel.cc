// OTel spool records (proto/otlp.md): what the gateway's OTLP receivers write
// for each log record ({"otel":"log",...}) and metric data point
// ({"otel":"metric",...}), already flattened; kind "otel".
#include "common/event/normalize_fields.h"

namespace trace::normalize {

namespace {

// A numeric or numeric-text attribute as an integer (Claude Code sends
// counts and durations as strings in some versions).
std::optional<int64_t> IntegerText(const rapidjson::Value& obj, std::string_view key) {
  if (auto n = Integer(obj, key)) return n;
  Json v = Member(obj, key);
  if (v && v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
  Str s = Text(obj, key);
  if (!s || s->empty() || s->size() > 19) return std::nullopt;
  int64_t n = 0;
  for (char c : *s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// The record's name as its event type, or fallback when it has none: an
// empty name is none (every stored event needs a type; found by fuzz_otlp,
// a metric named "" made an event the index refused).
std::string_view TypeOr(const rapidjson::Value& rec, std::string_view key,
                        std::string_view fallback) {
  Str name = Text(rec, key);
  return name && !name->empty() ? *name : fallback;
}

void FillOtelLog(const rapidjson::Value& rec, const rapidjson::Value& attrs, EventFields* f) {
  f->event_type = TypeOr(rec, "event_name", "otel.log");
  f->hook_type = "log";
  f->model = Text(attrs, "model");
  f->request_id = Text(attrs, "request_id");
  f->tool_name = Text(attrs, "tool_name");
  f->tool_use_id = Text(attrs, "tool_use_id");
  f->duration_ms = IntegerText(attrs, "duration_ms");
  f->error = Text(attrs, "error");
  if (Json ok = Member(attrs, "success")) {
    if (ok->IsBool()) f->is_error = !ok->GetBool();
    if (ok->IsString()) f->is_error = std::string_view(ok->GetString()) == "false";
  }
  f->usage = Member(rec, "usage");
  f->metrics = Member(rec, "metrics");
  if (!f->timestamp) f->timestamp = Millis(attrs, "event.timestamp");
}

void FillOtelMetric(const rapidjson::Value& rec, const rapidjson::Value& attrs, EventFields* f) {
  f->event_type = TypeOr(rec, "name", "otel.metric");
  f->hook_type = "metric";
  f->model = Text(attrs, "model");
  f->tool_name = Text(attrs, "tool_name");
  f->metrics = Member(rec, "point");
}

// Who and where, from the identity tags (record attributes first, then the
// resource: OTEL_RESOURCE_ATTRIBUTES lands there): the account's email, else
// its uuid; the host.name attribute.
void FillOrigin(const rapidjson::Value& rec, EventFields* f) {
  Json tags = Member(rec, "tags");
  if (!tags || !tags->IsObject()) return;
  f->user = Text(*tags, "user.email");
  if (!f->user || f->user->empty()) f->user = Text(*tags, "user.account_uuid");
  f->host = Text(*tags, "host.name");
}

}  // namespace

void FillOtel(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  f->kind = kKindOtel;
  f->span_id = Text(rec, "id");
  f->timestamp = Integer(rec, "time_ms");
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  Json attrs = Member(rec, "attributes");
  const rapidjson::Value& a = attrs && attrs->IsObject() ? *attrs : kEmpty;
  f->session_id = Text(a, "session.id");
  f->trace_id = f->session_id;
  if (Text(rec, "otel") == "metric") {
    FillOtelMetric(rec, a, f);
  } else {
    FillOtelLog(rec, a, f);
  }
  if (!f->timestamp) f->timestamp = Integer(rec, "received_ms");
  f->tags = Member(rec, "tags");
  FillOrigin(rec, f);
  f->data = &rec;
}

}  // namespace trace::normalize
