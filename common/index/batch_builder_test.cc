// Unit tests of the batch builder with the real store behind it, as
// trace-index writes: append, dedupe, raw events, every index and query
// path, and the aggregates (tool calls counted once across hook and
// transcript channels, token usage once per API message, map growth).
// Tampering goes behind the store's back with raw LMDB, as a bad disk would.
#include "common/index/batch_builder.h"

#include <lmdb.h>

#include "common/index/batch_builder_fixture.h"
#include "common/store/ids_key.h"
#include "common/store/lmdb.h"

namespace trace {
namespace {

using namespace testing_fixture;  // NOLINT: the fixture's helpers

// Writes key = value into a named database of the store in dir behind the
// writer's back (the writer must be closed), as a bad disk would.
void Tamper(const std::filesystem::path& dir, const char* db, std::string_view key,
            std::string_view value, unsigned db_flags = 0) {
  EnvOptions eo;
  eo.dir = dir.string();
  eo.writer = true;
  auto env = OpenEnv(eo);
  ASSERT_TRUE(env.ok()) << env.status().message();
  MDB_txn* txn;
  ASSERT_EQ(mdb_txn_begin(*env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, db, db_flags, &dbi), 0);
  MDB_val k = lmdb::Val(key), v = lmdb::Val(value);
  ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(*env);
}

TEST_F(StoreTest, AppendsAndReadsBySeqAndSpanId) {
  BatchStats st = Append({Hook("a", "SessionStart", 1000), Hook("b", "Stop", 2000)});
  EXPECT_EQ(st.stored, 2u);
  auto r = Reader();
  EXPECT_EQ(*r->LastSeq(), 2u);
  auto e = r->GetEvent(2);
  ASSERT_TRUE(e.ok() && e->has_value());
  auto d = Parse(**e);
  EXPECT_EQ(d["seq"].GetInt(), 2);
  EXPECT_STREQ(d["span_id"].GetString(), "b");
  auto by_span = r->GetEventBySpanId("a");
  ASSERT_TRUE(by_span.ok() && by_span->has_value());
  EXPECT_EQ(Parse(**by_span)["seq"].GetInt(), 1);
  EXPECT_FALSE(r->GetEvent(3)->has_value());
  EXPECT_FALSE(r->GetEventBySpanId("zzz")->has_value());
}

// ids keys start with a 64-bit hash of the span_id (ids_key.h): another
// span_id's entry under the same prefix (a hash collision, forced here) is
// read and passed over, even when it is the lower seq.
TEST_F(StoreTest, SpanIdLookupPassesOverAHashCollision) {
  Append({Hook("other", "SessionStart", 1000), Hook("wanted", "Stop", 2000)});
  builder_.reset();
  writer_.reset();
  std::string collides = IdsSpanPrefix("wanted") + std::string(8, '\0');  // before wanted's key
  ASSERT_LT(collides, std::string(IdsKey("wanted").view()));
  Tamper(dir_, "ids", collides, lmdb::Be64(1));  // seq 1: "other"
  Tamper(dir_, "ids", IdsSpanPrefix("absent") + std::string(8, '\0'), lmdb::Be64(1));
  auto r = Reader();
  auto wanted = r->GetEventBySpanId("wanted");
  ASSERT_TRUE(wanted.ok() && wanted->has_value()) << wanted.status().message();
  EXPECT_EQ(Parse(**wanted)["seq"].GetInt(), 2);
  auto absent = r->GetEventBySpanId("absent");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto other = r->GetEventBySpanId("other");
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_EQ(Parse(**other)["seq"].GetInt(), 1);
}

TEST_F(StoreTest, DropsDuplicateSpanIdsAcrossAndWithinBatches) {
  Append({Hook("a", "SessionStart", 1000)});
  BatchStats st =
      Append({Hook("a", "SessionStart", 1000), Hook("b", "Stop", 2000), Hook("b", "Stop", 2000)});
  EXPECT_EQ(st.stored, 1u);
  EXPECT_EQ(st.duplicates, 2u);
  EXPECT_EQ(*Reader()->LastSeq(), 2u);
  EXPECT_EQ(Session("s1")["events"].GetInt(), 2);
  EXPECT_EQ(writer_->duplicates(), 2u);
}

// The Indexer builds a batch while the previous one is still being
// committed: the builder must see what the uncommitted batch holds.
TEST_F(StoreTest, BuildsOnBatchesNotCommittedYet) {
  const std::string p = Hook("p", "PreToolUse", 1000, "s1", "Bash", "tu1"),
                    a = Hook("a", "Notification", 1001),
                    q = Hook("q", "PostToolUse", 1400, "s1", "Bash", "tu1");
  PreparedBatch first, second;
  ASSERT_TRUE(builder_->Build({{p, true}, {a, true}}, {}, &first).ok());
  ASSERT_TRUE(builder_->Build({{a, true}, {q, true}}, {}, &second).ok());
  EXPECT_EQ(second.stats.duplicates, 1u);  // "a" is only in the uncommitted batch
  EXPECT_EQ(second.stats.stored, 1u);
  ASSERT_TRUE(writer_->Commit(first).ok());
  builder_->Retire(first.id);
  ASSERT_TRUE(writer_->Commit(second).ok());
  builder_->Retire(second.id);
  EXPECT_EQ(*Reader()->LastSeq(), 3u);
  auto post = Parse(**Reader()->GetEventBySpanId("q"));
  EXPECT_EQ(post["seq"].GetInt(), 3);
  EXPECT_EQ(post["duration_ms"].GetInt(), 400);  // paired with the uncommitted Pre
  auto s = Session("s1");
  EXPECT_EQ(s["events"].GetInt(), 3);
  EXPECT_EQ(s["open_tool_calls"].GetInt(), 0);
  EXPECT_EQ(writer_->duplicates(), 1u);
  // Retired: a resend of "a" is found in the store itself.
  EXPECT_EQ(Append({Hook("a", "Notification", 1001)}).duplicates, 1u);
}

TEST_F(StoreTest, RefusesASecondWriter) {
  StoreWriter::Options o;
  o.dir = dir_.string();
  auto second = StoreWriter::Open(o);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another trace-index is writing this store"),
            std::string::npos)
      << second.status().message();
  builder_.reset();
  writer_.reset();  // the lock goes with the writer
  EXPECT_TRUE(StoreWriter::Open(o).ok());
}

TEST_F(StoreTest, StoresInvalidLinesAsRawEvents) {
  BatchStats st = Append({"this is not json", R"({"kind":"hook"})", "{\"x\":\"\xff\"}"});
  EXPECT_EQ(st.stored, 3u);
  EXPECT_EQ(st.invalid, 3u);
  auto d = Parse(**Reader()->GetEvent(1));
  EXPECT_STREQ(d["event_type"].GetString(), "raw");
  EXPECT_STREQ(d["raw"].GetString(), "this is not json");
  EXPECT_TRUE(d.HasMember("parse_error"));
  EXPECT_TRUE(json::IsValidUtf8(**Reader()->GetEvent(3)));
  // The same bad line again is a duplicate, not a second event.
  EXPECT_EQ(Append({"this is not json"}).duplicates, 1u);
}

TEST_F(StoreTest, PairsPreAndPostAndFillsDuration) {
  Append({Hook("p1", "PreToolUse", 1000, "s1", "Bash", "tu1"),
          Hook("q1", "PostToolUse", 1250, "s1", "Bash", "tu1"),
          Hook("p2", "PreToolUse", 2000, "s1", "Read", "tu2")});
  auto post = Parse(**Reader()->GetEventBySpanId("q1"));
  EXPECT_EQ(post["duration_ms"].GetInt(), 250);
  auto s = Session("s1");
  EXPECT_EQ(s["tool_calls"].GetInt(), 2);
  EXPECT_EQ(s["open_tool_calls"].GetInt(), 1);
  EXPECT_EQ(s["tools"]["Bash"]["duration"]["count"].GetInt(), 1);
  EXPECT_EQ(s["tools"]["Bash"]["duration"]["max_ms"].GetInt(), 250);
  EXPECT_EQ(s["tools"]["Read"]["open"].GetInt(), 1);
}

TEST_F(StoreTest, PostWithoutPreAndFailures) {
  Append({Hook("q1", "PostToolUse", 1250, "s1", "Bash", "tu1", R"(,"duration_ms":40)"),
          Hook("q2", "PostToolUseFailure", 1300, "s1", "Bash", "tu2"),
          Hook("q3", "PostToolUse", 1400, "s1", "Edit", "", R"(,"duration_ms":7)")});
  auto s = Session("s1");
  EXPECT_EQ(s["tool_calls"].GetInt(), 3);
  EXPECT_EQ(s["tool_failures"].GetInt(), 1);
  EXPECT_EQ(s["open_tool_calls"].GetInt(), 0);
  EXPECT_EQ(s["tools"]["Bash"]["duration"]["count"].GetInt(), 1);  // tu2 has no duration
  EXPECT_EQ(s["tools"]["Edit"]["calls"].GetInt(), 1);
  auto tools = Reader()->ListTools("", 100);
  ASSERT_EQ(tools->tools.size(), 2u);
  EXPECT_EQ(Parse(tools->tools[0])["failures"].GetInt(), 1);
  // Paged by name: after "Bash" comes "Edit", then nothing.
  auto first = Reader()->ListTools("", 1);
  ASSERT_EQ(first->tools.size(), 1u);
  EXPECT_EQ(first->last_name, "Bash");
  auto next = Reader()->ListTools(first->last_name, 1);
  ASSERT_EQ(next->tools.size(), 1u);
  EXPECT_EQ(next->last_name, "Edit");
  EXPECT_TRUE(Reader()->ListTools(next->last_name, 1)->tools.empty());
  EXPECT_EQ(Reader()->ListTools("Bas", 5)->tools.size(), 2u);  // a name between keys
}

TEST_F(StoreTest, HookAndTranscriptMentionsCountOneCall) {
  std::string use = R"([{"type":"tool_use","id":"tu9","name":"Bash","input":{}}])";
  // Out of order: the result line and the Post arrive before the tool_use.
  Append({ToolResult("r", 1600, "tu9", true),
          Hook("q", "PostToolUse", 1500, "s1", "Bash", "tu9", R"(,"duration_ms":500)"),
          Hook("p", "PreToolUse", 1000, "s1", "Bash", "tu9"),
          Assistant("a", 1001, "msg1", 5, 3, use)});
  auto s = Session("s1");
  EXPECT_EQ(s["tool_calls"].GetInt(), 1);
  EXPECT_EQ(s["tool_failures"].GetInt(), 1);  // the transcript said is_error
  EXPECT_EQ(s["open_tool_calls"].GetInt(), 0);
  EXPECT_EQ(s["tools"]["Bash"]["duration"]["count"].GetInt(), 1);
  EXPECT_EQ(s["tools"]["Bash"]["duration"]["sum_ms"].GetInt(), 500);
  EXPECT_EQ(s["first_ts"].GetInt(), 1000);
  EXPECT_EQ(s["last_ts"].GetInt(), 1600);
}

TEST_F(StoreTest, MeasuredDurationWinsWhateverTheReadOrder) {
  std::string use = R"([{"type":"tool_use","id":"tu7","name":"Bash","input":{}}])";
  // The transcript's tool_use/tool_result pair (600 ms apart) is read before
  // the hook's PostToolUse with Claude Code's measured duration_ms.
  Append({Assistant("a", 1000, "msg7", 5, 3, use), ToolResult("r", 1600, "tu7", false)});
  EXPECT_EQ(Session("s1")["tools"]["Bash"]["duration"]["max_ms"].GetInt(), 600);
  Append({Hook("p", "PreToolUse", 1010, "s1", "Bash", "tu7"),
          Hook("q", "PostToolUse", 1510, "s1", "Bash", "tu7", R"(,"duration_ms":480)")});
  rapidjson::Document session = Session("s1");
  auto d = session["tools"]["Bash"]["duration"].GetObject();
  EXPECT_EQ(d["count"].GetInt(), 1);
  EXPECT_EQ(d["sum_ms"].GetInt(), 480);
  EXPECT_EQ(d["min_ms"].GetInt(), 480);
  EXPECT_EQ(d["max_ms"].GetInt(), 480);
  // A later derived end never replaces the measured value.
  Append({ToolResult("r2", 9000, "tu7", false)});
  EXPECT_EQ(Session("s1")["tools"]["Bash"]["duration"]["sum_ms"].GetInt(), 480);
}

TEST_F(StoreTest, CountsTokensOncePerMessageWithMaxOutput) {
  Append({Assistant("a1", 1000, "m1", 100, 5), Assistant("a2", 1001, "m1", 100, 40)});
  Append({Assistant("a3", 1002, "m1", 100, 12), Assistant("a4", 1003, "m2", 7, 1),
          Assistant("a5", 1004, "m3", 9, 9, "[]", "<synthetic>")});
  auto s = Session("s1");
  EXPECT_EQ(s["assistant_turns"].GetInt(), 2);
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 107);
  EXPECT_EQ(s["usage"]["output_tokens"].GetInt(), 41);
  EXPECT_EQ(s["usage"]["cache_read_input_tokens"].GetInt(), 40);
  EXPECT_EQ(s["usage"]["messages"].GetInt(), 2);
  auto days = Reader()->DailyUsage();
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].day, "1970-01-01");
  EXPECT_EQ((*days)[0].tokens.output, 41u);
  auto sd = Reader()->SessionDailyUsage("s1");
  ASSERT_EQ(sd->size(), 1u);
  EXPECT_EQ((*sd)[0].session_id, "s1");
}

