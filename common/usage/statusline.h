// The Claude Code status line (`trace-query statusline`, proto/usage.md
// "Status line"): Claude Code's statusLine JSON (proto/inputs.md) plus what
// the store knows (today's cost, the active 5-hour block) -> one line.
// Pure: the caller reads stdin and the store; nothing here fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/usage/usage_blocks.h"

namespace trace {

// The members of Claude Code's statusLine input that the line shows; all
// optional (older versions send fewer, rate_limits only for Pro/Max).
struct StatusInput {
  std::string session_id, model;           // model.display_name, else model.id
  std::optional<double> session_cost;      // cost.total_cost_usd
  std::optional<double> context_percent;   // context_window.used_percentage
  std::optional<uint64_t> context_tokens;  // context_window.current_usage input sides
  std::optional<double> five_hour_percent, seven_day_percent;  // rate_limits.*.used_percentage
  std::optional<int64_t> five_hour_resets_ms;                  // rate_limits.five_hour.resets_at
};
// Lenient: invalid JSON or missing members leave fields empty.
StatusInput ParseStatusInput(std::string_view json);

// From the store; absent when there is no store or no data.
struct StatusFacts {
  std::optional<double> store_session_cost;  // this session's priced tokens
  std::optional<double> today_cost;          // since local midnight
  std::optional<UsageBlock> active_block;
};

struct StatusOptions {
  bool color = true;
  int64_t now_ms = 0;
};

// "🤖 Opus 4.6 | 💰 $0.23 session / $1.23 today / $0.45 block (2h 45m left) |
// 🔥 $0.12/hr | 🧠 25,000 (12%) | ⏳ 5h 42% · 7d 13%" (parts without data left out).
std::string FormatStatusLine(const StatusInput& in, const StatusFacts& facts,
                             const StatusOptions& options);

}  // namespace trace
