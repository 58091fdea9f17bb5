// Turns one line of a followed file into the normalized event (DESIGN "The
// normalized event", proto/event.schema.json, proto/inputs.md). Knows
// RapidJSON only. A Normalizer reuses its buffers: one per thread.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/event/event.h"
#include "common/json/json_insitu.h"

namespace trace {

namespace normalize {
struct EventFields;
}

// Kind of event for JSON that matches no known input shape and has no hint.
inline constexpr std::string_view kKindGeneric = "generic";

// The time a line without a timestamp of its own takes, and where it came
// from: the event's `timestamp_source` (proto/inputs.md "Time").
struct FallbackTime {
  int64_t ms = 0;
  std::string_view source;  // "previous", "next", "file_mtime" or "read_time"
};

// Resolves a fallback time on demand: asked only for a line whose record has
// no timestamp (the follower's per-file TimeCarry looks at its neighbours).
class TimeFallback {
 public:
  virtual ~TimeFallback() = default;
  virtual FallbackTime Resolve() = 0;
};

// A sub-agent's `agent-<id>.meta.json` (written by Claude Code beside its
// transcript): {"agentType":"Explore","description":"…",…}.
struct AgentMeta {
  std::string agent_type, description;
};
// Reads a meta file's text; fails when it is not a JSON object.
Result<AgentMeta> ParseAgentMeta(std::string_view text);
// ".../agent-<id>.jsonl" -> ".../agent-<id>.meta.json"; empty for other paths.
std::string AgentMetaPath(std::string_view transcript_path);

// Who and where the lines of a source were written (trace-tail --user,
// --host): fills the event's user/host when its record names none.
struct Origin {
  std::string user, host;
};

// One line to normalize: where it came from, its text (without the newline
// and a trailing CR), the hint of its source and when it was read. Without
// a time fallback, a line with no timestamp takes read_time_ms.
struct LineInput {
  const SourceRef* source = nullptr;  // offset/length of this line
  std::string_view text;
  InputKind hint = InputKind::kAuto;
  int64_t read_time_ms = 0;
  TimeFallback* time = nullptr;
  const AgentMeta* agent = nullptr;  // the sub-agent file's meta, when read
  const Origin* origin = nullptr;    // null: user/host only from the record
};

class Normalizer {
 public:
  Normalizer();
  // Appends the event for a line to *out as compact JSON (no newline).
  // Never fails: text that is not JSON becomes a "raw" event.
  void Normalize(const LineInput& in, std::string* out);
  // A line longer than the follower's cap: a raw event carrying a prefix
  // of the line and parse_error "line too long" (source.length is the full length).
  void NormalizeOversized(const LineInput& prefix, std::string* out);
  // A line kept without parsing it (a reader crashed or stalled on it
  // before, tail/line_guard.h): a raw event with parse_error `reason`,
  // carrying at most the oversized prefix of the line.
  void NormalizeUnparsed(const LineInput& in, std::string_view reason, std::string* out);
  // A notice from the follower itself (event_type "tail.notice"), e.g.
  // what = "truncated" / "replaced" with a human-readable detail.
  void Notice(const SourceRef& source, std::string_view what, std::string_view detail,
              int64_t now_ms, std::string* out);
  // The ZeroMQ topic of the last event written: "<kind>.<session_id>".
  const std::string& topic() const { return topic_; }
  // The timestamp the last normalized line's record carried itself (nullopt:
  // none, its event took a fallback time).
  std::optional<int64_t> record_timestamp() const { return record_timestamp_; }

 private:
  using Allocator = rapidjson::MemoryPoolAllocator<>;
  void WriteRaw(const LineInput& in, std::string_view error, bool oversized, std::string* out);
  template <typename Extras>
  void WriteWithExtras(const LineInput& in, normalize::EventFields* f, std::string* out,
                       Extras&& extras);

  void SetTopic(std::string_view kind, std::optional<std::string_view> session);

  std::string topic_;
  std::optional<int64_t> record_timestamp_;
  json::InsituBuffer scratch_;  // in-situ parse copy of the line
  char value_buffer_[64 * 1024];
  char parse_buffer_[8 * 1024];
  Allocator value_allocator_;
  Allocator parse_allocator_;
};

// Convenience for tests and tools: one line -> one event JSON.
std::string NormalizeLine(const LineInput& in);
// The timestamp a line's record carries itself, by the same rules Normalize
// applies (nullopt: none, or not JSON). For looking at a line's neighbours.
std::optional<int64_t> RecordTimestamp(std::string_view text, InputKind hint);

// The session a transcript file belongs to, from its path:
// ".../<session>.jsonl" or ".../<session>/subagents/agent-<id>.jsonl".
// Empty when the path has neither shape.
std::string_view SessionFromTranscriptPath(std::string_view path);
// "<id>" for ".../agent-<id>.jsonl", else empty.
std::string_view AgentFromTranscriptPath(std::string_view path);
// What a sub-agent file is, from its agent id: "compaction" (acompact-…),
// "side_question" (aside_question-…, a /btw question) or "subagent".
std::string_view AgentKindFromId(std::string_view agent_id);

// The store's identity of an event (proto/storage.md "ids"), into *out: its
// span_id, and for a transcript line also the transcript it was read from
// ("<session>" or "<session>/agent-<id>", else the path), since Claude Code
// writes lines with the same uuid into side-question, compaction and resumed
// session files. A line re-read from its file has the same identity.
void EventIdentity(const EventKeys& keys, std::string* out);

}  // namespace trace
