// Unit tests for the token facts of assistant lines: the cache-write total
// and its 5-minute / 1-hour split as Claude Code writes them (real lines,
// tests/fixtures/README.md), lines with only the total, inconsistent
// splits, fast mode (usage.speed), and token buckets stored before the split
// existed.
#include "common/event/event_facts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/event/aggregate.h"
#include "common/event/normalize.h"

namespace trace {
namespace {

// A Claude Code 2.1.97 line (claude-opus-4-6) with a 1-hour cache write.
constexpr char kOneHourLine[] =
    R"({"parentUuid":"64bb380d-ade5-453a-bcec-f9a9e93d8856","isSidechain":false,"message":{"model":"claude-opus-4-6","id":"msg_01XHhmh1vRKci13J8h8ykz8E","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_018QMdq63vz2jg4gWLW9W2Ds","name":"Bash","input":{"command":"ls -la /workspace/project","description":"List files in current directory"},"caller":{"type":"direct"}}],"stop_reason":"tool_use","stop_sequence":null,"stop_details":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":4673,"cache_read_input_tokens":11367,"output_tokens":80,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":4673,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard"}},"requestId":"req_011CZvvZQgMKvWnxGpnV7tUZ","type":"assistant","uuid":"a48fc27b-1ed0-439c-ae1a-d32a7cc3a6ea","timestamp":"2026-04-10T23:02:32.526Z","userType":"external","entrypoint":"cli","cwd":"/workspace/project","sessionId":"0af4a767-39e7-4b6e-95fe-ca82e891110d","version":"2.1.97","gitBranch":"HEAD"})";

// The usage of a Claude Code 2.1.81 line with a 5-minute cache write.
constexpr char kFiveMinuteUsage[] =
    R"({"input_tokens":1,"cache_creation_input_tokens":8255,"cache_read_input_tokens":38035,"output_tokens":4564,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":8255},"inference_geo":"","iterations":[],"speed":"standard"})";

// The usage of the 2.1.39 reference line (claude-code-formats.md): no split.
constexpr char kTotalOnlyUsage[] =
    R"({"input_tokens":3,"cache_creation_input_tokens":15005,"cache_read_input_tokens":11442,"output_tokens":9,"service_tier":"standard"})";

std::string AssistantLine(const std::string& usage) {
  return R"({"type":"assistant","uuid":"u1","sessionId":"s1","timestamp":"2026-04-10T23:02:32.526Z",)"
         R"("requestId":"req_1","message":{"model":"claude-opus-4-6","id":"msg_1","role":"assistant",)"
         R"("content":[{"type":"text","text":"hi"}],"usage":)" +
         usage + "}}";
}

// The usage fact trace-index would apply for one transcript line.
UsageFact FactOf(const std::string& line) {
  SourceRef src{"/p/s1.jsonl", 1, 2, 0, line.size() + 1};
  rapidjson::Document d;
  d.Parse(NormalizeLine(LineInput{&src, line, InputKind::kTranscript, 1000}).c_str());
  auto keys = ReadEventKeys(d);
  EXPECT_TRUE(keys.ok());
  EventFacts f = ExtractFacts(d, *keys);
  EXPECT_TRUE(f.usage.has_value());
  return f.usage ? *f.usage : UsageFact{};
}

TokenCounts CountsOf(const std::string& line) { return FactOf(line).counts; }

// {cache_creation, 5m, 1h} of counts, to compare in one expectation.
std::vector<uint64_t> Writes(const TokenCounts& c) {
  return {c.cache_creation, c.cache_creation_5m, c.cache_creation_1h};
}
using W = std::vector<uint64_t>;

TEST(UsageFacts, OneHourCacheWriteOfARealLine) {
  TokenCounts c = CountsOf(kOneHourLine);
  EXPECT_EQ((W{c.input, c.output, c.cache_read}), (W{3, 80, 11367}));
  EXPECT_EQ(Writes(c), (W{4673, 0, 4673}));
}

TEST(UsageFacts, FiveMinuteCacheWriteOfARealLine) {
  TokenCounts c = CountsOf(AssistantLine(kFiveMinuteUsage));
  EXPECT_EQ(Writes(c), (W{8255, 8255, 0}));
  EXPECT_EQ(c.output, 4564u);
}

