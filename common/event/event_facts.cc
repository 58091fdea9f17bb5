// See event_facts.h. The rules here decide what counts once (proto/storage.md
// "Counting rules"); the store and --verify both apply them.
#include "common/event/event_facts.h"

#include <algorithm>
#include <ctime>

#include "common/json/json.h"

namespace trace {

namespace {

using rapidjson::Value;

// The members the rules read, found in one pass per object (json::MemberSet).
enum EventMember {
  kParseError,
  kDuration,
  kData,
  kCwd,
  kGitBranch,
  kAgentId,
  kModel,
  kTaskStatus,
  kIsError,
  kToolOutput,
  kUsage,
  kMessageId,
  kRequestId,
  kAgentKind,
  kAgentType,
  kAgentDescription,
  kEventMembers
};
enum DataMember {
  kDataDuration,
  kDataCwd,
  kDataGitBranch,
  kDataAgentId,
  kDataMessage,
  kDataToolResponse,
  kDataRequestId,
  kDataIsMeta,
  kDataIsCompactSummary,
  kDataIsSidechain,
  kDataAgentType,
  kDataMembers
};
enum MessageMember { kMsgContent, kMsgModel, kMsgId, kMsgUsage, kMessageMembers };

struct Fields {
  const Value* event[kEventMembers];
  const Value* data[kDataMembers];        // of the original record (data), when an object
  const Value* message[kMessageMembers];  // of data.message, when an object

