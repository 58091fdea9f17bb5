// The normalizers against the golden examples in proto/golden/ (input line
// -> expected event), plus the properties the pipeline relies on: derived
// span_ids are stable, every event has the routed keys, bad input is data.
#include "common/event/normalize.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/event/event.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {
namespace {

const std::string kGolden = std::string(TRACE_SOURCE_DIR) + "/proto/golden/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Normalizes every line of <name>.in.jsonl as the follower would hand it over.
std::vector<std::string> NormalizeGolden(const std::string& name) {
  rapidjson::Document meta;
  meta.Parse(ReadFile(kGolden + name + ".meta.json").c_str());
  SourceRef src{std::string(*json::GetString(meta, "path")),
                static_cast<uint64_t>(*json::GetInt(meta, "dev")),
                static_cast<uint64_t>(*json::GetInt(meta, "ino")), 0, 0};
  InputKind hint;
  EXPECT_TRUE(ParseInputKind(*json::GetString(meta, "hint"), &hint));
  int64_t read_time = *json::GetInt(meta, "read_time_ms");
  std::string input = ReadFile(kGolden + name + ".in.jsonl");
  std::vector<std::string> events;
  Normalizer n;
  for (size_t pos = 0; pos < input.size();) {
    size_t nl = input.find('\n', pos);
    std::string_view text(input.data() + pos, nl - pos);
    src.offset = pos;
    src.length = nl - pos + 1;
    std::string out;
    n.Normalize(LineInput{&src, text, hint, read_time}, &out);
    events.push_back(out);
    pos = nl + 1;
  }
  return events;
}

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesExpectedEvents) {
  std::vector<std::string> events = NormalizeGolden(GetParam());
  std::string path = kGolden + GetParam() + ".out.jsonl";
  if (std::getenv("GOLDEN_UPDATE")) {
    std::ofstream out(path, std::ios::binary);
    for (const std::string& e : events) out << e << "\n";
  }
  std::istringstream expected(ReadFile(path));
  std::string line;
  size_t i = 0;
  for (; std::getline(expected, line); ++i) {
    ASSERT_LT(i, events.size()) << "more expected events than input lines";
    EXPECT_EQ(events[i], line) << GetParam() << " line " << i + 1;
  }
  EXPECT_EQ(i, events.size());
}