TEST(UsageFacts, TotalWithoutSplitIsFiveMinute) {
  EXPECT_EQ(Writes(CountsOf(AssistantLine(kTotalOnlyUsage))), (W{15005, 15005, 0}));
}

TEST(UsageFacts, InconsistentSplitKeepsTotalEqualToTiers) {
  const std::string split =
      R"("cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200})";
  // Tiers above the total: the total grows to their sum.
  EXPECT_EQ(Writes(CountsOf(AssistantLine(R"({"cache_creation_input_tokens":250,)" + split + "}"))),
            (W{300, 100, 200}));
  // Total above the tiers: what they leave is 5-minute.
  EXPECT_EQ(Writes(CountsOf(AssistantLine(R"({"cache_creation_input_tokens":400,)" + split + "}"))),
            (W{400, 200, 200}));
  // Only the split (no total), or a malformed split (only the total counts).
  EXPECT_EQ(Writes(CountsOf(AssistantLine("{" + split + "}"))), (W{300, 100, 200}));
  EXPECT_EQ(Writes(CountsOf(
                AssistantLine(R"({"cache_creation_input_tokens":50,"cache_creation":"1h"})"))),
            (W{50, 50, 0}));
}

TEST(UsageFacts, FastModeFromUsageSpeed) {
  EXPECT_FALSE(FactOf(kOneHourLine).fast);                    // real line: "speed":"standard"
  EXPECT_FALSE(FactOf(AssistantLine(kTotalOnlyUsage)).fast);  // no speed at all
  UsageFact fast = FactOf(AssistantLine(R"({"input_tokens":10,"output_tokens":5,"speed":"fast"})"));
  EXPECT_TRUE(fast.fast);
  EXPECT_STREQ(UsageTier(fast.counts, fast.fast), "fast");
  TokenCounts big{150000, 0, 30000, 30000, 1};  // 210k input
  EXPECT_STREQ(UsageTier(big, true), "long-fast");
  EXPECT_STREQ(UsageTier(big, false), "long");
  EXPECT_STREQ(UsageTier(fast.counts, false), "standard");
  EXPECT_TRUE(IsFastTier("long-fast"));
  EXPECT_FALSE(IsFastTier("long"));
}

TEST(TokenBuckets, JsonCarriesTheSplitAndOldBucketsReadAsFiveMinute) {
  TokenCounts c{3, 80, 4673, 11367, 1};
  c.cache_creation_1h = 4000;
  c.cache_creation_5m = 673;
  std::string json = TokenCountsToJson(c);
  EXPECT_NE(json.find(R"("cache_creation_input_tokens":4673,"cache_creation_5m_input_tokens":673,)"
                      R"("cache_creation_1h_input_tokens":4000)"),
            std::string::npos)
      << json;
  EXPECT_EQ(*TokenCountsFromJson(json), c);
  // A bucket stored before the split: all of it 5-minute.
  auto old = TokenCountsFromJson(
      R"({"input_tokens":3,"output_tokens":9,"cache_creation_input_tokens":15005,)"
      R"("cache_read_input_tokens":11442,"messages":1})");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->cache_creation_5m, 15005u);
  EXPECT_EQ(old->cache_creation_1h, 0u);
}

TEST(TokenBuckets, AddCarriesTheSplit) {
  TokenCounts a{0, 0, 10, 0, 1}, b{0, 0, 5, 0, 1};
  a.cache_creation_5m = 4, a.cache_creation_1h = 6;
  b.cache_creation_5m = 5;
  a.Add(b);
  EXPECT_EQ(a.cache_creation, 15u);
  EXPECT_EQ(a.cache_creation_5m, 9u);
  EXPECT_EQ(a.cache_creation_1h, 6u);
  a.Add(b, -1);
  EXPECT_EQ(a.cache_creation_5m, 4u);
}

// --- prompts: only what a person typed (issue #14) --------------------------

// Whether trace-index counts a user line, read from path, as a prompt.
bool IsPrompt(const std::string& line, const std::string& path = "/p/s1.jsonl") {
  SourceRef src{path, 1, 2, 0, line.size() + 1};
  rapidjson::Document d;
  d.Parse(NormalizeLine(LineInput{&src, line, InputKind::kTranscript, 1000}).c_str());
  auto keys = ReadEventKeys(d);
  EXPECT_TRUE(keys.ok());
  return ExtractFacts(d, *keys).prompt.has_value();
}