TEST_F(StoreTest, CacheWriteTiersAndFastModeReachTheBuckets) {
  // Two lines of one fast-mode message (the usage of a real 2.1.97 line with
  // a 1-hour write, speed set to "fast"), then a standard message with a
  // cache-write total and no split.
  auto line = [](const std::string& span, int64_t output) {
    return R"({"span_id":")" + span +
           R"(","kind":"transcript","event_type":"assistant","session_id":"s1","timestamp":1000,)"
           R"("data":{"type":"assistant","requestId":"req_f","message":{"id":"mf",)"
           R"("model":"claude-opus-4-6","content":[],"usage":{"input_tokens":3,)"
           R"("cache_creation_input_tokens":4673,"cache_read_input_tokens":11367,"output_tokens":)" +
           std::to_string(output) +
           R"(,"cache_creation":{"ephemeral_1h_input_tokens":4673,"ephemeral_5m_input_tokens":0},)"
           R"("speed":"fast"}}}})";
  };
  Append({line("f1", 80), line("f2", 200), Assistant("a1", 1001, "m2", 7, 1)});
  auto buckets = Reader()->SessionUsage("s1");
  ASSERT_TRUE(buckets.ok());
  ASSERT_EQ(buckets->size(), 2u);
  for (const auto& b : *buckets) {
    if (b.tier == "fast") {
      EXPECT_EQ(b.tokens.output, 200u);
      EXPECT_EQ(b.tokens.cache_creation, 4673u);
      EXPECT_EQ(b.tokens.cache_creation_1h, 4673u);
      EXPECT_EQ(b.tokens.cache_creation_5m, 0u);
      EXPECT_EQ(b.tokens.messages, 1u);
    } else {
      EXPECT_EQ(b.tier, "standard");
      EXPECT_EQ(b.tokens.cache_creation, 10u);  // Assistant(): a total only
      EXPECT_EQ(b.tokens.cache_creation_5m, 10u);
      EXPECT_EQ(b.tokens.cache_creation_1h, 0u);
    }
  }
  auto days = Reader()->DailyUsage();
  ASSERT_EQ(days->size(), 2u);
  auto s = Session("s1");
  EXPECT_EQ(s["usage"]["cache_creation_input_tokens"].GetInt(), 4683);
  EXPECT_EQ(s["usage"]["cache_creation_5m_input_tokens"].GetInt(), 10);
  EXPECT_EQ(s["usage"]["cache_creation_1h_input_tokens"].GetInt(), 4673);
}

