// The span record trace-hook writes for one Claude Code hook event (format in
// proto/span.md): seed 000's trace fields plus tool_use_id, agent_id, cwd and
// the payload kept whole. Pure function of the stdin text and a context, so
// tests pin every field; the OS-facing parts live in hook_io.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/event/hook_identity.h"
#include "common/json/json.h"

namespace trace::hook {

// Everything BuildSpan needs besides stdin, gathered once by the caller.
struct HookContext {
  int64_t now_ms = 0;
  std::string span_id;  // new, unique (NewSpanId): raw spans; hook spans use HookFiringId
  std::optional<std::string> task_id;      // CLAUDE_TRACE_TASK_ID, wins when set
  std::optional<std::string> task_status;  // CLAUDE_TRACE_TASK_STATUS
  std::optional<std::string> parent_id;    // CLAUDE_TRACE_PARENT_ID
  std::string task_pattern;                // matched on the git branch; "" = off
  std::string process_cwd;                 // used when the payload has no cwd
  std::string input_note;                  // why stdin is incomplete, or ""
};

struct SpanRecord {
  std::string session_id;   // "" when the payload has none (raw spans)
  std::string line;         // compact JSON object, no trailing newline
  std::string parse_error;  // why the payload was kept raw, or ""
};

// Payloads above this size keep tool_input/tool_output only inside `payload`
// (the copies are null and metadata.tool_io_in_payload is true), so a 10 MB
// tool result is written once, not twice.
inline constexpr size_t kDuplicateToolIoLimit = 512 * 1024;

// Builds the record. Input that is not a JSON object (or not valid UTF-8, or
// nested deeper than json::kMaxDepth) becomes a span with event_type "raw",
// the sanitized text under `raw` and the reason under `parse_error`. Never
// throws.
SpanRecord BuildSpan(std::string_view input, const HookContext& ctx);
// The same into *out (reset first), returning the session id: trace-hook
// writes out->View() and saves a copy of a possibly large line. *parse_error
// (if given) is set as SpanRecord::parse_error.
std::string BuildSpanInto(std::string_view input, const HookContext& ctx, json::StringWriter* out,
                          std::string* parse_error = nullptr);

// HookTypeOf (the hook_type facet) is in common/event/hook_identity.h.
using trace::HookTypeOf;

// A file name stem safe for any session id: [A-Za-z0-9._-] kept, others '_',
// at most 128 bytes; "unknown-session" for an empty id or "."/"..".
std::string SessionFileStem(std::string_view session_id);

}  // namespace trace::hook
