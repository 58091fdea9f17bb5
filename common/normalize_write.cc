// Shared by the normalizers: typed member access on the parsed record,
// the fallbacks every event gets (derived span_id, read-time timestamp) and
// the one place that serializes an event, in schema order.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json.h"
#include "common/normalize_fields.h"

namespace trace::normalize {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void Put(Writer& w, std::string_view k, const Str& v) {
  Key(w, k);
  v ? (void)w.String(v->data(), static_cast<rapidjson::SizeType>(v->size())) : (void)w.Null();
}
void Put(Writer& w, std::string_view k, std::optional<int64_t> v) {
  Key(w, k);
  v ? (void)w.Int64(*v) : (void)w.Null();
}
void Put(Writer& w, std::string_view k, std::optional<bool> v) {
  Key(w, k);
  v ? (void)w.Bool(*v) : (void)w.Null();
}
void Put(Writer& w, std::string_view k, Json v) {
  Key(w, k);
  v ? (void)v->Accept(w) : (void)w.Null();
}

void PutSource(Writer& w, const SourceRef& s) {
  Key(w, "source");
  w.StartObject();
  Put(w, "path", Str(s.path));
  Key(w, "dev");
  w.Uint64(s.dev);
  Key(w, "ino");
  w.Uint64(s.ino);
  Key(w, "offset");
  w.Uint64(s.offset);
  Key(w, "length");
  w.Uint64(s.length);
  w.EndObject();
}

void PutIds(Writer& w, const EventFields& f) {
  Put(w, "span_id", f.span_id);
  Put(w, "kind", Str(f.kind));
  Put(w, "event_type", Str(f.event_type));
  Put(w, "timestamp", f.timestamp);
  Put(w, "trace_id", f.trace_id);
  Put(w, "parent_id", f.parent_id);
  Put(w, "session_id", f.session_id);
  Put(w, "task_id", f.task_id);
  Put(w, "task_status", f.task_status);
  Put(w, "agent_id", f.agent_id);
  Put(w, "duration_ms", f.duration_ms);
}

void PutTool(Writer& w, const EventFields& f) {
  Put(w, "hook_type", f.hook_type);
  Put(w, "tool_name", f.tool_name);
  Put(w, "tool_use_id", f.tool_use_id);
  Put(w, "tool_input", f.tool_input);
  Put(w, "tool_output", f.tool_output);
  Put(w, "is_error", f.is_error);
  Put(w, "error", f.error);
  Put(w, "metrics", f.metrics);
  Put(w, "tags", f.tags);
  Put(w, "metadata", f.metadata);
}

void PutModel(Writer& w, const EventFields& f) {
  Put(w, "model", f.model);
  Put(w, "usage", f.usage);
  Put(w, "message_id", f.message_id);
  Put(w, "request_id", f.request_id);
  Put(w, "cwd", f.cwd);
  Put(w, "git_branch", f.git_branch);
  Put(w, "is_sidechain", f.is_sidechain);
}

}  // namespace

Str Text(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = json::Find(obj, key);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

Json Member(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = json::Find(obj, key);
  return v && !v->IsNull() ? v : nullptr;
}

std::optional<int64_t> Millis(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = json::Find(obj, key);
  return v ? json::TimestampMs(*v) : std::nullopt;
}

std::optional<int64_t> Integer(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = json::Find(obj, key);
  if (!v) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsNumber()) return static_cast<int64_t>(v->GetDouble());
  return std::nullopt;
}

std::optional<bool> Boolean(const rapidjson::Value& obj, std::string_view key) {
  return json::GetBool(obj, key);
}

std::string DerivedSpanId(const LineInput& in) {
  std::string key = in.source->Identity();
  key += '\n';
  key += std::to_string(in.source->offset);
  key += '\n';
  key += in.text;
  return StableHashHex(key);
}

void Finish(const LineInput& in, EventFields* f) {
  if (!f->span_id || f->span_id->empty()) {
    f->derived_span_id = DerivedSpanId(in);
    f->span_id = f->derived_span_id;
  }
  if (!f->timestamp) f->timestamp = in.read_time_ms;
}

void WriteEvent(const EventFields& f, const LineInput& in, std::string* out) {
  thread_local rapidjson::StringBuffer buffer;
  buffer.Clear();
  Writer w(buffer);
  w.StartObject();
  PutIds(w, f);
  PutTool(w, f);
  PutModel(w, f);
  PutSource(w, *in.source);
  if (f.data && !f.whole_line) Put(w, "data", f.data);
  w.EndObject();
  std::string_view body(buffer.GetString(), buffer.GetSize());
  if (!f.data || !f.whole_line) {
    out->append(body);
    return;
  }
  // The record is the whole line, already valid JSON: copy it verbatim
  // instead of serializing the parsed tree again.
  out->reserve(out->size() + body.size() + in.text.size() + 9);
  out->append(body.substr(0, body.size() - 1));
  out->append(",\"data\":");
  out->append(in.text);
  out->push_back('}');
}

}  // namespace trace::normalize
