// OTel in the aggregates, through the real write path: a claude_code.api_request
// and the transcript lines of the same request count once (key "req:"
// request_id), the transcript's counts win in either order and across a
// restart, Claude Code's cost_usd is kept beside them as reported_cost_usd, a
// claude_code.tool_result is the hooks' call of its tool_use_id, and metric
// points sum into their session (cumulative ones once per growth).
#include <gtest/gtest.h>

#include <filesystem>

#include "common/index/batch_builder_fixture.h"

namespace trace {
namespace {

using namespace testing_fixture;  // NOLINT: the fixture's helpers

// An otel api_request event as trace-tail makes it (proto/otlp.md).
std::string ApiRequest(const std::string& span, int64_t ts, const std::string& request_id,
                       int64_t input, int64_t output, double cost,
                       const std::string& session = "s1") {
  return R"({"span_id":")" + span + R"(","kind":"otel","event_type":"claude_code.api_request",)" +
         R"("hook_type":"log","session_id":")" + session + R"(","timestamp":)" +
         std::to_string(ts) + R"(,"model":"claude-opus-4-6","request_id":")" + request_id +
         R"(","usage":{"input_tokens":)" + std::to_string(input) + R"(,"output_tokens":)" +
         std::to_string(output) +
         R"(,"cache_read_input_tokens":20,"cache_creation_input_tokens":10},"metrics":{"cost_usd":)" +
         std::to_string(cost) +
         R"(,"duration_ms":900.0},"data":{"otel":"log","attributes":{"query_source":"repl_main_thread"}}})";
}

std::string Point(const std::string& span, const std::string& name, const std::string& type,
                  const std::string& temporality, int64_t start, double value) {
  return R"({"span_id":")" + span + R"(","kind":"otel","event_type":")" + name +
         R"(","hook_type":"metric","session_id":"s1","timestamp":5000,"metrics":{"type":"sum",)" +
         R"("temporality":")" + temporality + R"(","monotonic":true,"start_time_ms":)" +
         std::to_string(start) + R"(,"value":)" + std::to_string(value) +
         R"(},"data":{"otel":"metric","name":")" + name +
         R"(","attributes":{"session.id":"s1","type":")" + type + R"("}}})";
}

std::string OtelToolResult(const std::string& span, int64_t ts, const std::string& tool_use_id,
                           bool failed, int64_t duration_ms, const std::string& session = "s1") {
  return R"({"span_id":")" + span + R"(","kind":"otel","event_type":"claude_code.tool_result",)" +
         R"("hook_type":"log","session_id":")" + session + R"(","timestamp":)" +
         std::to_string(ts) + R"(,"tool_name":"Bash","tool_use_id":")" + tool_use_id +
         R"(","duration_ms":)" + std::to_string(duration_ms) + R"(,"is_error":)" +
         (failed ? "true" : "false") + R"(,"data":{"otel":"log","attributes":{}}})";
}

class OtelCountingTest : public StoreTest {
 protected:
  void Restart() { OpenWriter(0); }  // a new trace-index on the same store
  void Fresh() {
    builder_.reset();
    writer_.reset();
    std::filesystem::remove_all(dir_);
    OpenWriter(0);
  }
  // What the token figures of s1 are: everything a report would show.
  std::string Counted() {
    rapidjson::Document s = Session("s1");
    std::string out = json::Serialize(s["usage"]) + json::Serialize(s["usage_buckets"]) +
                      json::Serialize(s["main_models"]) + s["model"].GetString() +
                      std::to_string(s["assistant_turns"].GetInt());
    auto reader = Reader();
    auto slots = reader->UsageSlots(0, INT64_MAX);
    for (const UsageSlot& u : *slots) {
      if (u.tokens.messages) out += u.tier + std::to_string(u.tokens.Total());
    }
    auto daily = reader->DailyUsage();  // named: a range over *temporary() would dangle
    for (const UsageBucket& d : *daily) out += d.day + std::to_string(d.tokens.Total());
    return out;
  }
  // trace-index --verify: a recomputation from the events gives the same aggregates.
  void ExpectVerifyClean() {
    builder_.reset();
    writer_.reset();
    auto verify = VerifyStore(dir_.string());
    ASSERT_TRUE(verify.ok()) << verify.status().message();
    EXPECT_TRUE(verify->ok()) << (verify->differences.empty() ? "" : verify->differences[0]);
  }
  int64_t SlotReportedNanos() {
    int64_t n = 0;
    auto reader = Reader();
    auto slots = reader->UsageSlots(0, INT64_MAX);  // kept: the loop reads into it
    for (const UsageSlot& u : *slots) n += u.reported_cost_nanos;
    return n;
  }
};