  explicit Fields(const Value& ev) {
    static const json::MemberSet kEvent{
        "parse_error", "duration_ms", "data",       "cwd",
        "git_branch",  "agent_id",    "model",      "task_status",
        "is_error",    "tool_output", "usage",      "message_id",
        "request_id",  "agent_kind",  "agent_type", "agent_description"};
    static const json::MemberSet kDataSet{
        "duration_ms", "cwd",    "gitBranch",        "agentId",     "message",   "tool_response",
        "requestId",   "isMeta", "isCompactSummary", "isSidechain", "agent_type"};
    static const json::MemberSet kMessage{"content", "model", "id", "usage"};
    kEvent.Find(ev, event);
    static const Value kEmpty(rapidjson::kObjectType);
    kDataSet.Find(event[kData] ? *event[kData] : kEmpty, data);
    kMessage.Find(data[kDataMessage] ? *data[kDataMessage] : kEmpty, message);
  }
};

std::string Str(const Value* v) {
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}
std::string Str(const Value& o, std::string_view k) { return Str(json::Find(o, k)); }
// The first non-empty string of a and b.
std::string Str(const Value* a, const Value* b) {
  std::string s = Str(a);
  return s.empty() ? Str(b) : s;
}
bool True(const Value* v) { return v && v->IsBool() && v->GetBool(); }
std::optional<int64_t> Int(const Value* v) {
  if (!v) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
  if (v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
  return std::nullopt;
}

bool TruthyError(const Value* v) {
  return v && v->IsObject() && json::GetBool(*v, "is_error").value_or(false);
}

void HookMentions(const Fields& in, EventFacts* f) {
  const std::string& type = f->keys.event_type;
  bool pre = type == "PreToolUse";
  bool post = type == "PostToolUse" || type == "PostToolUseFailure";
  if (!pre && !post) return;
  ToolMention m;
  m.id = f->keys.tool_use_id;
  m.name = f->keys.tool_name;
  m.start = pre;
  m.source = pre ? kSrcHookPre : kSrcHookPost;
  if (m.id.empty()) {
    if (pre) return;  // cannot be paired: counted by its Post
    m.id = "span:" + f->keys.span_id;
  }
  if (post) {
    m.error = type == "PostToolUseFailure" || True(in.event[kIsError]) ||
              TruthyError(in.event[kToolOutput]) || TruthyError(in.data[kDataToolResponse]);
    m.duration_ms = f->duration_ms;
  }
  f->tools.push_back(std::move(m));
}

void TranscriptMentions(const Fields& in, EventFacts* f) {
  const Value* content = in.message[kMsgContent];
  if (!content || !content->IsArray()) return;
  for (const Value& block : content->GetArray()) {
    if (!block.IsObject()) continue;
    std::string type = Str(block, "type");
    ToolMention m;
    if (type == "tool_use") {
      m.id = Str(block, "id");
      m.name = Str(block, "name");
      m.start = true;
      m.source = kSrcTranscriptUse;
    } else if (type == "tool_result") {
      m.id = Str(block, "tool_use_id");
      m.error = json::GetBool(block, "is_error").value_or(false);
      m.source = kSrcTranscriptResult;
    } else {
      continue;
    }
    if (!m.id.empty()) f->tools.push_back(std::move(m));
  }
}

uint64_t Count(const Value& usage, std::string_view k) {
  auto v = json::GetInt(usage, k);
  return v && *v > 0 ? static_cast<uint64_t>(*v) : 0;
}

// The cache-write total and its tiers. Claude Code writes both
// cache_creation_input_tokens and cache_creation.{ephemeral_5m,_1h}_input_tokens;
// older records and other senders only the total, which counts as 5-minute.
// The total is never below the tiers' sum, and whatever the tiers leave of it
// is 5-minute, so 5m + 1h == total always holds.
void CacheWrites(const Value& usage, TokenCounts* c) {
  uint64_t total = Count(usage, "cache_creation_input_tokens");
  uint64_t five = 0, hour = 0;
  if (const Value* tiers = json::Find(usage, "cache_creation"); tiers && tiers->IsObject()) {
    five = Count(*tiers, "ephemeral_5m_input_tokens");
    hour = Count(*tiers, "ephemeral_1h_input_tokens");
  }
  c->cache_creation = std::max(total, five + hour);
  c->cache_creation_1h = hour;
  c->cache_creation_5m = c->cache_creation - hour;
}

void Usage(const Fields& in, EventFacts* f) {
  if (f->model == "<synthetic>") return;  // client-side placeholder, no API call
  const Value* usage = in.event[kUsage];
  if (!usage || !usage->IsObject()) usage = in.message[kMsgUsage];
  std::string message_id = Str(in.event[kMessageId], in.message[kMsgId]);
  std::string request_id = Str(in.event[kRequestId], in.data[kDataRequestId]);
  f->assistant_turn = true;
  UsageFact u;
  u.message_key = !request_id.empty()  ? "req:" + request_id
                  : message_id.empty() ? "line:" + f->keys.span_id
                                       : message_id;
  u.model = f->model;
  u.main_thread = !True(in.data[kDataIsSidechain]) && f->agent_id.empty();
  if (usage && usage->IsObject()) {
    u.counts.input = Count(*usage, "input_tokens");
    u.counts.output = Count(*usage, "output_tokens");
    u.counts.cache_read = Count(*usage, "cache_read_input_tokens");
    CacheWrites(*usage, &u.counts);
    u.fast = json::GetString(*usage, "speed").value_or("") == "fast";
  }
  f->usage = std::move(u);
}

// Text Claude Code writes into a user message itself: shell output of a `!`
// command, a local command's output, an interruption notice, the caveat
// before local command output, a compaction summary written by versions that
// do not flag it (reference formats, §6).
bool WrittenByClaudeCode(std::string_view text) {
  static constexpr std::string_view kPrefixes[] = {
      "<bash-stdout>",
      "<bash-stderr>",
      "<local-command-stdout>",
      "<local-command-stderr>",
      "<local-command-caveat>",
      "[Request interrupted by user",
      "Caveat: The messages below were generated by the user while running local commands",
      "This session is being continued from a previous conversation",
  };
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return true;  // nothing typed
  text.remove_prefix(start);
  for (std::string_view p : kPrefixes) {
    if (text.starts_with(p)) return true;
  }
  return false;
}

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

// A transcript user line is a prompt when a person typed it: it carries
// text (or an image) and no tool results, is not a meta, compaction or
// sub-agent line (a sub-agent's task prompt was written by its parent; side
// question and compaction files replay their parent's lines), and its text
// is not one Claude Code writes itself.
bool IsTranscriptPrompt(const Fields& in, const EventFacts& f) {
  if (True(in.data[kDataIsMeta])) return false;
  if (True(in.data[kDataIsCompactSummary])) return false;
  if (True(in.data[kDataIsSidechain]) || !f.agent_id.empty()) return false;
  const Value* content = in.message[kMsgContent];
  if (!content) return false;
  if (content->IsString()) return !WrittenByClaudeCode(View(*content));
  if (!content->IsArray()) return false;
  bool typed = false;
  for (const Value& block : content->GetArray()) {
    std::string type = block.IsObject() ? Str(block, "type") : "";
    if (type == "tool_result") return false;
    if (type == "image") typed = true;
    if (type != "text") continue;
    const Value* text = json::Find(block, "text");
    if (text && text->IsString() && WrittenByClaudeCode(View(*text))) return false;
    typed = true;
  }
  return typed;
}

void SessionAttributes(const Fields& in, EventFacts* f) {
  f->cwd = Str(in.event[kCwd], in.data[kDataCwd]);
  f->git_branch = Str(in.event[kGitBranch], in.data[kDataGitBranch]);
  f->agent_id = Str(in.event[kAgentId], in.data[kDataAgentId]);
  f->model = Str(in.event[kModel], in.message[kMsgModel]);
  f->task_status = Str(in.event[kTaskStatus]);
  if (!f->agent_id.empty()) {
    f->agent.kind = Str(in.event[kAgentKind]);
    f->agent.agent_type = Str(in.event[kAgentType], in.data[kDataAgentType]);
    f->agent.description = Str(in.event[kAgentDescription]);
  }
}

}  // namespace

EventFacts ExtractFacts(const Value& event, const EventKeys& keys) {
  EventFacts f(keys);
  const Fields in(event);
  f.parse_error = f.keys.kind == kKindRaw || in.event[kParseError] != nullptr;
  f.duration_ms = Int(in.event[kDuration]);
  if (!f.duration_ms) f.duration_ms = Int(in.data[kDataDuration]);
  SessionAttributes(in, &f);
  const std::string& type = f.keys.event_type;
  HookMentions(in, &f);
  if (f.keys.kind == kKindTranscript || type == "assistant" || type == "user")
    TranscriptMentions(in, &f);
  if (type == "assistant") Usage(in, &f);
  if (f.keys.kind == kKindOtel) ExtractOtelFacts(event, &f);
  if (type == "UserPromptSubmit") f.prompt = kPromptHook;
  if (type == "history.append") f.prompt = kPromptHistory;
  if (type == "user" && IsTranscriptPrompt(in, f)) f.prompt = kPromptTranscript;
  return f;
}

const char* UsageTier(const TokenCounts& c, bool fast) {
  bool long_context = c.input + c.cache_creation + c.cache_read > 200000;
  if (fast) return long_context ? "long-fast" : "fast";
  return long_context ? "long" : "standard";
}

bool IsFastTier(std::string_view tier) { return tier == "fast" || tier == "long-fast"; }

std::string UtcDay(int64_t ts_ms) {
  time_t secs = static_cast<time_t>(ts_ms >= 0 ? ts_ms / 1000 : (ts_ms - 999) / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[16];
  strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace trace
