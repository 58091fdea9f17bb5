// Unit tests for the trace-hook span record, the task id from git HEAD and
// the session file name: what a real payload becomes, field by field.
#include "common/hook/hook_span.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "common/event/normalize.h"
#include "common/hook/hook_git.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace::hook {
namespace {

HookContext TestContext() {
  HookContext ctx;
  ctx.now_ms = 1770912145284;
  ctx.span_id = "span-1";
  ctx.task_pattern = std::string(kDefaultTaskPattern);
  ctx.process_cwd = "/nonexistent-dir";
  return ctx;
}

rapidjson::Document Parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  EXPECT_FALSE(d.HasParseError()) << line;
  return d;
}

TEST(HookSpan, PostToolUseFailureKeepsSeedFieldsAndPayload) {
  std::string payload =
      R"({"session_id":"abc123","transcript_path":"/t.jsonl","cwd":"/nonexistent-dir","permission_mode":"default",)"
      R"("hook_event_name":"PostToolUseFailure","tool_name":"Bash","tool_input":{"command":"npm test"},)"
      R"("tool_use_id":"toolu_01","error":"Exit code 1","is_interrupt":false,"duration_ms":4187})";
  SpanRecord rec = BuildSpan(payload, TestContext());
  EXPECT_EQ(rec.session_id, "abc123");
  auto d = Parse(rec.line);
  // A hook span's id is the firing's identity, not ctx.span_id (proto/span.md).
  EXPECT_EQ(json::GetString(d, "span_id"), HookFiringId(Parse(payload)));
  EXPECT_EQ(json::GetString(d, "trace_id"), "abc123");
  EXPECT_EQ(json::GetString(d, "session_id"), "abc123");
  EXPECT_TRUE(d["task_id"].IsNull());
  EXPECT_EQ(json::GetInt(d, "timestamp"), 1770912145284);
  EXPECT_EQ(json::GetInt(d, "duration_ms"), 4187);
  EXPECT_EQ(json::GetString(d, "event_type"), "PostToolUseFailure");
  EXPECT_EQ(json::GetString(d, "hook_type"), "tool");
  EXPECT_EQ(json::GetString(d, "tool_name"), "Bash");
  EXPECT_EQ(json::GetString(d, "tool_use_id"), "toolu_01");
  EXPECT_EQ(json::GetString(d["tool_input"], "command"), "npm test");
  EXPECT_EQ(std::string(d["tool_output"].GetString()), "Exit code 1");
  EXPECT_EQ(json::GetString(d, "error"), "Exit code 1");
  EXPECT_EQ(json::GetBool(d, "is_error"), true);
  EXPECT_EQ(json::GetString(d["tags"], "permission_mode"), "default");
  EXPECT_EQ(json::GetString(d["metadata"], "transcript_path"), "/t.jsonl");
  EXPECT_EQ(json::GetInt(d["metrics"], "payload_bytes"), static_cast<int64_t>(payload.size()));
  EXPECT_EQ(json::Serialize(d["payload"]), payload);
}

TEST(HookSpan, SeedManualTestPayload) {
  SpanRecord rec = BuildSpan(
      R"({"session_id":"test","hook_event_name":"PostToolUse","tool_name":"Read"})", TestContext());
  auto d = Parse(rec.line);
  EXPECT_EQ(json::GetString(d, "event_type"), "PostToolUse");
  EXPECT_TRUE(d["duration_ms"].IsNull());
  EXPECT_TRUE(d["tool_output"].IsNull());
  EXPECT_EQ(json::GetBool(d, "is_error"), false);
  EXPECT_TRUE(d["error"].IsNull());
}