TEST_F(StoreTest, LongContextMessagesMoveToTheLongTier) {
  Append({Assistant("a1", 1000, "m1", 150000, 5), Assistant("a2", 1001, "m1", 250000, 6)});
  auto buckets = Reader()->SessionUsage("s1");
  ASSERT_EQ(buckets->size(), 2u);
  for (const auto& b : *buckets) {
    if (b.tier == "long") {
      EXPECT_EQ(b.tokens.input, 250000u);
      EXPECT_EQ(b.tokens.messages, 1u);
    } else {
      EXPECT_EQ(b.tier, "standard");
      EXPECT_EQ(b.tokens.input, 0u);
      EXPECT_EQ(b.tokens.messages, 0u);
    }
  }
}

TEST_F(StoreTest, GrowsATinyMapAndReadersFollow) {
  OpenWriter(64 * 1024);
  auto reader = Reader();
  ASSERT_EQ(*reader->LastSeq(), 0u);
  size_t before = writer_->map_size();
  std::string pad(900, 'x');
  for (int b = 0; b < 20; ++b) {
    std::vector<std::string> lines;
    for (int i = 0; i < 100; ++i) {
      std::string id = std::to_string(b * 100 + i);
      lines.push_back(Hook("g" + id, "Notification", 1000 + b * 100 + i, "s" + id, "", "",
                           R"(,"data":{"pad":")" + pad + "\"}"));
    }
    Append(lines);
  }
  EXPECT_GT(writer_->map_size(), before);
  auto last = reader->LastSeq();
  ASSERT_TRUE(last.ok()) << last.status().message();
  EXPECT_EQ(*last, 2000u);
  EXPECT_EQ(reader->ListSessions(5, 0)->total, 2000u);
}