TEST_P(GoldenTest, EveryEventIsValidJsonWithRoutedKeys) {
  for (const std::string& e : NormalizeGolden(GetParam())) {
    ASSERT_TRUE(json::IsValidUtf8(e));
    Result<EventKeys> keys = ParseEventKeys(e);
    ASSERT_TRUE(keys.ok()) << keys.status().message() << ": " << e.substr(0, 200);
    EXPECT_GT(keys->timestamp_ms, 0);
    ASSERT_TRUE(keys->source.has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTest,
                         testing::Values("span", "hook", "transcript", "transcript_subagent",
                                         "history", "ingest", "generic", "raw", "huge"));

rapidjson::Document Event(std::string_view text, SourceRef src = {"/x/h.jsonl", 1, 2, 0, 0},
                          InputKind hint = InputKind::kAuto) {
  src.length = text.size() + 1;
  rapidjson::Document d;
  d.Parse(NormalizeLine(LineInput{&src, text, hint, 1000}).c_str());
  return d;
}

std::string Str(const rapidjson::Value& v, const char* key) {
  auto s = json::GetString(v, key);
  return s ? std::string(*s) : "<null>";
}

TEST(Normalize, DerivedSpanIdIsStableAndDependsOnPositionAndContent) {
  std::string line = R"({"display":"hi","timestamp":1769606193350})";
  std::string a = Str(Event(line), "span_id");
  EXPECT_EQ(a, Str(Event(line), "span_id"));
  EXPECT_NE(a, Str(Event(line, {"/x/h.jsonl", 1, 2, 10, 0}), "span_id"));
  EXPECT_NE(a, Str(Event(line, {"/x/h.jsonl", 1, 3, 0, 0}), "span_id"));
  EXPECT_NE(a, Str(Event(R"({"display":"ho","timestamp":1769606193350})"), "span_id"));
  EXPECT_EQ(a.size(), 32u);
}

// Issue 13: a new file on a deleted file's inode with the same line at the
// same offset must get another id (else it is dropped as a duplicate); the
// same file read again must get the same one.
TEST(Normalize, DerivedSpanIdTellsFilesOnOneInodeApartByBirthTime) {
  std::string line = R"({"display":"hi","timestamp":1769606193350})";
  SourceRef first{"/x/h.jsonl", 1, 2, 0, 0};
  first.birth_ns = 1764000000123456789;
  SourceRef again = first, reused = first;
  reused.birth_ns += 1;
  std::string a = Str(Event(line, first), "span_id");
  EXPECT_EQ(a, Str(Event(line, again), "span_id"));
  EXPECT_NE(a, Str(Event(line, reused), "span_id"));
  EXPECT_NE(a, Str(Event(line), "span_id"));  // unknown birth: the key without it
}

TEST(Normalize, TimestampsBecomeMilliseconds) {
  EXPECT_EQ(*json::GetInt(Event(R"({"display":"a","timestamp":1769606193})"), "timestamp"),
            1769606193000);
  EXPECT_EQ(
      *json::GetInt(Event(R"({"type":"user","uuid":"u","timestamp":"2026-02-12T16:02:25.284Z"})"),
                    "timestamp"),
      1770912145284);
  EXPECT_EQ(*json::GetInt(Event(R"({"anything":1})"), "timestamp"), 1000);  // read time
}

TEST(Normalize, AssistantLineCarriesModelUsageAndIds) {
  auto d = Event(
      R"({"type":"assistant","uuid":"u1","sessionId":"s","requestId":"req_1","message":{"id":"msg_1","model":"claude-opus-4-6","content":[{"type":"text","text":"hi"},{"type":"tool_use","id":"toolu_1","name":"Read","input":{}}],"usage":{"input_tokens":3,"output_tokens":9}}})");
  EXPECT_EQ(Str(d, "model"), "claude-opus-4-6");
  EXPECT_EQ(Str(d, "message_id"), "msg_1");
  EXPECT_EQ(Str(d, "request_id"), "req_1");
  EXPECT_EQ(Str(d, "tool_name"), "Read");
  EXPECT_EQ(Str(d, "tool_use_id"), "toolu_1");
  EXPECT_EQ(*json::GetInt(*json::Find(d, "usage"), "output_tokens"), 9);
}

TEST(Normalize, SubagentTranscriptGetsParentSessionAndAgentFromPath) {
  SourceRef src{"/h/.claude/projects/-p/sess-1/subagents/agent-a77.jsonl", 1, 2, 0, 0};
  auto d =
      Event(R"({"type":"user","uuid":"u","message":{"content":"x"}})", src, InputKind::kTranscript);
  EXPECT_EQ(Str(d, "session_id"), "sess-1");
  EXPECT_EQ(Str(d, "agent_id"), "a77");
  EXPECT_EQ(SessionFromTranscriptPath("/p/-x/abc.jsonl"), "abc");
  EXPECT_EQ(AgentFromTranscriptPath("/p/-x/abc.jsonl"), "");
}

TEST(Normalize, BadInputBecomesRawEventWithParseError) {
  for (std::string_view bad : {std::string_view("{\"a\":1} x"), std::string_view("{\"a\":NaN}"),
                               std::string_view("{\"a\":1}\0{", 9), std::string_view("\xff{}"),
                               std::string_view("{\"s\":\"\xc3\x28\"}")}) {
    auto d = Event(bad);
    EXPECT_EQ(Str(d, "kind"), "raw") << bad;
    EXPECT_EQ(Str(d, "event_type"), "raw");
    EXPECT_NE(Str(d, "parse_error"), "<null>");
    EXPECT_TRUE(json::IsValidUtf8(Str(d, "raw")));
  }
}

std::string Nested(size_t depth) { return std::string(depth, '[') + "0" + std::string(depth, ']'); }

TEST(Normalize, NestingPastTheLineLimitIsARawEventNotACrash) {
  for (const std::string& deep : {std::string(100000, '['), Nested(json::kMaxLineDepth + 1)}) {
    auto d = Event(deep);
    EXPECT_EQ(Str(d, "kind"), "raw");
    EXPECT_EQ(Str(d, "parse_error").rfind("nested deeper than 513 levels at byte ", 0), 0u)
        << Str(d, "parse_error");
    EXPECT_EQ(Str(d, "raw"), deep);
  }
}

TEST(Normalize, ALineAtTheLimitIsAnEventTheIndexCanRead) {
  // A hook span wraps its payload once: trace-tail takes one level more than
  // an input may have, and its event (one more again) is within the event limit.
  std::string line =
      R"({"display":"x","timestamp":1769606193350,"deep":)" + Nested(json::kMaxLineDepth - 1) + "}";
  SourceRef src{"/x/history.jsonl", 1, 2, 0, line.size() + 1};
  std::string event = NormalizeLine(LineInput{&src, line, InputKind::kAuto, 1000});
  Result<EventKeys> keys = ParseEventKeys(event);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(keys->kind, "history");
}

// OTLP allows any name; an empty one must still give an event the index
// stores (fuzz_otlp found a metric named "" that became an event without a
// type, which the index refused).
TEST(Normalize, OtelRecordsWithAnEmptyNameGetTheirKindsType) {
  SourceRef src{"/d/spool/ingest.jsonl", 1, 2, 0, 10};
  for (const auto& [line, type] : std::vector<std::pair<std::string, std::string>>{
           {R"({"otel":"metric","id":"ot-1","received_ms":1,"name":"","point":{"value":1}})",
            "otel.metric"},
           {R"({"otel":"log","id":"ot-2","received_ms":1,"event_name":""})", "otel.log"},
           {R"({"otel":"metric","id":"ot-3","received_ms":1,"name":"claude_code.cost.usage"})",
            "claude_code.cost.usage"}}) {
    Result<EventKeys> keys =
        ParseEventKeys(NormalizeLine(LineInput{&src, line, InputKind::kIngest, 1}));
    ASSERT_TRUE(keys.ok()) << line << ": " << keys.status().message();
    EXPECT_EQ(keys->event_type, type) << line;
  }
}

TEST(Normalize, OversizedLineIsRawWithBoundedPrefix) {
  std::string big(200000, 'a');
  SourceRef src{"/x", 1, 2, 0, 5000000};
  std::string out;
  Normalizer n;
  n.NormalizeOversized(LineInput{&src, big, InputKind::kAuto, 1}, &out);
  rapidjson::Document d;
  d.Parse(out.c_str());
  EXPECT_EQ(Str(d, "parse_error"), "line too long");
  EXPECT_EQ(Str(d, "raw").size(), 64u * 1024);
  EXPECT_EQ(*json::GetInt(*json::Find(d, "source"), "length"), 5000000);
}

TEST(Normalize, TopicIsKindAndSession) {
  SourceRef src{"/x", 1, 2, 0, 1};
  Normalizer n;
  std::string out;
  n.Normalize(
      LineInput{&src, R"({"display":"a","timestamp":1,"sessionId":"s9"})", InputKind::kHistory, 1},
      &out);
  EXPECT_EQ(n.topic(), "history.s9");
  n.Normalize(LineInput{&src, "nope", InputKind::kHistory, 1}, &out);
  EXPECT_EQ(n.topic(), "raw.");
}

}  // namespace
}  // namespace trace