TEST(HookSpan, SubagentStopCarriesAgentAndParentSession) {
  SpanRecord rec = BuildSpan(
      R"({"session_id":"main-1","hook_event_name":"SubagentStop","agent_id":"a7","agent_type":"Explore",)"
      R"("agent_transcript_path":"/p/main-1/subagents/agent-a7.jsonl"})",
      TestContext());
  auto d = Parse(rec.line);
  EXPECT_EQ(rec.session_id, "main-1");
  EXPECT_EQ(json::GetString(d, "agent_id"), "a7");
  EXPECT_EQ(json::GetString(d, "hook_type"), "agent");
  EXPECT_EQ(json::GetString(d["tags"], "agent_type"), "Explore");
  EXPECT_EQ(json::GetString(d["metadata"], "agent_transcript_path"),
            "/p/main-1/subagents/agent-a7.jsonl");
}

TEST(HookSpan, GarbageBecomesRawSpanWithSanitizedText) {
  SpanRecord rec = BuildSpan("not json \xff\xfe", TestContext());
  EXPECT_EQ(rec.session_id, "");
  auto d = Parse(rec.line);
  EXPECT_EQ(json::GetString(d, "event_type"), "raw");
  EXPECT_TRUE(json::IsValidUtf8(*json::GetString(d, "raw")));
  EXPECT_NE(json::GetString(d, "raw")->find("not json"), std::string_view::npos);
  EXPECT_TRUE(json::GetString(d, "parse_error").has_value());
}

TEST(HookSpan, InvalidUtf8InsideJsonIsRawNotBrokenJson) {
  SpanRecord rec = BuildSpan("{\"session_id\":\"s\",\"prompt\":\"\xc3\x28\"}", TestContext());
  auto d = Parse(rec.line);
  EXPECT_EQ(json::GetString(d, "event_type"), "raw");
}

TEST(HookSpan, NonObjectJsonAndEmptyInputAreRaw) {
  EXPECT_NE(BuildSpan("[1,2]", TestContext()).line.find("\"event_type\":\"raw\""),
            std::string::npos);
  EXPECT_NE(BuildSpan("", TestContext()).line.find("\"event_type\":\"raw\""), std::string::npos);
}

TEST(HookSpan, NestingPastTheLimitIsARawSpanWithTheReason) {
  std::string deep(100000, '[');
  SpanRecord rec = BuildSpan(deep, TestContext());
  auto d = Parse(rec.line);
  EXPECT_EQ(json::GetString(d, "event_type"), "raw");
  EXPECT_EQ(json::GetString(d, "raw"), deep);
  EXPECT_EQ(json::GetString(d, "parse_error"), "nested deeper than 512 levels at byte 512");
  EXPECT_EQ(rec.parse_error, "nested deeper than 512 levels at byte 512");
  EXPECT_EQ(BuildSpan(R"({"session_id":"s"})", TestContext()).parse_error, "");
}

TEST(HookSpan, APayloadAtTheLimitMakesASpanTraceTailNormalizes) {
  size_t inner = json::kMaxDepth - 1;  // the payload object is one level
  std::string payload =
      R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"X","tool_input":)" +
      std::string(inner, '[') + std::string(inner, ']') + "}";
  SpanRecord rec = BuildSpan(payload, TestContext());
  ASSERT_EQ(rec.parse_error, "");
  SourceRef src{"/t/s.jsonl", 1, 2, 0, rec.line.size() + 1};
  auto event = Parse(NormalizeLine(LineInput{&src, rec.line, InputKind::kSpan, 1}));
  EXPECT_EQ(json::GetString(event, "kind"), "span");
  EXPECT_EQ(json::GetString(event, "tool_name"), "X");
}

TEST(HookSpan, LargePayloadKeepsToolIoOnlyInPayload) {
  std::string big(kDuplicateToolIoLimit, 'x');
  std::string payload =
      R"({"session_id":"s","hook_event_name":"PostToolUse","tool_response":{"out":")" + big +
      R"("}})";
  SpanRecord rec = BuildSpan(payload, TestContext());
  auto d = Parse(rec.line);
  EXPECT_TRUE(d["tool_output"].IsNull());
  EXPECT_TRUE(d["metadata"]["tool_io_in_payload"].GetBool());
  EXPECT_EQ(d["payload"]["tool_response"]["out"].GetStringLength(), big.size());
  EXPECT_LT(rec.line.size(), payload.size() + 2048);
}

