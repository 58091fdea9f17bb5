// The aggregates the store keeps per session, task and tool, and the small
// per-key states that make counting idempotent (one tool call per
// tool_use_id, one token count per API message). Each has a JSON form: the
// LMDB value and, for sessions/tasks/tools, what the gateway serves verbatim
// (shapes in proto/storage.md "Aggregates"). The two counting states are
// stored in a compact binary form instead (aggregate_binary.cc), and read
// from either.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/base/status.h"
#include "common/event/bounds.h"
#include "common/event/otel_totals.h"
#include "common/event/tokens.h"

namespace trace {

// Durations with a log histogram: bucket i holds values v with
// floor(4 * log2(v + 1)) == i, so percentiles are within ~19%.
struct DurationStats {
  static constexpr int kBuckets = 160;
  uint64_t count = 0, sum_ms = 0;
  int64_t min_ms = 0, max_ms = 0;
  std::array<uint64_t, kBuckets> hist{};

  void Add(int64_t ms);
  // Swaps one recorded duration for a better one (a hook's measured
  // duration_ms arriving after a duration derived from transcript
  // timestamps). count, sum and histogram stay exact; min/max are exact for a
  // single call and otherwise may keep a superseded extreme.
  void Replace(int64_t old_ms, int64_t new_ms);
  // Estimated q-quantile (0 < q <= 1) in ms, clamped to [min, max]; 0 if empty.
  int64_t Percentile(double q) const;
  static int Bucket(int64_t ms);
};

struct ToolStats {
  uint64_t calls = 0, failures = 0, open = 0;
  DurationStats duration;
};

// Prompt channels; a session's prompt count is the max over channels
// (each channel sees every prompt once; proto/storage.md "Prompts").
enum PromptSource { kPromptHook = 0, kPromptTranscript = 1, kPromptHistory = 2 };

// What a session's sub-agent is: kind "subagent", "compaction" or
// "side_question" (from its file name), and the agent type and description
// of its meta file (or of a hook's agent_type).
struct AgentInfo {
  std::string kind, agent_type, description;
  // Fills what *this lacks from other.
  void Merge(const AgentInfo& other);
};

// A session or task aggregate (same shape; tasks also name their session).
struct Aggregate {
  std::string id;
  std::string session_id;   // tasks: session of the first event
  std::string task_status;  // tasks: last seen
  bool has_ts = false;
  int64_t first_ts = 0, last_ts = 0;
  uint64_t events = 0, parse_errors = 0;
  std::map<std::string, uint64_t> event_types;
  std::map<std::string, ToolStats> tools;
  ToolStats tool_totals;
  std::array<uint64_t, 3> prompts_by_source{};
  uint64_t assistant_turns = 0;
  std::string cwd, git_branch, model;
  std::string user, host;  // the first event's that names one (sessions: whose, where)
  std::set<std::string> agents, models;
  std::map<std::string, AgentInfo> agent_info;  // by agent id (JSON "agent_list")
  // API messages per model, main thread and sub-agents (sessions): `model` is
  // the main thread's most frequent one (PickModel).
  std::map<std::string, uint64_t> main_models, agent_models;
  // (model, tier) -> tokens.
  std::map<std::pair<std::string, std::string>, TokenCounts> usage;
  OtelTotals otel;  // sessions: reported cost and metric sums (OTel)

  uint64_t Prompts() const;
  // The model of most main-thread API messages, else of most sub-agent ones,
  // else "" (ties: the smaller name, so the choice does not depend on order).
  std::string PickModel() const;
  // id_key is "session_id" or "task_id".
  std::string ToJson(std::string_view id_key) const;
  static Result<Aggregate> FromJson(std::string_view json, std::string_view id_key);
};

// A tool's global aggregate.
struct ToolAggregate {
  std::string name;
  ToolStats stats;
  std::string ToJson() const;
  static Result<ToolAggregate> FromJson(std::string_view json);
};

// Which channels mentioned a tool call (bit flags).
enum ToolSource : unsigned {
  kSrcHookPre = 1,
  kSrcHookPost = 2,
  kSrcTranscriptUse = 4,
  kSrcTranscriptResult = 8,
  kSrcOtelResult = 16  // a claude_code.tool_result OTel record
};

// State of one tool call, keyed by tool_use_id in `tool_calls`.
struct ToolCall {
  std::string tool, session_id, task_id;
  int64_t start_ts = 0, end_ts = 0;  // 0 = not seen
  bool ended = false, error = false, counted = false, has_duration = false;
  // duration_ms came from a record's own duration_ms (measured by Claude
  // Code), not from end - start; a measured duration is never replaced.
  bool duration_measured = false;
  // The measured duration is OTel's (claude_code.tool_result): a hook's
  // measurement replaces it, whichever arrives first.
  bool duration_otel = false;
  int64_t duration_ms = 0;
  unsigned sources = 0;
  bool operator==(const ToolCall&) const = default;
  // The stored value (proto/storage.md "Counting states"): binary. Decode
  // also reads the JSON a store written before the binary form holds; a
  // truncated or corrupt value is an error.
  std::string Encode() const;
  static Result<ToolCall> Decode(std::string_view value);
  // The JSON form: legacy values, and the value shown to people.
  std::string ToJson() const;
  static Result<ToolCall> FromJson(std::string_view json);
};

// Token counts already applied for one API message, keyed in `messages`.
struct MessageUsage {
  std::string session_id, model, tier, day;
  // Time of the message's first line (absent only in a value written
  // without one; such a message counts in no usage slot).
  std::optional<int64_t> ts;
  bool main_thread = false;  // counted in its session's main_models (else agent_models)
  TokenCounts counts;        // messages field unused
  bool otel_only = false;    // counts from OTel: the first transcript line replaces them
  std::optional<int64_t> reported_cost_nanos;  // Claude Code's cost_usd, counted once
  bool operator==(const MessageUsage&) const = default;
  // As ToolCall's: the binary stored value, and the JSON form.
  std::string Encode() const;
  static Result<MessageUsage> Decode(std::string_view value);
  std::string ToJson() const;
  static Result<MessageUsage> FromJson(std::string_view json);
};

// A usage_by_slot value: the slot's tokens and its first/last message time.
struct SlotTokens {
  TokenCounts tokens;
  int64_t first_ts = 0, last_ts = 0;
  int64_t reported_cost_nanos = 0;  // Claude Code's own cost_usd of the slot's requests
  std::string ToJson() const;
  static Result<SlotTokens> FromJson(std::string_view json);
};
// The slot part of a usage_by_slot key: the 15-minute slot holding ts_ms, as
// UTC "YYYY-MM-DDTHH:MM" (text order = time order); ParseUsageSlotKey inverts it.
std::string UsageSlotKey(int64_t ts_ms);
std::optional<int64_t> ParseUsageSlotKey(std::string_view key);

// A usage bucket value (usage_by_day / usage_by_session_day).
std::string TokenCountsToJson(const TokenCounts& c);
Result<TokenCounts> TokenCountsFromJson(std::string_view json);

}  // namespace trace
