// The normalizer entry point: parse the line once (in situ), pick the input
// shape (the source's hint, else per-line detection), let that shape's
// normalizer fill the fields, write the event. Non-JSON becomes "raw".
#include "common/event/normalize.h"

#include <cstring>

#include "common/base/ids.h"
#include "common/event/normalize_fields.h"
#include "common/json/json.h"

namespace trace {

namespace n = normalize;

namespace {

constexpr size_t kOversizedPrefixBytes = size_t{64} * 1024;

bool Has(const rapidjson::Value& v, std::string_view key) { return json::Find(v, key) != nullptr; }
bool HasString(const rapidjson::Value& v, std::string_view key) {
  return n::Text(v, key).has_value();
}

bool LooksLikeEvent(const rapidjson::Value& v) {
  return HasString(v, "span_id") && HasString(v, "event_type") && HasString(v, "kind");
}
bool LooksLikeSpan(const rapidjson::Value& v) {
  return HasString(v, "span_id") && (Has(v, "hook_type") || Has(v, "trace_id"));
}
bool LooksLikeHistory(const rapidjson::Value& v) {
  return Has(v, "display") && Has(v, "timestamp") && !Has(v, "type");
}
bool LooksLikeTranscript(const rapidjson::Value& v) {
  return HasString(v, "type") &&
         (Has(v, "uuid") || Has(v, "sessionId") || Has(v, "message") || Has(v, "leafUuid"));
}
bool LooksLikeSeed003(const rapidjson::Value& v) {
  return HasString(v, "event") && Has(v, "sessionId");
}

using FillFn = void (*)(const rapidjson::Value&, const LineInput&, n::EventFields*);

FillFn Detect(const rapidjson::Value& rec) {
  if (HasString(rec, "hook_event_name") && !HasString(rec, "span_id")) return n::FillHook;
  if (LooksLikeEvent(rec) || LooksLikeSeed003(rec)) return n::FillIngest;
  if (Has(rec, "http_hook") || (HasString(rec, "otel") && HasString(rec, "id"))) {
    return n::FillIngest;  // the gateway's http hook and OTel spool records
  }
  if (LooksLikeSpan(rec)) return n::FillSpan;
  if (LooksLikeHistory(rec)) return n::FillHistory;
  if (LooksLikeTranscript(rec)) return n::FillTranscript;
  return n::FillGeneric;
}

// The source's hint decides where the line's shape is ambiguous; a line of
// another known shape inside a hinted file is still normalized as what it is.
FillFn Choose(const rapidjson::Value& rec, InputKind hint) {
  if (!rec.IsObject()) return n::FillGeneric;
  switch (hint) {
    case InputKind::kTranscript:
      if (HasString(rec, "type")) return n::FillTranscript;
      break;
    case InputKind::kHistory:
      if (Has(rec, "display") || !Has(rec, "type")) return n::FillHistory;
      break;
    case InputKind::kIngest:
      return n::FillIngest;
    case InputKind::kSpan:
      if (HasString(rec, "hook_event_name") && !HasString(rec, "span_id")) return n::FillHook;
      if (HasString(rec, "span_id") || Has(rec, "hook_type")) return n::FillSpan;
      break;
    case InputKind::kAuto:
      break;
  }
  return Detect(rec);
}

}  // namespace

Normalizer::Normalizer()
    : value_allocator_(value_buffer_, sizeof value_buffer_),
      parse_allocator_(parse_buffer_, sizeof parse_buffer_) {}

void Normalizer::Normalize(const LineInput& in, std::string* out) {
  value_allocator_.Clear();
  parse_allocator_.Clear();
  rapidjson::GenericDocument<rapidjson::UTF8<>, Allocator, Allocator> doc(
      &value_allocator_, sizeof parse_buffer_ / 2, &parse_allocator_);
  // Not JSON, NUL byte, invalid UTF-8, nested too deep: the line is kept raw.
  if (Status st = json::ParseLine(&doc, &scratch_, in.text, json::kMaxLineDepth); !st) {
    record_timestamp_.reset();
    WriteRaw(in, st.message(), false, out);
    return;
  }
  n::EventFields f;
  f.insitu_base = scratch_.data();
  Choose(doc, in.hint)(doc, in, &f);
  record_timestamp_ = f.timestamp;
  n::Finish(in, &f);
  SetTopic(f.kind, f.session_id);
  n::WriteEvent(f, in, out);
}

void Normalizer::SetTopic(std::string_view kind, std::optional<std::string_view> session) {
  topic_.assign(kind);
  topic_.push_back('.');
  if (session) topic_.append(*session);
}

void Normalizer::NormalizeOversized(const LineInput& prefix, std::string* out) {
  record_timestamp_.reset();
  LineInput in = prefix;
  if (in.text.size() > kOversizedPrefixBytes) in.text = in.text.substr(0, kOversizedPrefixBytes);
  WriteRaw(in, "line too long", true, out);
}

void Normalizer::NormalizeUnparsed(const LineInput& line, std::string_view reason,
                                   std::string* out) {
  LineInput in = line;
  bool truncated = in.text.size() > kOversizedPrefixBytes;
  if (truncated) in.text = in.text.substr(0, kOversizedPrefixBytes);
  WriteRaw(in, reason, truncated, out);
}

// Events without data (raw, notice) end with members of their own: the
// common event is written, reopened, and the extra members appended.
template <typename Extras>
void Normalizer::WriteWithExtras(const LineInput& in, normalize::EventFields* f, std::string* out,
                                 Extras&& extras) {
  n::Finish(in, f);
  SetTopic(f->kind, std::nullopt);
  n::WriteEvent(*f, in, out);
  out->pop_back();
  json::StringWriter w;
  w.StartObject();
  extras(w);
  w.EndObject();
  out->push_back(',');
  out->append(w.View().substr(1));
}

void Normalizer::WriteRaw(const LineInput& in, std::string_view error, bool oversized,
                          std::string* out) {
  n::EventFields f;
  f.kind = kKindRaw;
  f.event_type = "raw";
  f.whole_line = false;
  WriteWithExtras(in, &f, out, [&](json::StringWriter& w) {
    w.Key("raw");
    json::IsValidUtf8(in.text) ? w.String(in.text) : w.String(json::SanitizeUtf8(in.text));
    w.Key("parse_error");
    w.String(error);
    if (oversized) {
      w.Key("raw_truncated");
      w.Bool(true);
    }
  });
}

void Normalizer::Notice(const SourceRef& source, std::string_view what, std::string_view detail,
                        int64_t now_ms, std::string* out) {
  LineInput in{&source, what, InputKind::kAuto, now_ms};
  n::EventFields f;
  f.kind = kKindNotice;
  f.event_type = "tail.notice";
  f.timestamp = now_ms;  // the notice's own time
  f.whole_line = false;
  f.derived_span_id = StableHashHex(source.Identity() + '\n' + std::to_string(source.offset) +
                                    '\n' + std::string(what) + '\n' + std::to_string(now_ms));
  f.span_id = f.derived_span_id;
  WriteWithExtras(in, &f, out, [&](json::StringWriter& w) {
    w.Key("notice");
    w.String(what);
    w.Key("detail");
    w.String(json::SanitizeUtf8(detail));
  });
}

std::optional<int64_t> RecordTimestamp(std::string_view text, InputKind hint) {
  thread_local json::InsituBuffer scratch;
  rapidjson::Document doc;
  if (!json::ParseLine(&doc, &scratch, text, json::kMaxLineDepth)) return std::nullopt;
  static const SourceRef kNoSource;
  LineInput in{&kNoSource, text, hint, 0};
  n::EventFields f;
  Choose(doc, hint)(doc, in, &f);
  return f.timestamp;
}

std::string NormalizeLine(const LineInput& in) {
  Normalizer n;
  std::string out;
  n.Normalize(in, &out);
  return out;
}

}  // namespace trace