TEST_F(OtelCountingTest, OneRequestThroughOtelAndTranscriptCountsOnceInEitherOrder) {
  // OTel's figures differ from the transcript's (output 45 vs 40): which one
  // counted shows.
  const std::vector<std::string> transcript = {Assistant("a1", 1000, "m1", 100, 5),
                                               Assistant("a2", 1001, "m1", 100, 40)};
  const std::string otel = ApiRequest("ot-1", 1500, "req_m1", 100, 45, 0.0421);
  Append(transcript);
  const std::string transcript_only = Counted();
  EXPECT_FALSE(Session("s1").HasMember("reported_cost_usd"));  // no OTel: the shape as before

  Fresh();  // OTel first, a restart, then the transcript
  Append({otel});
  EXPECT_EQ(Session("s1")["usage"]["output_tokens"].GetInt(), 45);  // OTel only so far
  Restart();
  Append({transcript[0]});
  Restart();
  Append({transcript[1], otel});  // and the same record again (an exporter retry)
  EXPECT_EQ(Counted(), transcript_only);
  EXPECT_DOUBLE_EQ(Session("s1")["reported_cost_usd"].GetDouble(), 0.0421);
  EXPECT_EQ(Session("s1")["reported_requests"].GetInt(), 1);
  EXPECT_EQ(SlotReportedNanos(), 42100000);

  Fresh();  // transcript first, OTel after
  Append(transcript);
  Restart();
  Append({otel, ApiRequest("ot-2", 1600, "req_m1", 100, 45, 0.0421)});  // a second record of it
  EXPECT_EQ(Counted(), transcript_only);
  EXPECT_DOUBLE_EQ(Session("s1")["reported_cost_usd"].GetDouble(), 0.0421);
  EXPECT_EQ(SlotReportedNanos(), 42100000);

  ExpectVerifyClean();
}

TEST_F(OtelCountingTest, SessionSeenOnlyThroughOtelGetsItsTokensAndReportedCost) {
  Append({ApiRequest("ot-1", 1000, "req_a", 3, 120, 0.5, "s1"),
          ApiRequest("ot-2", 2000, "req_b", 5, 80, 0.25, "s1"),
          ApiRequest("ot-3", 2000, "req_c", 5, 80, 1e300, "hostile")});
  auto s = Session("s1");
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 8);
  EXPECT_EQ(s["usage"]["output_tokens"].GetInt(), 200);
  EXPECT_EQ(s["usage"]["messages"].GetInt(), 2);
  EXPECT_EQ(s["assistant_turns"].GetInt(), 2);
  EXPECT_EQ(std::string(s["model"].GetString()), "claude-opus-4-6");
  EXPECT_DOUBLE_EQ(s["reported_cost_usd"].GetDouble(), 0.75);
  EXPECT_TRUE(Session("hostile")["reported_cost_usd"].IsNumber());  // clamped, not overflowed
  // Token counts a broken exporter could send: negative, huge, not numbers.
  Append(
      {R"({"span_id":"ot-h","kind":"otel","event_type":"claude_code.api_request","session_id":"h2",)"
       R"("timestamp":3000,"request_id":"req_h","usage":{"input_tokens":-5,"output_tokens":1e300,)"
       R"("cache_read_input_tokens":"many","cache_creation_input_tokens":7},"metrics":{"cost_usd":-1},)"
       R"("data":{"attributes":7}})"});
  auto h2 = Session("h2");
  EXPECT_EQ(h2["usage"]["input_tokens"].GetInt(), 0);
  EXPECT_EQ(h2["usage"]["output_tokens"].GetInt(), 0);
  EXPECT_EQ(h2["usage"]["cache_creation_input_tokens"].GetInt(), 7);
  EXPECT_EQ(h2["usage"]["messages"].GetInt(), 1);
  ExpectVerifyClean();
}

