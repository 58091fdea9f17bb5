// Ingest validation is all-or-nothing; accepted events land as whole lines.
#include "common/gateway/ingest_spool.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/event/event.h"
#include "common/event/normalize.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

namespace trace {
namespace {

class IngestSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ingest-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    spool_ = std::make_unique<IngestSpool>(IngestSpool::Options{dir_.string()});
    ASSERT_TRUE(spool_->Open().ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Contents() {
    std::ifstream in(dir_ / "ingest.jsonl");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::filesystem::path dir_;
  std::unique_ptr<IngestSpool> spool_;
};

TEST_F(IngestSpoolTest, AcceptsOurShapeAndSeed003) {
  auto r = spool_->Ingest(R"([{"event_type":"PreToolUse","session_id":"s1","tool_name":"Bash"},
      {"timestamp":"2024-01-26T10:30:00Z","event":"PostToolUse","sessionId":"s2","data":{"tool_name":"Read"}},
      {"event_type":"raw","session_id":"s3","span_id":"mine-1"}])");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->accepted) << (r->errors.empty() ? "" : r->errors[0]);
  ASSERT_EQ(r->ids.size(), 3u);
  EXPECT_EQ(r->ids[2], "mine-1");
  EXPECT_NE(r->ids[0], r->ids[1]);
  std::string text = Contents();
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    ASSERT_FALSE(d.HasParseError()) << line;
    EXPECT_EQ(std::string(d["span_id"].GetString()), r->ids[n]);
    if (n == 1) {  // seed 003, written in our shape with the original kept under data
      EXPECT_STREQ(d["event_type"].GetString(), "PostToolUse");
      EXPECT_STREQ(d["session_id"].GetString(), "s2");
      EXPECT_STREQ(d["tool_name"].GetString(), "Read");
      EXPECT_STREQ(d["data"]["sessionId"].GetString(), "s2");
    }
    ++n;
  }
  EXPECT_EQ(n, 3);
  EXPECT_EQ(spool_->accepted_events(), 3u);
}

TEST_F(IngestSpoolTest, RejectsWholeRequestWithReasons) {
  auto r = spool_->Ingest(R"([{"event_type":"PreToolUse","session_id":"s1"},
      {"event_type":"Bogus","session_id":"s1"}, {"session_id":"s1"}, 5,
      {"event_type":"Stop","session_id":"s1","timestamp":"not a time"},
      {"event_type":"Stop","session_id":7}])");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);
  ASSERT_EQ(r->errors.size(), 5u);
  EXPECT_NE(r->errors[0].find("[1]"), std::string::npos);
  EXPECT_NE(r->errors[0].find("Bogus"), std::string::npos);
  EXPECT_TRUE(r->ids.empty());
  EXPECT_EQ(Contents(), "");  // nothing of a rejected request is written
}

TEST_F(IngestSpoolTest, DeepNestingIsRefusedAndNothingIsWritten) {
  for (size_t depth : {65000u, 150000u}) {
    std::string body = R"({"event_type":"PreToolUse","session_id":"s","tool_input":)" +
                       std::string(depth, '[') + std::string(depth, ']') + "}";
    auto r = spool_->Ingest(body);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->accepted);
    ASSERT_EQ(r->errors.size(), 1u);
    EXPECT_EQ(r->errors[0], "invalid JSON: nested deeper than 512 levels at byte 568");
  }
  EXPECT_EQ(Contents(), "");
}

TEST_F(IngestSpoolTest, AnEventAtTheDepthLimitIsAcceptedAndTraceTailNormalizesIt) {
  // Seed 003 kept whole under "data": the spool line is one level deeper than the body.
  size_t inner = json::kMaxDepth - 1;
  std::string body = R"({"event":"Stop","sessionId":"s","data":{"x":)" +
                     std::string(inner - 1, '[') + std::string(inner - 1, ']') + "}}";
  auto r = spool_->Ingest(body);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->accepted) << r->errors[0];
  std::string line = Contents();
  line.pop_back();  // the newline
  SourceRef src{"/spool/ingest.jsonl", 1, 2, 0, line.size() + 1};
  std::string event = NormalizeLine(LineInput{&src, line, InputKind::kIngest, 1});
  Result<EventKeys> keys = ParseEventKeys(event);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(keys->kind, "ingest");
  EXPECT_EQ(keys->span_id, r->ids[0]);
}

TEST_F(IngestSpoolTest, RejectsBadJson) {
  for (const char* body :
       {"", "{", "[]", "\"x\"", "{\"event_type\":\"Stop\",\"session_id\":\"\xff\"}"}) {
    auto r = spool_->Ingest(body);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->accepted) << body;
    EXPECT_FALSE(r->errors.empty());
  }
  EXPECT_EQ(Contents(), "");
}

