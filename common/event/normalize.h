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

// One line to normalize: where it came from, its text (without the newline
// and a trailing CR), the hint of its source and when it was read.
struct LineInput {
  const SourceRef* source = nullptr;  // offset/length of this line
  std::string_view text;
  InputKind hint = InputKind::kAuto;
  int64_t read_time_ms = 0;
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

 private:
  using Allocator = rapidjson::MemoryPoolAllocator<>;
  void WriteRaw(const LineInput& in, std::string_view error, bool oversized, std::string* out);
  template <typename Extras>
  void WriteWithExtras(const LineInput& in, normalize::EventFields* f, std::string* out,
                       Extras&& extras);

  void SetTopic(std::string_view kind, std::optional<std::string_view> session);

  std::string topic_;
  json::InsituBuffer scratch_;  // in-situ parse copy of the line
  char value_buffer_[64 * 1024];
  char parse_buffer_[8 * 1024];
  Allocator value_allocator_;
  Allocator parse_allocator_;
};

// Convenience for tests and tools: one line -> one event JSON.
std::string NormalizeLine(const LineInput& in);

// The session a transcript file belongs to, from its path:
// ".../<session>.jsonl" or ".../<session>/subagents/agent-<id>.jsonl".
// Empty when the path has neither shape.
std::string_view SessionFromTranscriptPath(std::string_view path);
// "<id>" for ".../agent-<id>.jsonl", else empty.
std::string_view AgentFromTranscriptPath(std::string_view path);

}  // namespace trace