TEST(HookSpan, EnvironmentTaskIdWins) {
  HookContext ctx = TestContext();
  ctx.task_id = "PROJ-9";
  ctx.task_status = "in_progress";
  auto d = Parse(BuildSpan(R"({"session_id":"s","hook_event_name":"Stop"})", ctx).line);
  EXPECT_EQ(json::GetString(d, "task_id"), "PROJ-9");
  EXPECT_EQ(json::GetString(d, "task_status"), "in_progress");
}

TEST(HookSpan, SessionFileStemIsSafe) {
  EXPECT_EQ(SessionFileStem("4d5611e5-241a-462a"), "4d5611e5-241a-462a");
  EXPECT_EQ(SessionFileStem("../../etc/passwd"), ".._.._etc_passwd");
  EXPECT_EQ(SessionFileStem(""), "unknown-session");
  EXPECT_EQ(SessionFileStem(".."), "unknown-session");
  EXPECT_EQ(SessionFileStem(std::string(300, 'a')).size(), 128u);
}

// A scratch directory tree with a repository and a linked worktree.
class GitTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hook-git-XXXXXX";
    root_ = mkdtemp(tmpl);
    Mkdir("/repo");
    Mkdir("/repo/.git");
    Mkdir("/repo/src");
    Mkdir("/repo/src/deep");
    Write("/repo/.git/HEAD", "ref: refs/heads/feature/PROJ-123-login\n");
    Mkdir("/repo/.git/worktrees");
    Mkdir("/repo/.git/worktrees/wt");
    Write("/repo/.git/worktrees/wt/HEAD", "ref: refs/heads/ABC-7\n");
    Mkdir("/wt");
    Write("/wt/.git", "gitdir: " + root_ + "/repo/.git/worktrees/wt\n");
    Mkdir("/detached");
    Mkdir("/detached/.git");
    Write("/detached/.git/HEAD", "3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e\n");
  }
  void TearDown() override { (void)!system(("rm -rf " + root_).c_str()); }
  void Mkdir(const std::string& p) { mkdir((root_ + p).c_str(), 0700); }
  void Write(const std::string& p, const std::string& text) { std::ofstream(root_ + p) << text; }
  std::string root_;
};

TEST_F(GitTree, BranchFromNestedDirectoryAndWorktreeFile) {
  EXPECT_EQ(GitBranch(root_ + "/repo/src/deep"), "feature/PROJ-123-login");
  EXPECT_EQ(GitBranch(root_ + "/repo/"), "feature/PROJ-123-login");
  EXPECT_EQ(GitBranch(root_ + "/wt"), "ABC-7");
  EXPECT_EQ(GitBranch(root_ + "/detached"), std::nullopt);
  EXPECT_EQ(GitBranch("relative/path"), std::nullopt);
}

TEST_F(GitTree, TaskIdFromBranchOfPayloadCwd) {
  HookContext ctx = TestContext();
  std::string payload =
      R"({"session_id":"s","hook_event_name":"PreToolUse","cwd":")" + root_ + R"(/repo/src"})";
  auto d = Parse(BuildSpan(payload, ctx).line);
  EXPECT_EQ(json::GetString(d, "task_id"), "PROJ-123");
  EXPECT_EQ(json::GetString(d["metadata"], "git_branch"), "feature/PROJ-123-login");
  ctx.task_pattern = "";
  EXPECT_TRUE(Parse(BuildSpan(payload, ctx).line)["task_id"].IsNull());
}