TEST_F(IngestSpoolTest, TornLastLineIsEndedBeforeTheNextAppend) {
  spool_.reset();
  std::ofstream(dir_ / "ingest.jsonl", std::ios::app)
      << "{\"span_id\":\"whole\"}\n{\"span_id\":\"to";
  spool_ = std::make_unique<IngestSpool>(IngestSpool::Options{dir_.string()});
  ASSERT_TRUE(spool_->Open().ok());
  auto r = spool_->Ingest(R"({"event_type":"Stop","session_id":"s","span_id":"after"})");
  ASSERT_TRUE(r.ok() && r->accepted);
  std::string text = Contents();
  EXPECT_EQ(text.substr(0, text.find('\n', 20) + 1),
            "{\"span_id\":\"whole\"}\n{\"span_id\":\"to\n");
  std::string last = text.substr(text.find('\n', 20) + 1);
  EXPECT_EQ(last.back(), '\n');
  EXPECT_NE(last.find("\"after\""), std::string::npos);
  EXPECT_EQ(last.find("\"to"), std::string::npos);  // not glued to the torn line
  // An intact file is left as it is.
  spool_ = std::make_unique<IngestSpool>(IngestSpool::Options{dir_.string()});
  ASSERT_TRUE(spool_->Open().ok());
  EXPECT_EQ(Contents(), text);
}

TEST_F(IngestSpoolTest, DeletedOrReplacedSpoolIsReopenedBeforeAcknowledging) {
  const char* event = R"({"event_type":"Stop","session_id":"s"})";
  ASSERT_TRUE(spool_->Ingest(event)->accepted);
  std::filesystem::remove(dir_ / "ingest.jsonl");
  ASSERT_TRUE(spool_->Ingest(event)->accepted);
  std::string fresh = Contents();
  EXPECT_EQ(std::count(fresh.begin(), fresh.end(), '\n'), 1);  // in the new file
  std::filesystem::rename(dir_ / "ingest.jsonl", dir_ / "moved.jsonl");
  std::ofstream(dir_ / "ingest.jsonl") << "";
  ASSERT_TRUE(spool_->Ingest(event)->accepted);
  std::string text = Contents();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

// An http hook body becomes one spool line holding it whole; trace-tail makes
// it the hook's event with the firing id and the time the gateway got it.
TEST_F(IngestSpoolTest, HookBodyIsSpooledWholeAndNormalizesToTheHookEvent) {
  std::string body = R"({"session_id":"abc123","hook_event_name":"PreToolUse","tool_name":"Bash",)"
                     R"("tool_input":{"command":"npm test"},"tool_use_id":"toolu_01"})";
  auto r = spool_->IngestHook(body, 1770912145284);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->accepted) << r->errors[0];
  ASSERT_EQ(r->ids.size(), 1u);
  EXPECT_EQ(r->ids[0].substr(0, 3), "hk-");
  std::string line = Contents();
  EXPECT_EQ(line, R"({"http_hook":)" + body + R"(,"received_ms":1770912145284})" + "\n");
  line.pop_back();
  SourceRef src{"/spool/ingest.jsonl", 1, 2, 0, line.size() + 1};
  rapidjson::Document e;
  ASSERT_TRUE(json::Parse(&e, NormalizeLine(LineInput{&src, line, InputKind::kIngest, 5})).ok());
  EXPECT_EQ(json::GetString(e, "span_id"), r->ids[0]);
  EXPECT_EQ(json::GetString(e, "kind"), "hook");
  EXPECT_EQ(json::GetString(e, "event_type"), "PreToolUse");
  EXPECT_EQ(json::GetString(e, "hook_type"), "tool");
  EXPECT_EQ(json::GetString(e, "tool_use_id"), "toolu_01");
  EXPECT_EQ(json::GetInt(e, "timestamp"), 1770912145284);
  EXPECT_EQ(json::Serialize(e["data"]), body);
}

TEST_F(IngestSpoolTest, UnknownHookEventIsKeptWithItsDataWhole) {
  std::string body = R"({"session_id":"s","hook_event_name":"FutureThing","x":{"y":[1,2.5,null]}})";
  auto r = spool_->IngestHook(body, 1);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->accepted);
  std::string line = Contents();
  line.pop_back();
  SourceRef src{"/spool/ingest.jsonl", 1, 2, 0, line.size() + 1};
  rapidjson::Document e;
  ASSERT_TRUE(json::Parse(&e, NormalizeLine(LineInput{&src, line, InputKind::kIngest, 5})).ok());
  EXPECT_EQ(json::GetString(e, "event_type"), "FutureThing");
  EXPECT_EQ(json::GetString(e, "hook_type"), "other");
  EXPECT_EQ(json::Serialize(e["data"]), body);
}

TEST_F(IngestSpoolTest, BrokenHookBodiesAreRefusedAndNothingIsWritten) {
  std::string deep = R"({"session_id":"s","hook_event_name":"Stop","x":)" + std::string(600, '[') +
                     std::string(600, ']') + "}";
  for (std::string body :
       {std::string(), std::string("{"), std::string("[]"),
        std::string(R"([{"session_id":"s","hook_event_name":"Stop"}])"),
        std::string(R"({"session_id":"s"})"), std::string(R"({"hook_event_name":"Stop"})"),
        std::string(R"({"hook_event_name":"Stop","session_id":null})"),
        std::string("{\"hook_event_name\":\"Stop\",\"session_id\":\"\xff\"}"),
        std::string(R"({"hook_event_name":"Stop","session_id":"s"} trailing)"), deep}) {
    auto r = spool_->IngestHook(body, 1);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->accepted) << body.substr(0, 80);
    ASSERT_FALSE(r->errors.empty());
  }
  auto r = spool_->IngestHook(R"({"session_id":"s"})", 1);
  EXPECT_EQ(r->errors[0], "missing required string field 'hook_event_name'");
  EXPECT_EQ(Contents(), "");
}