// A claude_code.tool_result is the same call as the hook's PreToolUse and
// PostToolUse of its tool_use_id: one call; a failure from either counts;
// the hook's measured duration wins over OTel's whichever came first.
TEST_F(OtelCountingTest, ToolResultIsTheHooksCallInEitherOrder) {
  const std::vector<std::string> hooks = {
      Hook("pre", "PreToolUse", 1000, "s1", "Bash", "tu1"),
      Hook("post", "PostToolUse", 1400, "s1", "Bash", "tu1", R"(,"duration_ms":380)")};
  const std::string otel = OtelToolResult("ot-t", 1410, "tu1", true, 395);
  Append(hooks);
  Append({otel});
  const std::string hooks_first = json::Serialize(Session("s1")["tools"]);
  rapidjson::Document session = Session("s1");  // named: bash views into it
  auto bash = session["tools"]["Bash"].GetObject();
  EXPECT_EQ(bash["calls"].GetInt(), 1);
  EXPECT_EQ(bash["failures"].GetInt(), 1);
  EXPECT_EQ(bash["duration"]["max_ms"].GetInt(), 380);

  Fresh();
  Append({otel});
  Restart();
  Append(hooks);
  EXPECT_EQ(json::Serialize(Session("s1")["tools"]), hooks_first);

  // Seen only through OTel: the call counts, with OTel's duration; one
  // without a tool_use_id cannot be matched and stays an event only.
  Append(
      {OtelToolResult("ot-u", 2000, "tu9", false, 50, "s2"),
       R"({"span_id":"ot-v","kind":"otel","event_type":"claude_code.tool_result","session_id":"s2",)"
       R"("timestamp":2001,"tool_name":"Read","data":{}})"});
  auto s2 = Session("s2");
  EXPECT_EQ(s2["tool_calls"].GetInt(), 1);
  EXPECT_EQ(s2["tools"]["Bash"]["duration"]["max_ms"].GetInt(), 50);
  EXPECT_EQ(s2["events"].GetInt(), 2);
  ExpectVerifyClean();
}

TEST_F(OtelCountingTest, MetricPointsSumPerSessionAndCumulativeCountsOnce) {
  Append({Point("p1", "claude_code.token.usage", "input", "delta", 0, 100),
          Point("p2", "claude_code.token.usage", "output", "delta", 0, 40),
          Point("p3", "claude_code.token.usage", "input", "delta", 0, 5)});
  Restart();
  // A cumulative series: 10, then 25 (growth 15), an older point (10) again
  // and out of order; a new series (process restart, new start time) adds.
  Append({Point("c1", "claude_code.lines_of_code.count", "added", "cumulative", 1, 10),
          Point("c2", "claude_code.lines_of_code.count", "added", "cumulative", 1, 25),
          Point("c3", "claude_code.lines_of_code.count", "added", "cumulative", 1, 10),
          Point("c4", "claude_code.lines_of_code.count", "added", "cumulative", 9, 3)});
  auto s = Session("s1");
  const auto& m = s["metrics"];
  EXPECT_DOUBLE_EQ(m["claude_code.token.usage"]["value"].GetDouble(), 145);
  EXPECT_DOUBLE_EQ(m["claude_code.token.usage"]["by_type"]["input"].GetDouble(), 105);
  EXPECT_DOUBLE_EQ(m["claude_code.token.usage"]["by_type"]["output"].GetDouble(), 40);
  EXPECT_DOUBLE_EQ(m["claude_code.lines_of_code.count"]["value"].GetDouble(), 28);
  EXPECT_EQ(s["usage"]["messages"].GetInt(), 0);  // metrics never count as tokens
  ExpectVerifyClean();
}

}  // namespace
}  // namespace trace
