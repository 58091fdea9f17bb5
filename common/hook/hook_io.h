// The OS side of trace-hook: read stdin with a size cap and a deadline,
// mint span ids, append one record line to <traces dir>/<session>.jsonl under
// an exclusive flock, and report failures to a hook error log. Nothing here
// writes to stdout: Claude Code reads a hook's stdout for some events.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace::hook {

struct Input {
  std::string data;
  std::string note;  // "" when stdin was read whole to EOF, else what went wrong
};

// Reads fd to EOF, keeping at most cap bytes (the rest is read and dropped so
// the writer never gets EPIPE) and giving up at timeout_ms after the start.
Input ReadInput(int fd, size_t cap, int timeout_ms);

// A random UUID (version 4), e.g. "0b6c6d3e-8a0f-4a57-9d6c-2f1e0c3b7a21".
std::string NewSpanId();

// Appends line + '\n' to dir/<file_name> (created 0600) with one O_APPEND write
// under flock(LOCK_EX), waiting at most lock_timeout_ms for the lock (then it
// writes unlocked: losing a span is worse than a rare interleave). A failed
// or short write is cut back off the file so no partial line remains.
Status AppendLine(const std::string& dir, const std::string& file_name, std::string_view line,
                  int lock_timeout_ms = 2000);

// Appends one JSON line {"ts","tool":"trace-hook","level":"error","msg"} to
// <traces_dir>/hook-errors.log, else to ${XDG_STATE_HOME:-~/.local/state}/
// claude-trace/hook-errors.log, else to stderr. Never fails.
void LogHookError(const std::string& traces_dir, std::string_view message);

}  // namespace trace::hook