// /api/events takes a raw hook payload too, under the same firing id.
TEST_F(IngestSpoolTest, EventsEndpointAcceptsRawHookPayloads) {
  std::string hook =
      R"({"session_id":"s9","hook_event_name":"PostToolUse","tool_name":"Read","tool_use_id":"t1"})";
  auto r = spool_->Ingest("[" + hook + R"(,{"event_type":"Stop","session_id":"s9"}])");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->accepted) << r->errors[0];
  auto direct = spool_->IngestHook(hook, 2);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(r->ids[0], direct->ids[0]);
  EXPECT_NE(Contents().find(R"({"http_hook":)" + hook), std::string::npos);
  auto bad = spool_->Ingest(R"({"hook_event_name":"PostToolUse"})");
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->accepted);
  EXPECT_EQ(bad->errors[0], "[0]: missing required string field 'session_id'");
}

// The sender's X-Claude-Trace-User/-Host fill what an event does not name
// itself; an http hook record carries them beside received_ms.
TEST_F(IngestSpoolTest, SenderNamesTheEventsThatDoNotNameThemselves) {
  Sender bob{"bob", "bob-desktop"};
  auto r = spool_->Ingest(R"([{"event_type":"Stop","session_id":"s1"},
      {"event_type":"Stop","session_id":"s2","user":"carol","host":""},
      {"timestamp":"2024-01-26T10:30:00Z","event":"Stop","sessionId":"s3"}])",
                          bob);
  ASSERT_TRUE(r.ok() && r->accepted);
  auto h = spool_->IngestHook(R"({"session_id":"s4","hook_event_name":"Stop"})", 7, {"", "h4"});
  ASSERT_TRUE(h.ok() && h->accepted);
  std::vector<std::string> lines;
  std::stringstream all(Contents());
  for (std::string l; std::getline(all, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 4u);
  std::vector<std::string> who;
  for (const std::string& line : lines) {
    SourceRef src{"/spool/ingest.jsonl", 1, 2, 0, line.size() + 1};
    rapidjson::Document e;
    ASSERT_TRUE(json::Parse(&e, NormalizeLine(LineInput{&src, line, InputKind::kIngest, 5})).ok());
    who.push_back(std::string(json::GetString(e, "user").value_or("-")) + "@" +
                  std::string(json::GetString(e, "host").value_or("-")));
  }
  EXPECT_EQ(who, (std::vector<std::string>{"bob@bob-desktop", "carol@bob-desktop",
                                           "bob@bob-desktop", "-@h4"}));
  EXPECT_NE(lines[3].find(R"("received_ms":7,"host":"h4"})"), std::string::npos) << lines[3];
}

TEST_F(IngestSpoolTest, UserAndHostMustBeStrings) {
  auto r = spool_->Ingest(R"({"event_type":"Stop","session_id":"s1","user":42})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);
  EXPECT_EQ(Contents(), "");
}

// Group commit: requests from many threads at once share syncs, and every
// one of them still comes back only with its lines whole in the file, never
// interleaved with another request's, and counted once.
TEST_F(IngestSpoolTest, ConcurrentRequestsAreAllDurableAndWhole) {
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = spool_->Ingest(R"([{"event_type":"Stop","session_id":"s","span_id":")" + id +
                                R"("},{"event_type":"Stop","session_id":"s","span_id":")" + id +
                                R"(-b"}])");
        if (!r.ok() || !r->accepted) failures++;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(spool_->accepted_events(), uint64_t{2 * kThreads * kPerThread});
  std::istringstream lines(Contents());
  std::string line, previous;
  int n = 0;
  while (std::getline(lines, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    ASSERT_FALSE(d.HasParseError()) << line;
    std::string id = d["span_id"].GetString();
    if (n % 2 == 1) EXPECT_EQ(id, previous + "-b");  // a request's two lines stay together
    previous = id;
    ++n;
  }
  EXPECT_EQ(n, 2 * kThreads * kPerThread);
  EXPECT_EQ(spool_->appends(), uint64_t{kThreads * kPerThread});
  EXPECT_GE(spool_->syncs(), 1u);
  EXPECT_LE(spool_->syncs(), spool_->appends());
}

// One request at a time: nothing to share, each append waits for its own sync.
TEST_F(IngestSpoolTest, ASingleWriterSyncsEveryAppend) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(spool_->Ingest(R"({"event_type":"Stop","session_id":"s"})")->accepted);
  }
  EXPECT_EQ(spool_->appends(), 5u);
  EXPECT_EQ(spool_->syncs(), 5u);
}

}  // namespace
}  // namespace trace