TEST(TaskPattern, MatchesFirstOccurrenceAndSurvivesBadPatterns) {
  EXPECT_EQ(TaskIdFromBranch("fix/ENG-42-and-ENG-43", std::string(kDefaultTaskPattern)), "ENG-42");
  EXPECT_EQ(TaskIdFromBranch("main", std::string(kDefaultTaskPattern)), std::nullopt);
  EXPECT_EQ(TaskIdFromBranch("issue-77", "issue-[0-9]+"), "issue-77");
  EXPECT_EQ(TaskIdFromBranch("x", "(unclosed"), std::nullopt);
}

TEST(HookType, KnownAndUnknownEvents) {
  EXPECT_EQ(HookTypeOf("PreToolUse"), "tool");
  EXPECT_EQ(HookTypeOf("UserPromptSubmit"), "prompt");
  EXPECT_EQ(HookTypeOf("SessionEnd"), "session");
  EXPECT_EQ(HookTypeOf("SomethingNew"), "other");
}

}  // namespace
}  // namespace trace::hook

namespace trace::hook {
namespace {

// One firing, two deliveries: trace-hook's span (command hook) and the
// gateway's spool record of the http hook body (proto/inputs.md) normalize
// to one event: same span_id (so the index stores it once) and same fields.
TEST(HookSpan, CommandAndHttpDeliveryNormalizeToTheSameEvent) {
  std::string payload =
      R"({"session_id":"abc123","prompt_id":"p-9","transcript_path":"/t.jsonl","cwd":"/nonexistent-dir",)"
      R"("hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{"file_path":"/f"},)"
      R"("tool_response":{"filePath":"/f","success":true},"tool_use_id":"toolu_07","duration_ms":12})";
  SpanRecord span = BuildSpan(payload, TestContext());
  std::string http = R"({"http_hook":)" + payload + R"(,"received_ms":1770912145290})";
  SourceRef traces{"/h/.claude/traces/abc123.jsonl", 1, 2, 0, span.line.size() + 1};
  SourceRef spool{"/d/spool/ingest.jsonl", 1, 3, 0, http.size() + 1};
  auto a = Parse(NormalizeLine({&traces, span.line, InputKind::kSpan, 0}));
  auto b = Parse(NormalizeLine({&spool, http, InputKind::kIngest, 0}));
  for (const char* key : {"span_id", "trace_id", "session_id", "event_type", "hook_type",
                          "tool_name", "tool_use_id", "cwd"}) {
    ASSERT_TRUE(a[key].IsString()) << key;
    EXPECT_EQ(json::GetString(a, key), json::GetString(b, key)) << key;
  }
  for (const char* key : {"duration_ms", "is_error", "tool_input", "tool_output", "error"}) {
    EXPECT_EQ(json::Serialize(a[key]), json::Serialize(b[key])) << key;
  }
  EXPECT_EQ(json::GetString(b, "kind"), "hook");
  EXPECT_EQ(json::GetInt(b, "timestamp"), 1770912145290);  // received, not read time
  EXPECT_EQ(json::Serialize(b["data"]), payload);          // the body, untouched
}

// The hand-written matcher of the default pattern agrees with std::regex.
TEST(TaskPattern, DefaultFastPathAgreesWithRegex) {
  std::string regex_equivalent = "[A-Z][A-Z0-9]+-[0-9]+";
  for (std::string branch : {"feature/PROJ-123-login", "A-1", "AB-", "AB-x1", "xAB-12", "ABC-DEF-9",
                             "fix/a-12", "Z9-0", "main", "ENG-42_ENG-43", "AAB-C-7", "-AB-1"}) {
    std::optional<std::string> expected;
    std::smatch m;
    if (std::regex_search(branch, m, std::regex(regex_equivalent))) expected = m.str(0);
    EXPECT_EQ(TaskIdFromBranch(branch, std::string(kDefaultTaskPattern)), expected) << branch;
  }
}

}  // namespace
}  // namespace trace::hook