// --- every line kept, counted once (issue #14) ------------------------------

constexpr char kHome[] = "/h/.claude/projects/-w/";
constexpr char kSession[] = "5e551011-0000-4000-8000-000000000001";

// A real-shaped line (Claude Code 2.1.x) as trace-tail normalizes it when
// read from file (relative to kHome) at offset.
std::string Read(const std::string& file, uint64_t offset, const std::string& line,
                 TimeFallback* time = nullptr) {
  SourceRef src{kHome + file, 2049, std::hash<std::string>()(file) % 100000, offset,
                line.size() + 1};
  return NormalizeLine(LineInput{&src, line, InputKind::kTranscript, 99, time});
}

std::string UserLine(const std::string& uuid, const std::string& ts, const std::string& content,
                     const std::string& extra = "") {
  return R"({"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/w","sessionId":")" +
         std::string(kSession) +
         R"(","version":"2.1.97","type":"user","message":{"role":"user","content":)" + content +
         "}," + extra + R"("uuid":")" + uuid + R"(","timestamp":")" + ts + R"("})";
}

std::string AssistantLine(const std::string& uuid, const std::string& ts, const std::string& msg,
                          const std::string& model, int out, bool sidechain = false,
                          const std::string& content = R"([{"type":"text","text":"ok"}])") {
  return R"({"parentUuid":"p","isSidechain":)" + std::string(sidechain ? "true" : "false") +
         R"(,"cwd":"/w","sessionId":")" + kSession +
         R"(","version":"2.1.97","message":{"model":")" + model + R"(","id":")" + msg +
         R"(","type":"message","role":"assistant","content":)" + content +
         R"(,"usage":{"input_tokens":3,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":)" +
         std::to_string(out) + R"(}},"requestId":"req_)" + msg +
         R"(","type":"assistant","uuid":")" + uuid + R"(","timestamp":")" + ts + R"("})";
}

