// Internal to the normalizers: the fields of one event as views into the
// parsed line, filled by one normalizer per input kind (normalize_*.cc) and
// serialized once by WriteEvent in a fixed order (proto/event.schema.json).
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/event/normalize.h"

namespace trace::normalize {

using Str = std::optional<std::string_view>;
using Json = const rapidjson::Value*;

struct EventFields {
  std::string_view kind;
  std::string_view event_type;
  Str span_id, trace_id, parent_id, session_id, task_id, task_status, agent_id;
  Str agent_kind, agent_type, agent_description;  // transcript lines of sub-agent files
  std::optional<int64_t> timestamp, duration_ms;
  Str timestamp_source;  // set when timestamp is not the record's own
  Str hook_type, tool_name, tool_use_id;
  Json tool_input = nullptr, tool_output = nullptr, metrics = nullptr, tags = nullptr,
       metadata = nullptr;
  Str model, message_id, request_id, cwd, git_branch, error;
  Str user, host;  // who ran Claude Code, on which machine (present only when known)
  Json usage = nullptr;
  std::optional<bool> is_error, is_sidechain;
  // The original record; written verbatim from the line when whole_line is
  // set (the record is the entire line), else serialized from data.
  Json data = nullptr;
  bool whole_line = true;
  // Set when the record was parsed in situ from a copy of the line at
  // insitu_base: long strings are then copied from the line as written
  // instead of being escaped again.
  const char* insitu_base = nullptr;
  // Storage for values derived rather than read (paths, hashes).
  std::string derived_span_id, derived_session_id, derived_agent_id;
};

// String member as a view, nullopt when absent or not a string.
Str Text(const rapidjson::Value& obj, std::string_view key);
// Member of any type but null, else nullptr.
Json Member(const rapidjson::Value& obj, std::string_view key);
// Timestamp member (ms epoch number or ISO string) in ms.
std::optional<int64_t> Millis(const rapidjson::Value& obj, std::string_view key);
std::optional<int64_t> Integer(const rapidjson::Value& obj, std::string_view key);
std::optional<bool> Boolean(const rapidjson::Value& obj, std::string_view key);

// One function per input shape (normalize_<kind>.cc). Each fills *f from
// the record; the common fields (source, timestamp fallback, span_id
// derivation) are completed by Finish.
void FillSpan(const rapidjson::Value& rec, const LineInput& in, EventFields* f);
void FillHook(const rapidjson::Value& rec, const LineInput& in, EventFields* f);
void FillTranscript(const rapidjson::Value& rec, const LineInput& in, EventFields* f);
void FillHistory(const rapidjson::Value& rec, const LineInput& in, EventFields* f);
void FillIngest(const rapidjson::Value& rec, const LineInput& in, EventFields* f);
void FillOtel(const rapidjson::Value& rec, const LineInput& in, EventFields* f);
void FillGeneric(const rapidjson::Value& rec, const LineInput& in, EventFields* f);

// Fills span_id (derived when absent), user/host from the line's origin
// when the record names none, and timestamp when the record has
// none (the line's time fallback, else read time; timestamp_source says which).
void Finish(const LineInput& in, EventFields* f);
// The deterministic id of a line without one: source identity (+ the file's
// birth time when known) + offset + text.
std::string DerivedSpanId(const LineInput& in);

// Appends the event JSON to *out.
void WriteEvent(const EventFields& f, const LineInput& in, std::string* out);

}  // namespace trace::normalize
