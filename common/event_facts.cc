// See event_facts.h. The rules here decide what counts once (proto/storage.md
// "Counting rules"); the store and --verify both apply them.
#include "common/event_facts.h"

#include <ctime>

#include "common/json.h"

namespace trace {

namespace {

using rapidjson::Value;

std::string Str(const Value* v) {
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}
std::string Str(const Value& o, std::string_view k) { return Str(json::Find(o, k)); }

// The original record (data), or an empty object.
const Value& Data(const Value& event) {
  static const Value kEmpty(rapidjson::kObjectType);
  const Value* d = json::Find(event, "data");
  return d && d->IsObject() ? *d : kEmpty;
}

const Value* Content(const Value& data) {
  const Value* c = json::GetPath(data, {"message", "content"});
  return c;
}

bool TruthyError(const Value* v) {
  if (!v) return false;
  if (v->IsObject()) {
    auto e = json::GetBool(*v, "is_error");
    return e.value_or(false);
  }
  return false;
}

void HookMentions(const Value& event, const Value& data, EventFacts* f) {
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
    m.error = type == "PostToolUseFailure" || json::GetBool(event, "is_error").value_or(false) ||
              TruthyError(json::Find(event, "tool_output")) ||
              TruthyError(json::Find(data, "tool_response"));
    m.duration_ms = f->duration_ms;
  }
  f->tools.push_back(std::move(m));
}

void TranscriptMentions(const Value& data, EventFacts* f) {
  const Value* content = Content(data);
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

void Usage(const Value& event, const Value& data, EventFacts* f) {
  if (f->model == "<synthetic>") return;  // client-side placeholder, no API call
  const Value* usage = json::Find(event, "usage");
  if (!usage || !usage->IsObject()) usage = json::GetPath(data, {"message", "usage"});
  std::string message_id = Str(event, "message_id");
  if (message_id.empty()) message_id = Str(json::GetPath(data, {"message", "id"}));
  std::string request_id = Str(event, "request_id");
  if (request_id.empty()) request_id = Str(data, "requestId");
  f->assistant_turn = true;
  UsageFact u;
  u.message_key = message_id.empty() ? "line:" + f->keys.span_id
                  : request_id.empty() ? message_id
                                       : message_id + std::string(1, '\0') + request_id;
  u.model = f->model;
  if (usage && usage->IsObject()) {
    u.counts.input = Count(*usage, "input_tokens");
    u.counts.output = Count(*usage, "output_tokens");
    u.counts.cache_creation = Count(*usage, "cache_creation_input_tokens");
    u.counts.cache_read = Count(*usage, "cache_read_input_tokens");
  }
  f->usage = std::move(u);
}

// A transcript user line is a prompt when it carries text, not tool results,
// and is not a meta, compaction or sub-agent (sidechain) line.
bool IsTranscriptPrompt(const Value& data) {
  if (json::GetBool(data, "isMeta").value_or(false)) return false;
  if (json::GetBool(data, "isCompactSummary").value_or(false)) return false;
  // A sub-agent's task prompt (sidechain file) was written by the parent
  // agent, not typed by the user: no UserPromptSubmit or history entry either.
  if (json::GetBool(data, "isSidechain").value_or(false)) return false;
  const Value* content = Content(data);
  if (!content) return false;
  if (content->IsString()) return content->GetStringLength() > 0;
  if (!content->IsArray()) return false;
  bool text = false;
  for (const Value& block : content->GetArray()) {
    std::string type = block.IsObject() ? Str(block, "type") : "";
    if (type == "tool_result") return false;
    if (type == "text") text = true;
  }
  return text;
}

void SessionAttributes(const Value& event, const Value& data, EventFacts* f) {
  f->cwd = Str(event, "cwd");
  if (f->cwd.empty()) f->cwd = Str(data, "cwd");
  f->git_branch = Str(event, "git_branch");
  if (f->git_branch.empty()) f->git_branch = Str(data, "gitBranch");
  f->agent_id = Str(event, "agent_id");
  if (f->agent_id.empty()) f->agent_id = Str(data, "agentId");
  f->model = Str(event, "model");
  if (f->model.empty()) f->model = Str(json::GetPath(data, {"message", "model"}));
  f->task_status = Str(event, "task_status");
}

}  // namespace

EventFacts ExtractFacts(const Value& event, const EventKeys& keys) {
  EventFacts f(keys);
  f.parse_error = f.keys.kind == kKindRaw || json::Find(event, "parse_error") != nullptr;
  f.duration_ms = json::GetInt(event, "duration_ms");
  const Value& data = Data(event);
  if (!f.duration_ms) f.duration_ms = json::GetInt(data, "duration_ms");
  SessionAttributes(event, data, &f);
  const std::string& type = f.keys.event_type;
  HookMentions(event, data, &f);
  if (f.keys.kind == kKindTranscript || type == "assistant" || type == "user") {
    TranscriptMentions(data, &f);
  }
  if (type == "assistant") Usage(event, data, &f);
  if (type == "UserPromptSubmit") f.prompt = kPromptHook;
  if (type == "history.append") f.prompt = kPromptHistory;
  if (type == "user" && IsTranscriptPrompt(data)) f.prompt = kPromptTranscript;
  return f;
}

const char* UsageTier(const TokenCounts& c) {
  return c.input + c.cache_creation + c.cache_read > 200000 ? "long" : "standard";
}

std::string UtcDay(int64_t ts_ms) {
  time_t secs = static_cast<time_t>(ts_ms >= 0 ? ts_ms / 1000 : (ts_ms - 999) / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[16];
  strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace trace
