// The normalized event (DESIGN "The normalized event", proto/event.schema.json).
// An event travels as one line of compact JSON: on trace-tail --stdout, in the
// third ZeroMQ frame, as the LMDB value, in REST and SSE. EventKeys is the
// handful of fields the pipeline routes, dedupes and indexes on, read back out
// of that JSON without keeping the parsed document.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace trace {

// Which reader produced an event (the `kind` field, and the topic prefix).
inline constexpr std::string_view kKindSpan = "span";
inline constexpr std::string_view kKindHook = "hook";
inline constexpr std::string_view kKindTranscript = "transcript";
inline constexpr std::string_view kKindHistory = "history";
inline constexpr std::string_view kKindIngest = "ingest";
// OpenTelemetry log records and metric points (POST /v1/logs, /v1/metrics).
inline constexpr std::string_view kKindOtel = "otel";
inline constexpr std::string_view kKindRaw = "raw";
// Notices from the tail itself (truncation, rotation): event_type "tail.notice".
inline constexpr std::string_view kKindNotice = "notice";

// What the source of a line is expected to hold. kAuto detects per line.
enum class InputKind { kAuto, kSpan, kTranscript, kHistory, kIngest };

// "auto", "span", "transcript", "history", "ingest" <-> InputKind.
bool ParseInputKind(std::string_view name, InputKind* out);
std::string_view InputKindName(InputKind kind);

// Where a line came from: the file's identity and the byte range of the line.
// dev/ino are 0 for sources without a file (stdin, ingest via pipe).
struct SourceRef {
  std::string path;
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t offset = 0;  // byte offset of the line's first byte
  uint64_t length = 0;  // bytes of the line including its newline
  // "<bytes>:<hash>" of the file's first bytes (proto/inputs.md "File
  // identity"); empty when unknown. Not part of Identity().
  std::string fingerprint = {};
  // The file's birth time (statx btime, ns) when its filesystem keeps one,
  // else 0. Another file on a reused inode has another: derived span_ids
  // include it (DerivedSpanId). Not part of Identity() and not sent.
  int64_t birth_ns = 0;
  // "dev:ino" when known, else the path: how stores key committed offsets.
  std::string Identity() const;
};

struct EventKeys {
  std::string span_id;
  std::string kind;
  std::string event_type;
  std::string session_id;  // empty when null
  std::string task_id;
  std::string trace_id;
  std::string parent_id;
  std::string tool_name;
  std::string tool_use_id;
  std::string user, host;  // who and where (empty when unknown)
  int64_t timestamp_ms = 0;
  // The timestamp is a neighbour's or the file's (timestamp_source "previous",
  // "next", "file_mtime"): it orders the event but is no activity of its own.
  bool timestamp_borrowed = false;
  uint64_t seq = 0;  // 0 until trace-index stored it
  std::optional<SourceRef> source;
};

// Reads the keys from an event document / event JSON. Fails when the text is
// not a JSON object or lacks span_id, kind or event_type.
Result<EventKeys> ReadEventKeys(const rapidjson::Value& event);
// The same into *out, reusing its strings' memory (hot paths).
Status ReadEventKeys(const rapidjson::Value& event, EventKeys* out);
Result<EventKeys> ParseEventKeys(std::string_view event_json);

// Every hook event Claude Code documents (reference: claude-code-formats.md),
// in its documented order: what trace-hook install wires and ingest accepts.
const std::vector<std::string>& ClaudeHookEvents();
bool IsClaudeHookEvent(std::string_view name);

// The ZeroMQ topic of an event: "<kind>.<session_id>" (session empty if null).
std::string EventTopic(const EventKeys& keys);

// Returns event_json with "seq":<seq> set (replacing any existing seq member).
std::string WithSeq(std::string_view event_json, uint64_t seq);

}  // namespace trace
