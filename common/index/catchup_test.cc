// Unit tests of the catch-up logic against an in-process ROUTER playing
// trace-tail's control socket: start-up HELLO/REWIND, trust after REWOUND,
// and a REWIND on a pub_seq gap, a new epoch, and a silent loss.
#include "common/index/catchup.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <thread>

#include "common/json/json.h"

namespace trace {
namespace {

class CatchUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.bind("inproc://ctl");
    sources_["2049:7"] = {"/x/a.jsonl", 120};
    catchup_ = std::make_unique<CatchUp>(
        ctx_, std::vector<std::string>{"inproc://ctl"}, CatchUp::Options{50, 1000},
        [this]() -> Result<std::map<std::string, SourceOffset>> {
          ++commits_;
          return sources_;
        });
    ASSERT_TRUE(catchup_->Connect().ok());
  }
  // Ticks until the tail side receives a request; returns {command, body}.
  std::pair<std::string, std::string> NextRequest() {
    for (int i = 0; i < 200; ++i) {
      EXPECT_TRUE(catchup_->Tick(json::NowMs()).ok());
      std::vector<std::string> frames;
      auto got = wire::ReceiveFrames(router_, &frames, 10);
      if (got.ok() && *got) {
        identity_ = frames[0];
        return {frames[1], frames[2]};
      }
    }
    ADD_FAILURE() << "no request";
    return {};
  }
  void Reply(const std::string& cmd, const std::string& body) {
    ASSERT_TRUE(wire::SendFrames(router_, {identity_, cmd, body}).ok());
    for (int i = 0; i < 100; ++i) {  // the reply crosses an inproc pipe
      ASSERT_TRUE(catchup_->HandleReplies(json::NowMs()).ok());
      zmq::pollitem_t item{catchup_->sockets()[0]->handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(5)) == 0) break;
    }
  }
  void SyncAt(uint64_t pub_seq) {
    auto hello = NextRequest();
    ASSERT_EQ(hello.first, "HELLO");
    Reply("STATE", R"({"publisher_id":"0000000000000001","epoch":"000000000000000a","pub_seq":)" +
                       std::to_string(pub_seq) + R"(,"sources":[]})");
    auto rewind = NextRequest();
    ASSERT_EQ(rewind.first, "REWIND");
    rewind_body_ = rewind.second;
    Reply("REWOUND", R"({"pub_seq":)" + std::to_string(pub_seq) + R"(,"rewound":1})");
  }
  wire::Header H(uint64_t epoch, uint64_t seq) { return {1, epoch, seq}; }

  zmq::context_t ctx_{1};
  zmq::socket_t router_{ctx_, zmq::socket_type::router};
  std::string identity_, rewind_body_;
  std::map<std::string, SourceOffset> sources_;
  int commits_ = 0;
  std::unique_ptr<CatchUp> catchup_;
};

TEST_F(CatchUpTest, RewindsOnStartWithCommittedOffsetsThenTrusts) {
  SyncAt(5);
  EXPECT_EQ(commits_, 1);  // the pending batch is committed before the REWIND
  rapidjson::Document d;
  d.Parse(rewind_body_.c_str());
  ASSERT_TRUE(d["sources"].IsArray());
  EXPECT_STREQ(d["sources"][0]["id"].GetString(), "2049:7");
  EXPECT_EQ(d["sources"][0]["offset"].GetInt(), 120);
  EXPECT_TRUE(catchup_->Observe(H(0xa, 6)));
  EXPECT_TRUE(catchup_->Observe(H(0xa, 7)));
  EXPECT_EQ(catchup_->Positions()["0000000000000001"].pub_seq, 7u);
}

TEST_F(CatchUpTest, RewindsOnAGap) {
  SyncAt(5);
  EXPECT_TRUE(catchup_->Observe(H(0xa, 6)));
  EXPECT_FALSE(catchup_->Observe(H(0xa, 9)));  // 7 and 8 were dropped
  EXPECT_EQ(NextRequest().first, "REWIND");
}

TEST_F(CatchUpTest, RewindsOnANewEpoch) {
  SyncAt(5);
  EXPECT_FALSE(catchup_->Observe(H(0xb, 1)));  // the tail restarted
  EXPECT_EQ(NextRequest().first, "REWIND");
}

TEST_F(CatchUpTest, SilenceWithUnseenMessagesRewinds) {
  SyncAt(5);
  auto hello = NextRequest();  // nothing arrived for 50 ms: probe
  ASSERT_EQ(hello.first, "HELLO");
  Reply("STATE", R"({"publisher_id":"0000000000000001","epoch":"000000000000000a","pub_seq":9})");
  EXPECT_EQ(NextRequest().first, "REWIND");
}

// The tail restarts: its control socket is gone for a moment, so the REWIND
// for the new epoch cannot go out. It must be retried once the tail is back
// (a dropped REWIND loses the lines between the committed offsets and the
// new tail's own checkpoint). TCP, as in production: the DEALER reconnects.
TEST(CatchUpRestart, RetriesARewindTheTailWasNotThereFor) {
  zmq::context_t ctx(1);
  auto router = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::router);
  router->bind("tcp://127.0.0.1:*");
  std::string endpoint = router->get(zmq::sockopt::last_endpoint);
  std::map<std::string, SourceOffset> sources{{"2049:7", {"/x/a.jsonl", 120}}};
  CatchUp catchup(ctx, {endpoint}, CatchUp::Options{50, 60000},
                  [&]() -> Result<std::map<std::string, SourceOffset>> { return sources; });
  ASSERT_TRUE(catchup.Connect().ok());
  std::string identity;
  // Ticks until the tail side receives a request (or gives up); answers it.
  auto serve = [&](const std::string& want, const std::string& cmd, const std::string& body) {
    for (int i = 0; i < 300; ++i) {
      EXPECT_TRUE(catchup.Tick(json::NowMs()).ok());
      std::vector<std::string> frames;
      auto got = wire::ReceiveFrames(*router, &frames, 10);
      if (!got.ok() || !*got) continue;
      if (frames[1] != want) continue;  // e.g. a HELLO while a REWIND is due
      EXPECT_TRUE(wire::SendFrames(*router, {frames[0], cmd, body}).ok());
      for (int j = 0; j < 20; ++j) {
        EXPECT_TRUE(catchup.HandleReplies(json::NowMs()).ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return true;
    }
    return false;
  };
  ASSERT_TRUE(serve("HELLO", "STATE", R"({"publisher_id":"0000000000000001","epoch":"000000000000000a","pub_seq":5})"));
  ASSERT_TRUE(serve("REWIND", "REWOUND", R"({"pub_seq":5,"rewound":1})"));
  EXPECT_EQ(catchup.rewinds(), 1u);

  router.reset();  // the tail is down...
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // ...and the DEALER knows it
  EXPECT_FALSE(catchup.Observe({1, 0xb, 1}));  // its next instance publishes
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(catchup.Tick(json::NowMs()).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(catchup.rewinds(), 1u);  // nothing could go out
  router = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::router);
  router->bind(endpoint);  // the tail is back on its port
  EXPECT_TRUE(serve("REWIND", "REWOUND", R"({"pub_seq":1,"rewound":1})")) << "REWIND never retried";
  EXPECT_EQ(catchup.rewinds(), 2u);
}

}  // namespace
}  // namespace trace