namespace trace {
namespace {

TEST(Normalize, LongStringsCopiedFromTheLineStayExact) {
  std::string out =
      std::string(100, 'x') + "\\n\\\"quoted\\\" \\\\ back\\\\\\\\ caf\\u00e9 \xe6\x97\xa5 end\\\\";
  std::string line =
      R"({"span_id":"s","hook_type":"PostToolUse","event_type":"PostToolUse","tool_output":")" +
      out + R"(","tool_input":{"k":")" + out + R"("}})";
  auto d = Event(line, {"/x", 1, 2, 0, 0}, InputKind::kSpan);
  ASSERT_TRUE(d.IsObject()) << line;
  const rapidjson::Value* data = json::Find(d, "data");
  EXPECT_EQ(*json::Find(d, "tool_output"), *json::Find(*data, "tool_output"));
  EXPECT_EQ(*json::Find(d, "tool_input"), *json::Find(*data, "tool_input"));
  EXPECT_TRUE(json::Find(d, "tool_output")->GetStringLength() > 100);
}

TEST(Normalize, Utf8ValidationFollowsRfc3629) {
  for (std::string_view bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe6\x97", "\x80",
                               "\xf8\x88\x80\x80\x80", "abcdefgh\xff"}) {
    EXPECT_FALSE(json::IsValidUtf8(bad)) << bad;
  }
  for (std::string_view good :
       {"", "abc", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x9a\x80 rocket",
        "\xf4\x8f\xbf\xbf", "0123456789abcdef\xc3\xa9"}) {
    EXPECT_TRUE(json::IsValidUtf8(good)) << good;
  }
}

}  // namespace
}  // namespace trace

namespace trace {
namespace {

TEST(Normalize, EscapesEveryControlCharacterAndQuote) {
  std::string text;
  for (int c = 1; c < 0x80; ++c) text.push_back(static_cast<char>(c));
  text += "caf\xc3\xa9 \xf0\x9f\x9a\x80";
  json::StringWriter w;
  w.StartObject();
  w.Key("hook_event_name");
  w.String("StopFailure");
  w.Key("error");
  w.String(text);
  w.Key("session_id");
  w.String(text.substr(0, 40));
  w.EndObject();
  auto d = Event(w.View());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(Str(d, "error"), text);
  EXPECT_EQ(Str(d, "session_id"), text.substr(0, 40));
}

}  // namespace
}  // namespace trace
