// See generator.h. A turn: history line + UserPromptSubmit span + user
// transcript line; an assistant message written as one line per block
// (thinking, text, tool_use…) sharing message.id with growing output_tokens;
// Pre/PostToolUse spans and tool_result lines (some failing); sometimes a
// sub-agent transcript under <session>/subagents/agent-<id>.jsonl.
#include "generator.h"

#include <filesystem>

#include "common/base/clock.h"
#include "common/json/json.h"

namespace trace::gen {

namespace {

constexpr int64_t kBaseMs = 1770912145000;  // 2026-02-12T16:02:25Z
const char* const kWords[] = {
    "the",  "build",   "fails",    "because",         "module",   "express",
    "is",   "missing", "from",     "package",         "json",     "tests",
    "pass", "now",     "refactor", "handler",         "returns",  "error",
    "when", "input",   "empty",    "{\"quoted\": 1}", "C:\\path", "\ttab"};
// Real transcripts are mostly ASCII (code, English); some words are not.
const char* const kNonAscii[] = {"café", "naïve", "日本語", "emoji 🚀"};
const char* const kTools[] = {"Bash", "Read", "Edit", "Grep", "Glob", "Write", "WebFetch"};

using json::StringWriter;

std::string Uuid(std::mt19937_64& rng) {
  char b[40];
  uint64_t a = rng(), c = rng();
  std::snprintf(b, sizeof b, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xfff,
                (static_cast<unsigned>(c >> 48) & 0x3fff) | 0x8000,
                static_cast<unsigned long long>(c & 0xffffffffffffULL));
  return b;
}

std::string Id(std::mt19937_64& rng, const char* prefix) {
  static const char kAlnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789";
  std::string s = prefix;
  for (int i = 0; i < 24; ++i) s += kAlnum[rng() % (sizeof kAlnum - 1)];
  return s;
}

}  // namespace

// --- Sink ------------------------------------------------------------------

Sink::~Sink() {
  Flush();
  for (auto& [p, f] : files_) fclose(f);
}

bool Sink::Append(const std::string& path, const std::string& line) {
  if (lines_ >= limit_) return false;
  FILE*& f = files_[path];
  if (!f) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    f = fopen(path.c_str(), "ab");
    if (!f) return false;
  }
  fwrite(line.data(), 1, line.size(), f);
  fputc('\n', f);
  ++lines_;
  bytes_ += line.size() + 1;
  return true;
}

void Sink::Flush() {
  for (auto& [p, f] : files_) fflush(f);
}

// --- Session ---------------------------------------------------------------

class Session {
 public:
  Session(const Options& o, std::mt19937_64& rng, int index) : o_(o), rng_(rng) {
    id_ = Uuid(rng);
    cwd_ = "/home/dev/project-" + std::to_string(index % 3);
    std::string escaped = cwd_;
    for (char& c : escaped)
      if (!isalnum(static_cast<unsigned char>(c))) c = '-';
    transcript_ = o.home + "/projects/" + escaped + "/" + id_ + ".jsonl";
    traces_ = o.home + "/traces/" + id_ + ".jsonl";
    now_ = kBaseMs + index * 7919;
  }

  bool Turn(Sink& sink);

 private:
  int64_t Tick(int max_ms) {
    now_ += 1 + static_cast<int64_t>(rng_() % max_ms);
    if (o_.live) now_ = std::max(now_, NowMs());
    return now_;
  }
  std::string Words(size_t bytes);
  size_t LineSize();
  bool History(Sink& sink, const std::string& prompt);
  bool Span(Sink& sink, const std::string& event, const std::string& tool,
            const std::string& tool_use_id, const std::string& output, bool failed);
  bool UserLine(Sink& sink, const std::string& path, const std::string& agent,
                const std::string& content_json, const std::string& tool_result_json);
  bool Assistant(Sink& sink, const std::string& path, const std::string& agent,
                 std::vector<std::pair<std::string, std::string>>* calls);
  bool Results(Sink& sink, const std::string& path, const std::string& agent,
               const std::vector<std::pair<std::string, std::string>>& calls);
  void Common(StringWriter& w, const std::string& agent);

  const Options& o_;
  std::mt19937_64& rng_;
  std::string id_, cwd_, transcript_, traces_, last_uuid_, last_span_;
  int64_t now_;
  int agents_ = 0;
};

std::string Session::Words(size_t bytes) {
  std::string s;
  while (s.size() < bytes) {
    uint64_t r = rng_();
    s +=
        r % 50 == 0 ? kNonAscii[(r >> 8) % 4] : kWords[(r >> 8) % (sizeof kWords / sizeof *kWords)];
    s += (rng_() % 12 == 0) ? "\n" : " ";
  }
  return s;
}

// Mostly small lines, a tail of big ones (tool output): 200 B .. 50 KB.
size_t Session::LineSize() {
  uint64_t r = rng_() % 100;
  size_t lo = o_.min_bytes, hi = o_.max_bytes;
  size_t top = r < 85 ? std::min<size_t>(hi, 1500) : r < 97 ? std::min<size_t>(hi, 8000) : hi;
  return lo + rng_() % (std::max(top, lo + 1) - lo);
}