const std::string kMain = std::string(kSession) + ".jsonl";
const std::string kSide = std::string(kSession) + "/subagents/agent-aside_question-9c1.jsonl";

TEST_F(StoreTest, SameUuidInAnotherTranscriptIsItsOwnEventCountedOnce) {
  const std::string tool =
      R"([{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}])";
  std::string prompt = UserLine("u1", "2026-04-10T23:00:00.000Z", R"("list the files")");
  std::string call =
      AssistantLine("a1", "2026-04-10T23:00:01.000Z", "msg_1", "claude-opus-4-6", 9, false, tool);
  Append({Read(kMain, 0, prompt), Read(kMain, 400, call)});
  // The side-question file replays both lines with the same uuids, then asks
  // its own question (its first line is no prompt: it was not typed there).
  BatchStats st = Append(
      {Read(kSide, 0, prompt), Read(kSide, 400, call),
       Read(kSide, 900,
            AssistantLine("b1", "2026-04-10T23:05:00.000Z", "msg_2", "claude-opus-4-6", 4))});
  EXPECT_EQ(st.stored, 3u);
  EXPECT_EQ(st.duplicates, 0u);
  // Re-reading a line from its own file is a duplicate.
  st = Append({Read(kMain, 0, prompt), Read(kSide, 400, call)});
  EXPECT_EQ(st.stored, 0u);
  EXPECT_EQ(st.duplicates, 2u);
  EXPECT_EQ(*Reader()->LastSeq(), 5u);
  auto s = Session(kSession);
  EXPECT_EQ(s["events"].GetInt(), 5);
  EXPECT_EQ(s["prompts"].GetInt(), 1);
  EXPECT_EQ(s["tool_calls"].GetInt(), 1);
  EXPECT_EQ(s["assistant_turns"].GetInt(), 2);
  // msg_1 once (3 + 9), msg_2 once (3 + 4).
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 6);
  EXPECT_EQ(s["usage"]["output_tokens"].GetInt(), 13);
  // The uuid names the first stored line.
  auto by_span = Reader()->GetEventBySpanId("u1");
  ASSERT_TRUE(by_span.ok() && by_span->has_value());
  EXPECT_EQ(Parse(**by_span)["seq"].GetInt(), 1);
  ASSERT_EQ(s["agent_list"].Size(), 1u);
  EXPECT_STREQ(s["agent_list"][0]["agent_id"].GetString(), "aside_question-9c1");
  EXPECT_STREQ(s["agent_list"][0]["kind"].GetString(), "side_question");
  auto report = VerifyStore(dir_.string());
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->differences.empty()) << report->differences[0];
}

