// Shared by the normalizers: typed member access on the parsed record,
// the fallbacks every event gets (derived span_id, read-time timestamp) and
// the one place that serializes an event, in schema order.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstring>

#include "common/base/ids.h"
#include "common/event/normalize_fields.h"
#include "common/json/json.h"

namespace trace::normalize {

namespace {

// Strings at least this long are copied from the line instead of re-escaped.
constexpr size_t kRawCopyMin = 64;

// The escaped text of an in-situ parsed string, taken from the original
// line: the parser decoded it in place, starting where its text started,
// and decoding only shrinks, so its closing quote lies at or after
// start + decoded length.
std::optional<std::string_view> OriginalString(const rapidjson::Value& v, const char* base,
                                               std::string_view line) {
  if (!base || !v.IsString() || v.GetStringLength() < kRawCopyMin) return std::nullopt;
  if (v.GetString() < base) return std::nullopt;
  size_t start = static_cast<size_t>(v.GetString() - base);
  if (start == 0 || start >= line.size()) return std::nullopt;
  for (size_t pos = start + v.GetStringLength(); pos < line.size(); ++pos) {
    const void* q = std::memchr(line.data() + pos, '"', line.size() - pos);
    if (!q) return std::nullopt;
    pos = static_cast<size_t>(static_cast<const char*>(q) - line.data());
    size_t slashes = 0;
    while (pos - slashes > start && line[pos - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return line.substr(start - 1, pos - start + 2);  // with quotes
  }
  return std::nullopt;
}

// Appends the event's JSON straight into the output string. Keys are our
// own constants (no escaping needed); values are escaped as RapidJSON's
// Writer does, so sub-documents written by it look the same.
class Out {
 public:
  Out(std::string* s, const EventFields& f, std::string_view line)
      : s_(s), base_(f.insitu_base), line_(line) {}

  void Open() {
    s_->push_back('{');
    first_ = true;
  }
  void Close() { s_->push_back('}'); }
  void Key(std::string_view k) {
    if (!first_) s_->push_back(',');
    first_ = false;
    s_->push_back('"');
    s_->append(k);
    s_->append("\":", 2);
  }
  void Put(std::string_view k, const Str& v) {
    Key(k);
    v ? String(*v) : Null();
  }
  void Put(std::string_view k, std::optional<int64_t> v) {
    Key(k);
    v ? Int(*v) : Null();
  }
  void Put(std::string_view k, std::optional<bool> v) {
    Key(k);
    if (!v) return Null();
    *v ? s_->append("true", 4) : s_->append("false", 5);
  }
  void Put(std::string_view k, Json v) {
    Key(k);
    v ? Value(*v) : Null();
  }
  void PutUint(std::string_view k, uint64_t v) {
    Key(k);
    char buf[24];
    s_->append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  void Raw(std::string_view json) { s_->append(json); }

 private:
  void Null() { s_->append("null", 4); }
  void Int(int64_t v) {
    char buf[24];
    s_->append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  void String(std::string_view v);
  void Value(const rapidjson::Value& v);

  std::string* s_;
  const char* base_;
  std::string_view line_;
  bool first_ = true;
};

// True if one of the eight bytes is a control character, '"' or '\\'
// (SWAR: bytes >= 0x80 never match, so UTF-8 text passes through).
bool NeedsEscape(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [&](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  uint64_t below_space = (x - kOnes * 0x20) & ~x & kHigh;
  return (below_space | has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\'))) != 0;
}

void Out::String(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  s_->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    uint64_t word;
    while (i + 8 <= v.size() && (std::memcpy(&word, v.data() + i, 8), !NeedsEscape(word))) i += 8;
    if (i >= v.size()) break;
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    s_->append(v.data() + run, i - run);
    run = i + 1;
    s_->push_back('\\');
    switch (c) {
      case '"':
        s_->push_back('"');
        break;
      case '\\':
        s_->push_back('\\');
        break;
      case '\b':
        s_->push_back('b');
        break;
      case '\f':
        s_->push_back('f');
        break;
      case '\n':
        s_->push_back('n');
        break;
      case '\r':
        s_->push_back('r');
        break;
      case '\t':
        s_->push_back('t');
        break;
      default:
        s_->append("u00", 3);
        s_->push_back(kHex[c >> 4]);
        s_->push_back(kHex[c & 0xF]);
    }
  }
  s_->append(v.data() + run, v.size() - run);
  s_->push_back('"');
}

void Out::Value(const rapidjson::Value& v) {
  if (auto original = OriginalString(v, base_, line_)) {
    s_->append(*original);
    return;
  }
  if (v.IsString()) {
    String({v.GetString(), v.GetStringLength()});
    return;
  }
  thread_local rapidjson::StringBuffer buffer;
  buffer.Clear();
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  s_->append(buffer.GetString(), buffer.GetSize());
}

void PutSource(Out& o, const SourceRef& s) {
  o.Key("source");
  Out src = o;
  src.Open();
  src.Put("path", Str(s.path));
  src.PutUint("dev", s.dev);
  src.PutUint("ino", s.ino);
  src.PutUint("offset", s.offset);
  src.PutUint("length", s.length);
  if (!s.fingerprint.empty()) src.Put("fp", Str(s.fingerprint));
  src.Close();
}

void PutIds(Out& o, const EventFields& f) {
  o.Put("span_id", f.span_id);
  o.Put("kind", Str(f.kind));
  o.Put("event_type", Str(f.event_type));
  o.Put("timestamp", f.timestamp);
  if (f.timestamp_source) o.Put("timestamp_source", f.timestamp_source);
  o.Put("trace_id", f.trace_id);
  o.Put("parent_id", f.parent_id);
  o.Put("session_id", f.session_id);
  if (f.user) o.Put("user", f.user);
  if (f.host) o.Put("host", f.host);
  o.Put("task_id", f.task_id);
  o.Put("task_status", f.task_status);
  o.Put("agent_id", f.agent_id);
  if (f.agent_kind) {
    o.Put("agent_kind", f.agent_kind);
    o.Put("agent_type", f.agent_type);
    o.Put("agent_description", f.agent_description);
  }
  o.Put("duration_ms", f.duration_ms);
}

void PutTool(Out& o, const EventFields& f) {
  o.Put("hook_type", f.hook_type);
  o.Put("tool_name", f.tool_name);
  o.Put("tool_use_id", f.tool_use_id);
  o.Put("tool_input", f.tool_input);
  o.Put("tool_output", f.tool_output);
  o.Put("is_error", f.is_error);
  o.Put("error", f.error);
  o.Put("metrics", f.metrics);
  o.Put("tags", f.tags);
  o.Put("metadata", f.metadata);
}

void PutModel(Out& o, const EventFields& f) {
  o.Put("model", f.model);
  o.Put("usage", f.usage);
  o.Put("message_id", f.message_id);
  o.Put("request_id", f.request_id);
  o.Put("cwd", f.cwd);
  o.Put("git_branch", f.git_branch);
  o.Put("is_sidechain", f.is_sidechain);
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
  // The birth time tells apart two files on one inode with the same line at
  // the same offset (else the second is dropped as a duplicate). Without
  // one (stdin, a filesystem that keeps none) the key is the older one.
  if (in.source->birth_ns != 0) {
    key += '@';
    key += std::to_string(in.source->birth_ns);
  }
  key += '\n';
  key += std::to_string(in.source->offset);
  key += '\n';
  key += in.text;
  return StableHashHex(key);
}

namespace {

// An empty name is no name: it neither shows nor blocks the origin's.
void FillFromOrigin(const LineInput& in, EventFields* f) {
  if (f->user && f->user->empty()) f->user.reset();
  if (f->host && f->host->empty()) f->host.reset();
  if (!in.origin) return;
  if (!f->user && !in.origin->user.empty()) f->user = in.origin->user;
  if (!f->host && !in.origin->host.empty()) f->host = in.origin->host;
}

}  // namespace

void Finish(const LineInput& in, EventFields* f) {
  if (!f->span_id || f->span_id->empty()) {
    f->derived_span_id = DerivedSpanId(in);
    f->span_id = f->derived_span_id;
  }
  FillFromOrigin(in, f);
  if (f->timestamp) return;
  // Transcript lines take their neighbours' time (trace-tail passes its
  // per-file TimeCarry). Other inputs, and lines normalized without a
  // follower, keep the read time, unflagged: a hook payload or a POSTed
  // event without a time was live when it was read.
  bool transcript = f->kind == kKindTranscript || in.hint == InputKind::kTranscript;
  if (!in.time || !transcript) {
    f->timestamp = in.read_time_ms;
    return;
  }
  FallbackTime t = in.time->Resolve();
  f->timestamp = t.ms;
  f->timestamp_source = t.source;
}

void WriteEvent(const EventFields& f, const LineInput& in, std::string* out) {
  out->reserve(out->size() + 700 + (f.data && f.whole_line ? in.text.size() : 0));
  Out o(out, f, in.text);
  o.Open();
  PutIds(o, f);
  PutTool(o, f);
  PutModel(o, f);
  PutSource(o, *in.source);
  if (f.data && f.whole_line) {
    // The record is the whole line, already valid JSON: copy it verbatim
    // instead of serializing the parsed tree again.
    o.Key("data");
    o.Raw(in.text);
  } else if (f.data) {
    o.Put("data", f.data);
  }
  o.Close();
}

}  // namespace trace::normalize