void Session::Common(StringWriter& w, const std::string& agent) {
  w.Key("parentUuid");
  last_uuid_.empty() ? w.Null() : w.String(last_uuid_);
  w.Key("isSidechain");
  w.Bool(!agent.empty());
  w.Key("userType");
  w.String("external");
  w.Key("cwd");
  w.String(cwd_);
  w.Key("sessionId");
  w.String(id_);
  if (!agent.empty()) {
    w.Key("agentId");
    w.String(agent);
  }
  w.Key("version");
  w.String("2.1.39");
  w.Key("gitBranch");
  w.String("main");
}

bool Session::History(Sink& sink, const std::string& prompt) {
  StringWriter w;
  w.StartObject();
  w.Key("display");
  w.String(prompt);
  w.Key("pastedContents");
  w.StartObject();
  w.EndObject();
  w.Key("timestamp");
  w.Int64(now_);
  w.Key("project");
  w.String(cwd_);
  if (rng_() % 10) {
    w.Key("sessionId");
    w.String(id_);
  }  // old entries lack it
  w.EndObject();
  return sink.Append(o_.home + "/history.jsonl", w.Take());
}

bool Session::Span(Sink& sink, const std::string& event, const std::string& tool,
                   const std::string& tool_use_id, const std::string& output, bool failed) {
  std::string span = Uuid(rng_);
  StringWriter w;
  w.StartObject();
  w.Key("span_id");
  w.String(span);
  w.Key("trace_id");
  w.String(id_);
  w.Key("parent_id");
  last_span_.empty() ? w.Null() : w.String(last_span_);
  w.Key("session_id");
  w.String(id_);
  w.Key("task_id");
  w.Null();
  w.Key("task_status");
  w.Null();
  w.Key("timestamp");
  w.Int64(Tick(50));
  w.Key("duration_ms");
  event.starts_with("Post") ? w.Int64(static_cast<int64_t>(rng_() % 5000)) : w.Null();
  w.Key("event_type");
  w.String(event);
  w.Key("hook_type");
  w.String(event);
  w.Key("tool_name");
  tool.empty() ? w.Null() : w.String(tool);
  w.Key("tool_input");
  if (tool.empty()) {
    w.Null();
  } else {
    w.StartObject();
    w.Key("command");
    w.String("make test");
    w.EndObject();
  }
  w.Key("tool_output");
  output.empty() ? w.Null() : w.String(output);
  w.Key("metrics");
  w.Null();
  w.Key("tags");
  w.Null();
  w.Key("metadata");
  w.Null();
  w.Key("tool_use_id");
  tool_use_id.empty() ? w.Null() : w.String(tool_use_id);
  w.Key("agent_id");
  w.Null();
  w.Key("cwd");
  w.String(cwd_);
  w.Key("payload");
  w.StartObject();
  w.Key("session_id");
  w.String(id_);
  w.Key("transcript_path");
  w.String(transcript_);
  w.Key("cwd");
  w.String(cwd_);
  w.Key("hook_event_name");
  w.String(event);
  if (!tool_use_id.empty()) {
    w.Key("tool_use_id");
    w.String(tool_use_id);
  }
  if (failed) {
    w.Key("error");
    w.String("Exit code 1\nError: Cannot find module 'express'");
  }
  w.EndObject();
  w.EndObject();
  last_span_ = span;
  return sink.Append(traces_, w.Take());
}

bool Session::UserLine(Sink& sink, const std::string& path, const std::string& agent,
                       const std::string& content_json, const std::string& tool_result_json) {
  std::string uuid = Uuid(rng_);
  StringWriter w;
  w.StartObject();
  Common(w, agent);
  w.Key("type");
  w.String("user");
  w.Key("message");
  w.StartObject();
  w.Key("role");
  w.String("user");
  w.Key("content");
  w.Raw(content_json);
  w.EndObject();
  w.Key("uuid");
  w.String(uuid);
  w.Key("timestamp");
  w.String(FormatRfc3339Ms(Tick(3000)));
  if (!tool_result_json.empty()) {
    w.Key("toolUseResult");
    w.Raw(tool_result_json);
  }
  w.EndObject();
  last_uuid_ = uuid;
  return sink.Append(path, w.Take());
}