// A sender naming a new tool and hook event in every event (issue 13): the
// session keeps kMaxTools tool names and kMaxEventTypes event types, the
// rest counted under "(other)"; nothing is lost from the totals, the global
// per-tool aggregates keep every name, and --verify agrees.
TEST_F(StoreTest, AggregatesKeepABoundedNumberOfNames) {
  const int n = static_cast<int>(kMaxTools) + 50;
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    std::string id = std::to_string(i);
    lines.push_back(Hook("p" + id, "PreToolUse", 1000 + i, "s1", "Tool" + id, "tu" + id));
    lines.push_back(Hook("e" + id, "Custom" + id, 1000 + i));
  }
  Append(lines);
  rapidjson::Document s = Session("s1");
  ASSERT_TRUE(s["tools"].IsObject());
  EXPECT_EQ(s["tools"].MemberCount(), kMaxTools + 1);
  EXPECT_TRUE(s["tools"].HasMember("(other)"));
  EXPECT_EQ(s["event_types"].MemberCount(), kMaxEventTypes + 1);
  // Kept: PreToolUse and Custom0..Custom254.
  EXPECT_EQ(s["event_types"]["(other)"].GetInt(), n - static_cast<int>(kMaxEventTypes - 1));
  EXPECT_EQ(s["events"].GetInt(), 2 * n);
  auto tools = Reader()->ListTools("", 1u << 20);
  ASSERT_TRUE(tools.ok());
  EXPECT_EQ(tools->tools.size(), static_cast<size_t>(n));
  auto report = VerifyStore(dir_.string());
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->differences.empty()) << report->differences[0];
}

