// Claude Code transcripts: <claude home>/projects/<cwd>/<session>.jsonl and
// sub-agents <session>/subagents/agent-<id>.jsonl. One line per message
// block; assistant lines carry message.model/.id/.usage and requestId, and
// tool_use / tool_result blocks pair by id (reference formats, §3).
#include "common/event/normalize_fields.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::normalize {

namespace {

constexpr std::string_view kSuffix = ".jsonl";
constexpr std::string_view kAgentPrefix = "agent-";
constexpr std::string_view kSubagents = "/subagents/";

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view Stem(std::string_view path) {
  std::string_view base = BaseName(path);
  if (base.size() > kSuffix.size() && base.ends_with(kSuffix)) {
    base.remove_suffix(kSuffix.size());
  }
  return base;
}

// The first block of message.content of the given type, else nullptr.
Json FirstBlock(const rapidjson::Value& message, std::string_view type) {
  Json content = Member(message, "content");
  if (!content || !content->IsArray()) return nullptr;
  for (const rapidjson::Value& block : content->GetArray()) {
    if (block.IsObject() && Text(block, "type") == type) return &block;
  }
  return nullptr;
}

void FillMessage(const rapidjson::Value& message, std::string_view type, EventFields* f) {
  if (type == "assistant") {
    f->model = Text(message, "model");
    f->usage = Member(message, "usage");
    f->message_id = Text(message, "id");
  }
  if (Json use = FirstBlock(message, "tool_use")) {
    f->tool_name = Text(*use, "name");
    f->tool_use_id = Text(*use, "id");
    f->tool_input = Member(*use, "input");
  } else if (Json result = FirstBlock(message, "tool_result")) {
    f->tool_use_id = Text(*result, "tool_use_id");
    f->is_error = Boolean(*result, "is_error").value_or(false);
  }
}

void FillIdentity(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  f->session_id = Text(rec, "sessionId");
  if (!f->session_id) {
    std::string_view derived = SessionFromTranscriptPath(in.source->path);
    if (!derived.empty()) f->session_id = derived;
  }
  std::string_view file_agent = AgentFromTranscriptPath(in.source->path);
  f->agent_id = Text(rec, "agentId");
  if (!f->agent_id && !file_agent.empty()) f->agent_id = file_agent;
  // What the file is: a line replayed into a side-question file keeps its
  // own agentId (none), so the file's name decides.
  if (!file_agent.empty()) {
    f->agent_kind = AgentKindFromId(file_agent);
    if (in.agent) {
      if (!in.agent->agent_type.empty()) f->agent_type = in.agent->agent_type;
      if (!in.agent->description.empty()) f->agent_description = in.agent->description;
    }
  }
}

}  // namespace

void FillTranscript(const rapidjson::Value& rec, const LineInput& in, EventFields* f) {
  f->kind = kKindTranscript;
  f->event_type = Text(rec, "type").value_or("unknown");
  f->span_id = Text(rec, "uuid");
  f->parent_id = Text(rec, "parentUuid");
  f->timestamp = Millis(rec, "timestamp");
  f->request_id = Text(rec, "requestId");
  f->cwd = Text(rec, "cwd");
  f->git_branch = Text(rec, "gitBranch");
  f->is_sidechain = Boolean(rec, "isSidechain");
  FillIdentity(rec, in, f);
  if (Json message = Member(rec, "message"); message && message->IsObject()) {
    FillMessage(*message, f->event_type, f);
  }
  f->data = &rec;
}

}  // namespace trace::normalize

namespace trace {

std::string_view SessionFromTranscriptPath(std::string_view path) {
  size_t sub = path.rfind(normalize::kSubagents);
  if (sub != std::string_view::npos) return normalize::BaseName(path.substr(0, sub));
  std::string_view stem = normalize::Stem(path);
  return stem == normalize::BaseName(path) ? std::string_view() : stem;
}

std::string_view AgentFromTranscriptPath(std::string_view path) {
  std::string_view stem = normalize::Stem(path);
  if (stem == normalize::BaseName(path) || !stem.starts_with(normalize::kAgentPrefix)) return {};
  return stem.substr(normalize::kAgentPrefix.size());
}

std::string_view AgentKindFromId(std::string_view agent_id) {
  if (agent_id.starts_with("acompact-")) return "compaction";
  if (agent_id.starts_with("aside_question-")) return "side_question";
  return "subagent";
}

Result<AgentMeta> ParseAgentMeta(std::string_view text) {
  rapidjson::Document doc;
  if (Status st = json::Parse(&doc, text); !st) return st;
  if (!doc.IsObject()) return Status::Error("agent meta is not a JSON object");
  AgentMeta m;
  m.agent_type = std::string(json::GetString(doc, "agentType").value_or(""));
  m.description = std::string(json::GetString(doc, "description").value_or(""));
  return m;
}

std::string AgentMetaPath(std::string_view transcript_path) {
  if (AgentFromTranscriptPath(transcript_path).empty()) return {};
  std::string out(transcript_path.substr(0, transcript_path.size() - normalize::kSuffix.size()));
  return out + ".meta.json";
}

void EventIdentity(const EventKeys& keys, std::string* out) {
  out->assign(keys.span_id);
  if (keys.kind != kKindTranscript || !keys.source) return;
  const std::string& path = keys.source->path;
  std::string_view session = SessionFromTranscriptPath(path);
  out->push_back('\0');
  if (session.empty()) {
    out->append(path);
    return;
  }
  out->append(session);
  if (std::string_view agent = AgentFromTranscriptPath(path); !agent.empty()) {
    out->append("/agent-");
    out->append(agent);
  }
}

}  // namespace trace