bool Session::Assistant(Sink& sink, const std::string& path, const std::string& agent,
                        std::vector<std::pair<std::string, std::string>>* calls) {
  std::string msg = Id(rng_, "msg_01"), req = Id(rng_, "req_011");
  int tools = static_cast<int>(rng_() % 4);  // 0..3 parallel tool calls
  int blocks = 1 + (rng_() % 2) + tools;
  int64_t out_tokens = 1 + static_cast<int64_t>(rng_() % 20);
  for (int b = 0; b < blocks; ++b) {
    bool is_tool = b >= blocks - tools;
    StringWriter c;
    c.StartArray();
    c.StartObject();
    if (is_tool) {
      std::string tid = Id(rng_, "toolu_01"),
                  tool = kTools[rng_() % (sizeof kTools / sizeof *kTools)];
      calls->push_back({tid, tool});
      c.Key("type");
      c.String("tool_use");
      c.Key("id");
      c.String(tid);
      c.Key("name");
      c.String(tool);
      c.Key("input");
      c.StartObject();
      c.Key("command");
      c.String(Words(40));
      c.EndObject();
    } else {
      bool thinking = b == 0 && rng_() % 2;
      c.Key("type");
      c.String(thinking ? "thinking" : "text");
      c.Key(thinking ? "thinking" : "text");
      c.String(Words(LineSize()));
    }
    c.EndObject();
    c.EndArray();
    out_tokens += 5 + static_cast<int64_t>(rng_() % 200);
    std::string uuid = Uuid(rng_);
    StringWriter w;
    w.StartObject();
    Common(w, agent);
    w.Key("message");
    w.StartObject();
    w.Key("model");
    w.String(agent.empty() ? "claude-opus-4-6" : "claude-haiku-4-5");
    w.Key("id");
    w.String(msg);
    w.Key("type");
    w.String("message");
    w.Key("role");
    w.String("assistant");
    w.Key("content");
    w.Raw(c.View());
    w.Key("stop_reason");
    w.Null();
    w.Key("usage");
    w.StartObject();
    w.Key("input_tokens");
    w.Int64(3);
    w.Key("cache_creation_input_tokens");
    w.Int64(15005);
    w.Key("cache_read_input_tokens");
    w.Int64(11442);
    w.Key("output_tokens");
    w.Int64(out_tokens);
    w.Key("service_tier");
    w.String("standard");
    w.EndObject();
    w.EndObject();
    w.Key("requestId");
    w.String(req);
    w.Key("type");
    w.String("assistant");
    w.Key("uuid");
    w.String(uuid);
    w.Key("timestamp");
    w.String(FormatRfc3339Ms(Tick(800)));
    w.EndObject();
    last_uuid_ = uuid;
    if (!sink.Append(path, w.Take())) return false;
    if (is_tool && agent.empty() &&
        !Span(sink, "PreToolUse", calls->back().second, calls->back().first, "", false))
      return false;
  }
  return true;
}

bool Session::Results(Sink& sink, const std::string& path, const std::string& agent,
                      const std::vector<std::pair<std::string, std::string>>& calls) {
  for (const auto& [tid, tool] : calls) {
    bool failed = rng_() % 8 == 0;
    std::string output =
        failed ? "Exit code 1\nError: Cannot find module 'express'" : Words(LineSize());
    if (agent.empty() && !Span(sink, failed ? "PostToolUseFailure" : "PostToolUse", tool, tid,
                               failed ? "" : output, failed))
      return false;
    StringWriter c;
    c.StartArray();
    c.StartObject();
    c.Key("tool_use_id");
    c.String(tid);
    c.Key("type");
    c.String("tool_result");
    c.Key("content");
    c.String(output);
    c.Key("is_error");
    c.Bool(failed);
    c.EndObject();
    c.EndArray();
    std::string result =
        failed ? "\"Error: Exit code 1\""
               : "{\"stdout\":\"ok\",\"stderr\":\"\",\"interrupted\":false,\"isImage\":false}";
    if (!UserLine(sink, path, agent, std::string(c.View()), result)) return false;
  }
  return true;
}

bool Session::Turn(Sink& sink) {
  std::string prompt = Words(60 + rng_() % 200);
  Tick(20000);
  if (!History(sink, prompt) || !Span(sink, "UserPromptSubmit", "", "", "", false)) return false;
  StringWriter p;
  p.String(prompt);
  if (!UserLine(sink, transcript_, "", std::string(p.View()), "")) return false;
  for (int round = 0, rounds = 1 + static_cast<int>(rng_() % 3); round < rounds; ++round) {
    std::vector<std::pair<std::string, std::string>> calls;
    if (!Assistant(sink, transcript_, "", &calls) || !Results(sink, transcript_, "", calls))
      return false;
  }
  if (rng_() % 5 == 0) {  // a sub-agent: its own file, the parent's sessionId
    std::string agent = Id(rng_, "a").substr(0, 8);
    std::string path =
        transcript_.substr(0, transcript_.size() - 6) + "/subagents/agent-" + agent + ".jsonl";
    std::string saved = last_uuid_;
    last_uuid_.clear();
    std::vector<std::pair<std::string, std::string>> calls;
    StringWriter q;
    q.String(Words(60));
    if (!UserLine(sink, path, agent, std::string(q.View()), "") ||
        !Assistant(sink, path, agent, &calls) || !Results(sink, path, agent, calls))
      return false;
    last_uuid_ = saved;
  }
  return Span(sink, "Stop", "", "", "", false);
}

// --- Generator -------------------------------------------------------------

Generator::Generator(Options options) : options_(std::move(options)), rng_(options_.seed) {
  for (int i = 0; i < options_.sessions; ++i) {
    sessions_.push_back(std::make_unique<Session>(options_, rng_, i));
  }
}

Generator::~Generator() = default;

bool Generator::Turn(Sink& sink) {
  Session& s = *sessions_[next_++ % sessions_.size()];
  return s.Turn(sink);
}

}  // namespace trace::gen
