// What an event contributes to the aggregates, read once from its JSON:
// tool-call mentions (hook Pre/Post spans and transcript tool_use /
// tool_result blocks), token usage of an API message, prompts, and session
// attributes. Knows RapidJSON and the event model only (no LMDB).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event/aggregate.h"
#include "common/event/event.h"
#include "common/event/otel_totals.h"

namespace trace {

// One mention of a tool call. start: PreToolUse / tool_use; else an end.
struct ToolMention {
  std::string id;    // tool_use_id (or the span_id of a Post without one)
  std::string name;  // empty when the channel does not say (tool_result)
  bool start = false;
  bool error = false;
  std::optional<int64_t> duration_ms;
  ToolSource source = kSrcHookPre;
};

// Token usage of one line of an API message.
struct UsageFact {
  // "req:" request_id | message_id | "line:" span_id: an API request seen in a
  // transcript and through OTel has one key (proto/storage.md "messages").
  std::string message_key;
  std::string model;
  TokenCounts counts;  // messages unused
  bool fast = false;   // usage.speed == "fast": served in fast mode
  // The session's main thread asked for it (not a sub-agent, compaction or
  // side question: no isSidechain, no agent id).
  bool main_thread = true;
  // From a claude_code.api_request (OTel): counts only until a transcript
  // line of the same request replaces them; its cost_usd is Claude Code's own.
  bool from_otel = false;
  std::optional<int64_t> reported_cost_nanos;
};

struct EventFacts {
  explicit EventFacts(const EventKeys& k) : keys(k) {}
  const EventKeys& keys;     // owned by the caller, outlives the facts
  bool parse_error = false;  // a raw event (invalid input kept as data)
  std::optional<int64_t> duration_ms;
  std::string task_status, cwd, git_branch, agent_id, model;
  AgentInfo agent;  // of agent_id: kind (transcripts), type, description
  std::vector<ToolMention> tools;
  std::optional<UsageFact> usage;
  // An assistant line that is part of a turn (counted once per message_key).
  bool assistant_turn = false;
  std::optional<PromptSource> prompt;
  std::optional<MetricPointFact> metric;  // an OTel sum point with a session
};

// Reads the facts of a valid event (keys already read from it; they must
// outlive the result).
EventFacts ExtractFacts(const rapidjson::Value& event, const EventKeys& keys);
// The OTel part of ExtractFacts (event_facts_otel.cc).
void ExtractOtelFacts(const rapidjson::Value& event, EventFacts* f);

// "long" when input + cache creation + cache read tokens exceed 200k, else
// "standard"; served in fast mode: "long-fast" or "fast".
const char* UsageTier(const TokenCounts& c, bool fast = false);
// True for the fast-mode tiers of UsageTier.
bool IsFastTier(std::string_view tier);
// "YYYY-MM-DD" (UTC) of a ms timestamp.
std::string UtcDay(int64_t ts_ms);

}  // namespace trace
