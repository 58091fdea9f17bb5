// OTLP/JSON requests into OTel spool records (proto/otlp.md): attributes
// flattened into objects, times in ms, Claude Code's identity attributes
// gathered under "tags", api_request token counts as "usage".
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base/ids.h"
#include "common/json/json.h"
#include "common/otlp/otlp_internal.h"

namespace trace::otlp::internal {

namespace {

using json::StringWriter;
using rapidjson::Value;

// The attributes gathered under "tags": who, where and which client, looked
// up in the record's attributes first, then the resource's.
constexpr const char* kTagKeys[] = {"user.email",      "user.account_uuid", "user.id",
                                    "organization.id", "host.name",         "terminal.type",
                                    "app.version",     "service.name",      "service.version",
                                    "os.type",         "prompt.id",         "query_source"};

const Value* Find(const Value& v, const char* key) { return json::Find(v, key); }

// An array member, or nullptr when absent; *bad when present but not an array.
const Value* ArrayMember(const Value& v, const char* key, bool* bad) {
  const Value* m = Find(v, key);
  if (m == nullptr || m->IsNull()) return nullptr;
  if (!m->IsArray()) *bad = true;
  return m->IsArray() ? m : nullptr;
}

// A 64-bit integer written as a JSON number or a decimal string (proto3 JSON).
std::optional<int64_t> Int64Of(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return INT64_MAX;  // a uint64 that is no int64 is above INT64_MAX
  if (v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
  if (!v->IsString() || v->GetStringLength() == 0 || v->GetStringLength() > 20) return std::nullopt;
  char* end = nullptr;
  std::string s(v->GetString(), v->GetStringLength());
  errno = 0;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() || errno == ERANGE) return std::nullopt;
  return n;
}

// A number, or a string holding one (Claude Code sends some counts as strings).
std::optional<double> NumberOf(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsNumber()) return v->GetDouble();
  if (!v->IsString() || v->GetStringLength() == 0 || v->GetStringLength() > 40) return std::nullopt;
  std::string s(v->GetString(), v->GetStringLength());
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

void WriteDouble(StringWriter& w, double d) { std::isfinite(d) ? w.Double(d) : w.Null(); }

// Nanoseconds since the epoch as ms; nullopt for 0 (unset) or garbage.
std::optional<int64_t> NanosToMs(const Value* v) {
  if (v && v->IsString()) {
    std::string s(v->GetString(), v->GetStringLength());
    char* end = nullptr;
    unsigned long long n = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || end != s.c_str() + s.size() || n == 0) return std::nullopt;
    return static_cast<int64_t>(n / 1000000);
  }
  if (v && v->IsUint64() && v->GetUint64() > 0)
    return static_cast<int64_t>(v->GetUint64() / 1000000);
  if (v && v->IsDouble() && v->GetDouble() > 0) return static_cast<int64_t>(v->GetDouble() / 1e6);
  return std::nullopt;
}

void WriteAttributes(StringWriter& w, const Value* kvs);

// An AnyValue as plain JSON: string, bool, int, double, array, object
// (kvlist), bytes as their base64 text; an empty AnyValue is null.
void WriteAny(StringWriter& w, const Value* any) {
  if (any == nullptr || !any->IsObject()) return w.Null();
  if (const Value* s = Find(*any, "stringValue"); s && s->IsString()) return w.Value(*s);
  if (const Value* b = Find(*any, "boolValue"); b && b->IsBool()) return w.Bool(b->GetBool());
  if (const Value* i = Find(*any, "intValue")) {
    if (auto n = Int64Of(i)) return w.Int64(*n);
  }
  if (const Value* d = Find(*any, "doubleValue")) {
    if (auto n = NumberOf(d)) return WriteDouble(w, *n);
  }
  if (const Value* a = Find(*any, "arrayValue"); a && a->IsObject()) {
    w.StartArray();
    if (const Value* vs = Find(*a, "values"); vs && vs->IsArray()) {
      for (const Value& e : vs->GetArray()) WriteAny(w, &e);
    }
    return w.EndArray();
  }
  if (const Value* kv = Find(*any, "kvlistValue"); kv && kv->IsObject()) {
    return WriteAttributes(w, Find(*kv, "values"));
  }
  if (const Value* by = Find(*any, "bytesValue"); by && by->IsString()) return w.Value(*by);
  w.Null();
}

// [{key, value}] as an object; a repeated key keeps its first value.
void WriteAttributes(StringWriter& w, const Value* kvs) {
  w.StartObject();
  std::vector<std::string_view> seen;
  if (kvs && kvs->IsArray()) {
    for (const Value& kv : kvs->GetArray()) {
      auto key = kv.IsObject() ? json::GetString(kv, "key") : std::nullopt;
      if (!key) continue;
      if (std::find(seen.begin(), seen.end(), *key) != seen.end()) continue;
      seen.push_back(*key);
      w.Key(*key);
      WriteAny(w, Find(kv, "value"));
    }
  }
  w.EndObject();
}

// The AnyValue of an attribute, or nullptr.
const Value* AttributeValue(const Value* kvs, std::string_view key) {
  if (kvs == nullptr || !kvs->IsArray()) return nullptr;
  for (const Value& kv : kvs->GetArray()) {
    if (kv.IsObject() && json::GetString(kv, "key") == key) return Find(kv, "value");
  }
  return nullptr;
}

// An attribute as text (strings as they are, numbers and bools spelled out).
std::optional<std::string> AttributeText(const Value* kvs, std::string_view key) {
  const Value* any = AttributeValue(kvs, key);
  if (any == nullptr || !any->IsObject()) return std::nullopt;
  if (auto s = json::GetString(*any, "stringValue")) return std::string(*s);
  StringWriter w;
  WriteAny(w, any);
  std::string text = w.Take();
  if (text == "null" || text.empty() || text[0] == '{' || text[0] == '[') return std::nullopt;
  return text;
}

std::optional<double> AttributeNumber(const Value* kvs, std::string_view key) {
  const Value* any = AttributeValue(kvs, key);
  if (any == nullptr || !any->IsObject()) return std::nullopt;
  for (const char* k : {"intValue", "doubleValue", "stringValue"}) {
    if (auto n = NumberOf(Find(*any, k))) return n;
  }
  return std::nullopt;
}

// Where a record sits: its resource's and scope's attributes.
struct Origin {
  const Value* resource_attrs = nullptr;
  const Value* scope = nullptr;
};

void WriteOrigin(StringWriter& w, const Value* attrs, const Origin& o) {
  w.Key("attributes");
  WriteAttributes(w, attrs);
  w.Key("resource");
  WriteAttributes(w, o.resource_attrs);
  w.Key("scope");
  w.StartObject();
  for (const char* k : {"name", "version"}) {
    w.Key(k);
    auto v = o.scope ? json::GetString(*o.scope, k) : std::nullopt;
    w.String(v.value_or(""));
  }
  w.EndObject();
  w.Key("tags");
  w.StartObject();
  for (const char* k : kTagKeys) {
    auto v = AttributeText(attrs, k);
    if (!v) v = AttributeText(o.resource_attrs, k);
    if (!v) continue;
    w.Key(k);
    w.String(json::SanitizeUtf8(*v));
  }
  w.EndObject();
}

void WriteOptMs(StringWriter& w, const char* key, std::optional<int64_t> ms) {
  w.Key(key);
  ms ? w.Int64(*ms) : w.Null();
}

// The event name of a log record (proto/otlp.md): eventName, else a body
// that is a "claude_code." name, else the event.name attribute.
std::string LogEventName(const Value& r, const Value* attrs) {
  if (auto n = json::GetString(r, "eventName"); n && !n->empty()) return std::string(*n);
  if (const Value* body = Find(r, "body"); body && body->IsObject()) {
    auto s = json::GetString(*body, "stringValue");
    if (s && s->substr(0, 12) == "claude_code." && s->size() <= 128 &&
        s->find(' ') == std::string_view::npos) {
      return std::string(*s);
    }
  }
  if (auto n = AttributeText(attrs, "event.name")) return *n;
  return "otel.log";
}

// Claude Code's api_request: tokens in the event model's usage names, cost.
void WriteApiRequestFacts(StringWriter& w, const Value* attrs) {
  w.Key("usage");
  w.StartObject();
  for (auto [from, to] : {std::pair{"input_tokens", "input_tokens"},
                          {"output_tokens", "output_tokens"},
                          {"cache_read_tokens", "cache_read_input_tokens"},
                          {"cache_creation_tokens", "cache_creation_input_tokens"}}) {
    auto n = AttributeNumber(attrs, from);
    w.Key(to);
    n&&* n >= 0 ? w.Int64(static_cast<int64_t>(*n)) : w.Int64(0);
  }
  w.EndObject();
  w.Key("metrics");
  w.StartObject();
  if (auto c = AttributeNumber(attrs, "cost_usd")) {
    w.Key("cost_usd");
    WriteDouble(w, *c);
  }
  if (auto d = AttributeNumber(attrs, "duration_ms")) {
    w.Key("duration_ms");
    WriteDouble(w, *d);
  }
  w.EndObject();
}

// The line: {"otel", "id", "received_ms", <rest>}, id a hash of the rest so
// a retried export gives the same ids (the index drops the repeat).
std::string Assemble(std::string_view signal, std::string_view rest, int64_t received_ms) {
  std::string id = "ot-" + StableHashHex(std::string(signal) + '\n' + std::string(rest));
  StringWriter w;
  w.StartObject();
  w.Key("otel");
  w.String(signal);
  w.Key("id");
  w.String(id);
  w.Key("received_ms");
  w.Int64(received_ms);
  w.EndObject();
  std::string line = w.Take();
  line.pop_back();
  if (rest.size() > 2) line.push_back(',');
  line.append(rest.substr(1));
  return line;
}

std::string LogRecordLine(const Value& r, const Origin& o, int64_t received_ms) {
  const Value* attrs = Find(r, "attributes");
  std::string name = LogEventName(r, attrs);
  StringWriter w;
  w.StartObject();
  WriteOptMs(w, "time_ms", NanosToMs(Find(r, "timeUnixNano")));
  WriteOptMs(w, "observed_ms", NanosToMs(Find(r, "observedTimeUnixNano")));
  w.Key("event_name");
  w.String(json::SanitizeUtf8(name));
  w.Key("severity_text");
  w.String(json::GetString(r, "severityText").value_or(""));
  w.Key("severity_number");
  w.Int64(Int64Of(Find(r, "severityNumber")).value_or(0));
  w.Key("body");
  WriteAny(w, Find(r, "body"));
  for (auto [from, to] : {std::pair{"traceId", "trace_id"}, {"spanId", "span_id"}}) {
    auto v = json::GetString(r, from);
    if (v && !v->empty()) {
      w.Key(to);
      w.String(*v);
    }
  }
  WriteOrigin(w, attrs, o);
  if (name == "claude_code.api_request" || name == "api_request") WriteApiRequestFacts(w, attrs);
  w.EndObject();
  return Assemble("log", w.View(), received_ms);
}

Status LogsFromJson(const Value& req, int64_t received_ms, ExportResult* out) {
  bool bad = false;
  const Value* resources = ArrayMember(req, "resourceLogs", &bad);
  for (size_t i = 0; resources && i < resources->Size() && !bad; ++i) {
    const Value& rl = (*resources)[static_cast<rapidjson::SizeType>(i)];
    if (!rl.IsObject())
      return Status::Error("resourceLogs[" + std::to_string(i) + "] is not an object");
    Origin o;
    if (const Value* res = Find(rl, "resource"); res && res->IsObject())
      o.resource_attrs = Find(*res, "attributes");
    const Value* scopes = ArrayMember(rl, "scopeLogs", &bad);
    for (size_t j = 0; scopes && j < scopes->Size() && !bad; ++j) {
      const Value& sl = (*scopes)[static_cast<rapidjson::SizeType>(j)];
      if (!sl.IsObject()) return Status::Error("a scopeLogs entry is not an object");
      o.scope = Find(sl, "scope");
      const Value* records = ArrayMember(sl, "logRecords", &bad);
      for (size_t k = 0; records && k < records->Size(); ++k) {
        const Value& r = (*records)[static_cast<rapidjson::SizeType>(k)];
        if (!r.IsObject()) {
          if (out->rejected++ == 0) out->rejected_reason = "a log record is not an object";
          continue;
        }
        out->records.push_back(LogRecordLine(r, o, received_ms));
      }
    }
  }
  if (bad) return Status::Error("resourceLogs, scopeLogs and logRecords must be arrays");
  return Status::Ok();
}

const char* TemporalityName(const Value* v) {
  switch (Int64Of(v).value_or(0)) {
    case 1:
      return "delta";
    case 2:
      return "cumulative";
    default:
      return "unspecified";
  }
}

void WriteNumberList(StringWriter& w, const char* key, const Value* list, bool integers) {
  if (list == nullptr || !list->IsArray()) return;
  w.Key(key);
  w.StartArray();
  for (const Value& e : list->GetArray()) {
    if (integers) {
      w.Int64(Int64Of(&e).value_or(0));
    } else {
      WriteDouble(w, NumberOf(&e).value_or(0));
    }
  }
  w.EndArray();
}

// One data point's "point" object; false when a number point has no value.
bool WritePoint(StringWriter& w, std::string_view kind, const Value& data, const Value& p) {
  w.Key("point");
  w.StartObject();
  w.Key("type");
  w.String(kind);
  if (kind == "sum" || kind == "histogram" || kind == "exponential_histogram") {
    w.Key("temporality");
    w.String(TemporalityName(Find(data, "aggregationTemporality")));
  }
  if (kind == "sum") {
    w.Key("monotonic");
    w.Bool(json::GetBool(data, "isMonotonic").value_or(false));
  }
  WriteOptMs(w, "start_time_ms", NanosToMs(Find(p, "startTimeUnixNano")));
  bool ok = true;
  if (kind == "sum" || kind == "gauge") {
    w.Key("value");
    if (auto i = Int64Of(Find(p, "asInt")); i && !Find(p, "asDouble")) {
      w.Int64(*i);
    } else if (auto d = NumberOf(Find(p, "asDouble"))) {
      WriteDouble(w, *d);
    } else {
      w.Null();
      ok = false;
    }
  } else {
    w.Key("count");
    w.Int64(Int64Of(Find(p, "count")).value_or(0));
    for (const char* k : {"sum", "min", "max"}) {
      if (auto d = NumberOf(Find(p, k))) {
        w.Key(k);
        WriteDouble(w, *d);
      }
    }
    WriteNumberList(w, "bucket_counts", Find(p, "bucketCounts"), true);
    WriteNumberList(w, "explicit_bounds", Find(p, "explicitBounds"), false);
  }
  w.EndObject();
  return ok;
}

void MetricPoints(const Value& m, const Origin& o, int64_t received_ms, ExportResult* out) {
  static constexpr std::pair<const char*, const char*> kKinds[] = {
      {"sum", "sum"},
      {"gauge", "gauge"},
      {"histogram", "histogram"},
      {"exponentialHistogram", "exponential_histogram"},
      {"summary", "summary"}};
  std::string name(json::GetString(m, "name").value_or(""));
  for (auto [key, kind] : kKinds) {
    const Value* data = Find(m, key);
    if (data == nullptr || !data->IsObject()) continue;
    const Value* points = Find(*data, "dataPoints");
    if (points == nullptr || !points->IsArray()) break;
    for (const Value& p : points->GetArray()) {
      if (!p.IsObject()) continue;
      StringWriter w;
      w.StartObject();
      WriteOptMs(w, "time_ms", NanosToMs(Find(p, "timeUnixNano")));
      w.Key("name");
      w.String(json::SanitizeUtf8(name));
      w.Key("unit");
      w.String(json::GetString(m, "unit").value_or(""));
      bool ok = WritePoint(w, kind, *data, p);
      WriteOrigin(w, Find(p, "attributes"), o);
      w.EndObject();
      if (!ok) {
        if (out->rejected++ == 0)
          out->rejected_reason = "data point of '" + name + "' has no value";
        continue;
      }
      out->records.push_back(Assemble("metric", w.View(), received_ms));
    }
    return;
  }
  if (out->rejected++ == 0) out->rejected_reason = "metric '" + name + "' has no data points";
}

Status MetricsFromJson(const Value& req, int64_t received_ms, ExportResult* out) {
  bool bad = false;
  const Value* resources = ArrayMember(req, "resourceMetrics", &bad);
  for (size_t i = 0; resources && i < resources->Size() && !bad; ++i) {
    const Value& rm = (*resources)[static_cast<rapidjson::SizeType>(i)];
    if (!rm.IsObject()) return Status::Error("a resourceMetrics entry is not an object");
    Origin o;
    if (const Value* res = Find(rm, "resource"); res && res->IsObject())
      o.resource_attrs = Find(*res, "attributes");
    const Value* scopes = ArrayMember(rm, "scopeMetrics", &bad);
    for (size_t j = 0; scopes && j < scopes->Size() && !bad; ++j) {
      const Value& sm = (*scopes)[static_cast<rapidjson::SizeType>(j)];
      if (!sm.IsObject()) return Status::Error("a scopeMetrics entry is not an object");
      o.scope = Find(sm, "scope");
      const Value* metrics = ArrayMember(sm, "metrics", &bad);
      for (size_t k = 0; metrics && k < metrics->Size(); ++k) {
        const Value& m = (*metrics)[static_cast<rapidjson::SizeType>(k)];
        if (!m.IsObject()) {
          if (out->rejected++ == 0) out->rejected_reason = "a metric is not an object";
          continue;
        }
        MetricPoints(m, o, received_ms, out);
      }
    }
  }
  if (bad) return Status::Error("resourceMetrics, scopeMetrics and metrics must be arrays");
  return Status::Ok();
}

}  // namespace

Status RecordsFromJson(Signal signal, const Value& request, int64_t received_ms,
                       ExportResult* out) {
  if (!request.IsObject()) return Status::Error("the request is not a JSON object");
  return signal == Signal::kLogs ? LogsFromJson(request, received_ms, out)
                                 : MetricsFromJson(request, received_ms, out);
}

}  // namespace trace::otlp::internal