TEST_F(StoreTest, SessionModelIsTheMainThreadsWhateverTheReadOrder) {
  const std::string agent = std::string(kSession) + "/subagents/agent-a77.jsonl";
  // The side question replays msg_1 and is read first; the sub-agent (a
  // haiku model) answers last and most often.
  std::string m1 = AssistantLine("a1", "2026-04-10T23:00:01.000Z", "msg_1", "claude-opus-4-6", 9);
  std::string m2 = AssistantLine("a2", "2026-04-10T23:00:02.000Z", "msg_2", "claude-opus-4-6", 9);
  Append({Read(kSide, 0, m1)});
  EXPECT_STREQ(Session(kSession)["model"].GetString(), "claude-opus-4-6");  // all it knows
  Append({Read(kMain, 0, m1), Read(kMain, 500, m2)});
  for (int i = 0; i < 3; ++i) {
    Append({Read(
        agent, 600 * i,
        AssistantLine("h" + std::to_string(i), "2026-04-10T23:01:0" + std::to_string(i) + ".000Z",
                      "msg_h" + std::to_string(i), "claude-haiku-4-5", 1, true))});
  }
  auto s = Session(kSession);
  EXPECT_STREQ(s["model"].GetString(), "claude-opus-4-6");
  EXPECT_EQ(s["main_models"]["claude-opus-4-6"].GetInt(), 2);
  EXPECT_FALSE(s["agent_models"].HasMember("claude-opus-4-6"));
  EXPECT_EQ(s["agent_models"]["claude-haiku-4-5"].GetInt(), 3);
  EXPECT_EQ(s["models"].Size(), 2u);
}

// A fallback that says where its time came from, as trace-tail's TimeCarry.
class FixedTime : public TimeFallback {
 public:
  FallbackTime Resolve() override { return {1775862060000, "previous"}; }
};

TEST_F(StoreTest, BorrowedTimestampsDoNotMoveActivity) {
  FixedTime carry;
  std::string snapshot =
      R"({"type":"file-history-snapshot","messageId":"u1","snapshot":{"messageId":"u1","trackedFileBackups":{},"timestamp":"2026-04-10T23:00:00.000Z"},"isSnapshotUpdate":false})";
  Append({Read(kMain, 0, UserLine("u1", "2026-04-10T23:00:00.000Z", R"("hi")")),
          Read(kMain, 300, snapshot, &carry)});
  auto s = Session(kSession);
  // 2026-04-10T23:00:00Z = 1775862000000 (20553 days * 86400000 + 23 h).
  // The snapshot (its session from its path) is stored with a borrowed time
  // a minute later, which moves neither first nor last activity.
  EXPECT_EQ(s["first_ts"].GetInt64(), 1775862000000);
  EXPECT_EQ(s["last_ts"].GetInt64(), 1775862000000);
  auto e = Reader()->GetEvent(2);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_STREQ(Parse(**e)["timestamp_source"].GetString(), "previous");
}

TEST_F(StoreTest, RefusesAnotherSchemaVersion) {
  builder_.reset();
  writer_.reset();
  Tamper(dir_, "meta", kMetaSchemaVersion, "999");
  auto r = Store::OpenReadOnly({dir_.string()});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("schema version 999"), std::string::npos);
  EXPECT_NE(r.status().message().find("move the db away and re-index"), std::string::npos);
  // A version 1 store (ids by span_id alone) is refused the same way.
  Tamper(dir_, "meta", kMetaSchemaVersion, "1");
  auto v1 = Store::OpenReadOnly({dir_.string()});
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.status().message().find("store schema version 1 is not the supported version 4"),
            std::string::npos)
      << v1.status().message();
  StoreWriter::Options o;
  o.dir = dir_.string();
  EXPECT_FALSE(StoreWriter::Open(o).ok());
  EXPECT_FALSE(Store::OpenReadOnly({(dir_ / "missing").string()}).ok());
}