// A user line of Claude Code 2.1.39 (the field set of the reference line in
// claude-code-formats.md §3) with the given content and extra members.
std::string User(const std::string& content, const std::string& extra = "") {
  return R"({"parentUuid":"p","isSidechain":false,"userType":"external","cwd":"/w","sessionId":"s1",)"
         R"("version":"2.1.39","gitBranch":"main","type":"user","message":{"role":"user","content":)" +
         content + "}," + extra + R"("uuid":"u1","timestamp":"2026-02-12T16:02:25.284Z"})";
}

TEST(Prompts, TypedTextSlashCommandsAndBashInputAreTyped) {
  EXPECT_TRUE(IsPrompt(User(R"("Work on bead spotter-dov.")")));
  EXPECT_TRUE(IsPrompt(User(R"([{"type":"text","text":"fix the build"}])")));
  // A typed slash command and a typed `!` command (history.jsonl lists both).
  EXPECT_TRUE(IsPrompt(User(
      R"("<command-message>review</command-message>\n<command-name>/review</command-name>")")));
  EXPECT_TRUE(IsPrompt(User(R"("<bash-input>git status</bash-input>")")));
}

TEST(Prompts, LinesClaudeCodeWritesItselfAreNot) {
  EXPECT_FALSE(IsPrompt(
      User(R"([{"tool_use_id":"toolu_1","type":"tool_result","content":"ok","is_error":false}])")));
  EXPECT_FALSE(
      IsPrompt(User(R"("<bash-stdout>On branch main</bash-stdout><bash-stderr></bash-stderr>")")));
  EXPECT_FALSE(
      IsPrompt(User(R"("<local-command-stdout>Set model to opus</local-command-stdout>")")));
  EXPECT_FALSE(IsPrompt(User(R"([{"type":"text","text":"[Request interrupted by user]"}])")));
  EXPECT_FALSE(
      IsPrompt(User(R"([{"type":"text","text":"[Request interrupted by user for tool use]"}])")));
  EXPECT_FALSE(IsPrompt(User(
      R"("<local-command-caveat>Caveat: The messages below were generated by the user while running local commands. DO NOT respond to these messages.</local-command-caveat>")",
      R"("isMeta":true,)")));
  // Older versions write the caveat without the tag and without isMeta.
  EXPECT_FALSE(IsPrompt(User(
      R"("Caveat: The messages below were generated by the user while running local commands. DO NOT respond to these messages or otherwise consider them in your response unless the user explicitly asks you to.")")));
  EXPECT_FALSE(IsPrompt(User(R"("<system-reminder>\nPostToolUse:Edit hook</system-reminder>")",
                             R"("isMeta":true,)")));
  EXPECT_FALSE(IsPrompt(User(
      R"("This session is being continued from a previous conversation that ran out of context. The conversation is summarized below:")",
      R"("isCompactSummary":true,"isVisibleInTranscriptOnly":true,)")));
  // The same summary from a version that did not flag it.
  EXPECT_FALSE(IsPrompt(User(
      R"("This session is being continued from a previous conversation that ran out of context.")")));
  EXPECT_FALSE(IsPrompt(User(R"("")")));
}

TEST(Prompts, NothingInASubagentOrSideQuestionFileIsTyped) {
  // A side-question file replays its parent's typed prompt (same uuid, no
  // isSidechain of its own): the parent's line counts, the replay does not.
  const std::string typed = User(R"("what does this function do?")");
  EXPECT_TRUE(IsPrompt(typed, "/p/s1.jsonl"));
  EXPECT_FALSE(IsPrompt(typed, "/p/s1/subagents/agent-aside_question-5ce17f65.jsonl"));
  EXPECT_FALSE(IsPrompt(typed, "/p/s1/subagents/agent-acompact-e1f845.jsonl"));
  EXPECT_FALSE(
      IsPrompt(User(R"("Search the repo for TODOs")"), "/p/s1/subagents/agent-a2898e3.jsonl"));
}

}  // namespace
}  // namespace trace