TEST_F(StoreTest, VerifyRecomputesAndFindsTampering) {
  std::string use = R"([{"type":"tool_use","id":"tu1","name":"Bash","input":{}}])";
  Append({Assistant("a1", 1000, "m1", 100, 5, use),
          Hook("p", "PreToolUse", 1001, "s1", "Bash", "tu1")});
  Append({Assistant("a2", 1002, "m1", 100, 50), Hook("q", "PostToolUse", 1400, "s1", "Bash", "tu1"),
          ToolResult("r", 1500, "tu1", false), "garbage"});
  builder_.reset();
  writer_.reset();
  auto clean = VerifyStore(dir_.string());
  ASSERT_TRUE(clean.ok()) << clean.status().message();
  EXPECT_EQ(clean->events, 6u);
  EXPECT_TRUE(clean->ok()) << (clean->differences.empty() ? "" : clean->differences[0]);
  Tamper(dir_, "tools", "Bash", R"({"tool_name":"Bash","calls":7})");
  auto tampered = VerifyStore(dir_.string());
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered->difference_count, 1u);
  EXPECT_NE(tampered->differences[0].find("tools 'Bash'"), std::string::npos);
  // An index entry no event calls for (a seq that is not s1's).
  Tamper(dir_, "by_session", "s1", IndexEntry(99, 1001), MDB_DUPSORT | MDB_DUPFIXED);
  tampered = VerifyStore(dir_.string());
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered->difference_count, 2u);
  EXPECT_NE(tampered->differences[1].find("by_session: 6 entries stored, 5 expected"),
            std::string::npos)
      << tampered->differences[1];
}

// A line of the file /f (identity 1:2) at offset with length and source.fp.
std::string FileLine(const std::string& span, int offset, int length, const std::string& fp) {
  std::string s = R"({"span_id":")" + span +
                  R"(","kind":"hook","event_type":"Stop","session_id":"s1","timestamp":1,)" +
                  R"("source":{"path":"/f","dev":1,"ino":2,"offset":)" + std::to_string(offset) +
                  R"(,"length":)" + std::to_string(length);
  if (!fp.empty()) s += R"(,"fp":")" + fp + "\"";
  return s + "}}";
}

TEST_F(StoreTest, CommittedSourcesKeepTheFingerprintAndStartAfreshForAnotherFile) {
  Append({FileLine("a1", 0, 10, "10:aaaaaaaaaaaaaaaa"),
          FileLine("a2", 10, 10, "20:bbbbbbbbbbbbbbbb")});
  EXPECT_EQ(builder_->sources().at("1:2").offset, 20u);
  EXPECT_EQ(builder_->sources().at("1:2").fingerprint, "20:bbbbbbbbbbbbbbbb");
  OpenWriter(0);  // what catch-up sends after a restart
  EXPECT_EQ(writer_->sources().at("1:2").fingerprint, "20:bbbbbbbbbbbbbbbb");
  // A line without fp (an old tail) moves the offset and keeps the fingerprint.
  Append({FileLine("a3", 20, 5, "")});
  EXPECT_EQ(builder_->sources().at("1:2").offset, 25u);
  EXPECT_EQ(builder_->sources().at("1:2").fingerprint, "20:bbbbbbbbbbbbbbbb");
  // Another file on the identity (as many bytes covered, another hash): its
  // first line starts the source again, below the old offset.
  Append({FileLine("b1", 0, 7, "20:cccccccccccccccc")});
  EXPECT_EQ(builder_->sources().at("1:2").offset, 7u);
  EXPECT_EQ(builder_->sources().at("1:2").fingerprint, "20:cccccccccccccccc");
  // A fingerprint of another length cannot tell: the offset stays.
  Append({FileLine("b0", 0, 3, "3:dddddddddddddddd")});
  EXPECT_EQ(builder_->sources().at("1:2").offset, 7u);
}

TEST_F(StoreTest, SourcesWrittenBeforeFingerprintsStillLoad) {
  builder_.reset();
  writer_.reset();
  Tamper(dir_, "sources", "3:4", R"({"path":"/g","offset":70})");
  OpenWriter(0);
  ASSERT_EQ(writer_->sources().count("3:4"), 1u);
  EXPECT_EQ(writer_->sources().at("3:4").offset, 70u);
  EXPECT_EQ(writer_->sources().at("3:4").fingerprint, "");
}

}  // namespace
}  // namespace trace
