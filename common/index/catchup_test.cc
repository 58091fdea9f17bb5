// Unit tests of the catch-up logic against a real ControlServer playing
// trace-tail's control socket: start-up HELLO/REWIND, trust after REWOUND,
// and a REWIND on a pub_seq gap, a new epoch, and a silent loss. Time is a
// fake clock the tests advance; the sockets are waited on, never slept for.
#include "common/index/catchup.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <deque>

#include "common/wire/control.h"
#include "common/wire/wire.h"

namespace trace {
namespace {

// The tail's side: answers each request from a script, records what came.
class FakeTail {
 public:
  explicit FakeTail(wire::Context& ctx) : server_(ctx) {}
  Status Bind(const std::string& ep) { return server_.Bind(ep); }
  std::string endpoint() const { return server_.LastEndpoint(); }
  // The reply for the next request with this command.
  void Script(const std::string& command, wire::ControlMessage reply) {
    script_[command].push_back(std::move(reply));
  }
  // Answers what is waiting (up to wait_ms for the first request).
  void Serve(int wait_ms) {
    wire::Poller p;
    p.Add(server_);
    ASSERT_TRUE(p.Wait(wait_ms).ok());
    ASSERT_TRUE(server_
                    .Serve([this](const wire::ControlMessage& m) {
                      requests.push_back(m);
                      auto& q = script_[m.command];
                      if (q.empty())
                        return wire::ControlMessage{"ERROR", wire::EncodeError("unscripted")};
                      wire::ControlMessage r = q.front();
                      q.pop_front();
                      return r;
                    })
                    .ok());
  }
  std::vector<wire::ControlMessage> requests;

 private:
  wire::ControlServer server_;
  std::map<std::string, std::deque<wire::ControlMessage>> script_;
};

wire::ControlMessage State(uint64_t pub_seq) {
  return {"STATE", wire::EncodeState({1, 0xa, pub_seq, {}})};
}
wire::ControlMessage Rewound(uint64_t pub_seq) {
  return {"REWOUND", wire::EncodeRewound({pub_seq, 1})};
}

class CatchUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tail_.Bind("inproc://ctl").ok());
    sources_["2049:7"] = {"/x/a.jsonl", 120, "120:0123456789abcdef"};
    CatchUp::Options o{50, 1000, [this] { return now_; }};
    o.credit_window = credit_window_;
    o.index_id = 0x1d;
    catchup_ = std::make_unique<CatchUp>(ctx_, std::vector<std::string>{"inproc://ctl"}, o,
                                         [this]() -> Result<std::map<std::string, SourceOffset>> {
                                           ++commits_;
                                           return sources_;
                                         });
    ASSERT_TRUE(catchup_->Connect().ok());
  }
  // One loop turn of the index: tick, let the tail answer, read the replies.
  // Returns the command the tail received ("" when none).
  std::string Turn(int advance_ms = 0) {
    now_ += advance_ms;
    EXPECT_TRUE(catchup_->Tick(now_).ok());
    size_t before = tail_.requests.size();
    tail_.Serve(100);
    wire::Poller p;
    for (wire::Socket* s : catchup_->sockets()) p.Add(*s);
    if (tail_.requests.size() > before) EXPECT_TRUE(p.Wait(1000).ok());  // the reply's trip
    EXPECT_TRUE(catchup_->HandleReplies(now_).ok());
    return tail_.requests.size() > before ? tail_.requests.back().command : "";
  }
  void SyncAt(uint64_t pub_seq) {
    tail_.Script("HELLO", State(pub_seq));
    tail_.Script("REWIND", Rewound(pub_seq));
    ASSERT_EQ(Turn(), "HELLO");
    ASSERT_EQ(Turn(), "REWIND");
    rewind_body_ = tail_.requests.back().body;
  }
  wire::Header H(uint64_t epoch, uint64_t seq) { return {1, epoch, seq}; }
  // The requests of the last turn with this command.
  std::vector<wire::ControlMessage> Sent(size_t before, std::string_view command) {
    std::vector<wire::ControlMessage> out;
    for (size_t i = before; i < tail_.requests.size(); ++i)
      if (tail_.requests[i].command == command) out.push_back(tail_.requests[i]);
    return out;
  }

  uint64_t credit_window_ = 0;
  wire::Context ctx_;
  FakeTail tail_{ctx_};
  int64_t now_ = 1'000'000;
  std::string rewind_body_;
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
  EXPECT_STREQ(d["sources"][0]["fp"].GetString(), "120:0123456789abcdef");  // whose offset it is
  EXPECT_TRUE(catchup_->Observe(H(0xa, 6)));
  EXPECT_TRUE(catchup_->Observe(H(0xa, 7)));
  EXPECT_EQ(catchup_->Positions()["0000000000000001"].pub_seq, 7u);
  EXPECT_EQ(catchup_->rewinds(), 1u);
}

TEST_F(CatchUpTest, RewindsOnAGap) {
  SyncAt(5);
  EXPECT_TRUE(catchup_->Observe(H(0xa, 6)));
  EXPECT_FALSE(catchup_->Observe(H(0xa, 9)));  // 7 and 8 were dropped
  tail_.Script("REWIND", Rewound(9));
  EXPECT_EQ(Turn(), "REWIND");
}

TEST_F(CatchUpTest, RewindsOnANewEpoch) {
  SyncAt(5);
  EXPECT_FALSE(catchup_->Observe(H(0xb, 1)));  // the tail restarted
  tail_.Script("REWIND", Rewound(1));
  EXPECT_EQ(Turn(), "REWIND");
}

TEST_F(CatchUpTest, NoProbeBeforeTheSilencePeriod) {
  SyncAt(5);
  EXPECT_TRUE(catchup_->Observe(H(0xa, 6)));
  EXPECT_EQ(Turn(49), "");  // 49 ms of a 50 ms silence period: nothing sent
}

TEST_F(CatchUpTest, SilenceWithUnseenMessagesRewinds) {
  SyncAt(5);
  tail_.Script("HELLO", State(9));  // the tail published 6..9; none arrived
  EXPECT_EQ(Turn(50), "HELLO");     // silent for the whole period: probe
  tail_.Script("REWIND", Rewound(9));
  EXPECT_EQ(Turn(), "REWIND");
}

TEST_F(CatchUpTest, SilenceWithNothingLostDoesNotRewind) {
  SyncAt(5);
  tail_.Script("HELLO", State(5));
  EXPECT_EQ(Turn(50), "HELLO");
  EXPECT_EQ(Turn(), "");
  EXPECT_EQ(catchup_->rewinds(), 1u);
}

// Flow control (proto/wire.md "Flow control"): credit is granted once the
// stream is in sync, moves on with what is received, is renewed, is not
// extended during a rewind, and a refused grant (the tail restarted) makes
// the index learn the tail again.
class CatchUpCreditTest : public CatchUpTest {
 protected:
  void SetUp() override {
    credit_window_ = 100;
    CatchUpTest::SetUp();
  }
  static wire::ControlMessage Credited(bool accepted, uint64_t left) {
    return {"CREDITED", wire::EncodeCredited({accepted, 5, {2, 1, 1000, left}})};
  }
  // One turn; the limit of the CREDIT it sent (0: none).
  uint64_t GrantedInTurn(int advance_ms = 0) {
    size_t before = tail_.requests.size();
    tail_.Script("CREDIT", Credited(true, 400));
    Turn(advance_ms);
    auto credits = Sent(before, "CREDIT");
    if (credits.empty()) return 0;
    auto g = wire::DecodeCredit(credits.back().body);
    EXPECT_TRUE(g.ok());
    EXPECT_EQ(g->index_id, 0x1du);
    EXPECT_EQ(g->publisher_id, 1u);
    EXPECT_EQ(g->epoch, 0xau);
    return g->limit;
  }
};

TEST_F(CatchUpCreditTest, NoCreditBeforeTheStartUpRewindThenAWindowPastWhatArrived) {
  SyncAt(5);
  EXPECT_EQ(Sent(0, "CREDIT").size(), 0u);  // not while HELLO/REWIND were under way
  EXPECT_EQ(GrantedInTurn(), 105u);
  uint64_t tails = 0;
  wire::Backlog b = catchup_->TailBacklog(now_, &tails);
  EXPECT_EQ(tails, 1u);
  EXPECT_EQ(b.bytes_left, 400u);
  EXPECT_EQ(b.files_behind, 1u);
  EXPECT_EQ(catchup_->TailBacklog(now_ + 1001, &tails).bytes_left, 0u);  // too old: no tail
  EXPECT_EQ(tails, 0u);
}

TEST_F(CatchUpCreditTest, TheWindowMovesOnByQuartersAndIsRenewed) {
  SyncAt(5);
  ASSERT_EQ(GrantedInTurn(), 105u);
  for (uint64_t seq = 6; seq <= 29; ++seq) ASSERT_TRUE(catchup_->Observe(H(0xa, seq)));
  EXPECT_EQ(GrantedInTurn(), 0u);  // 24 more: less than a quarter of the window
  ASSERT_TRUE(catchup_->Observe(H(0xa, 30)));
  EXPECT_EQ(GrantedInTurn(), 130u);
  tail_.Script("HELLO", State(30));
  EXPECT_EQ(GrantedInTurn(500), 130u);  // nothing new for 500 ms: renewed as it was
  EXPECT_EQ(catchup_->credits(), 3u);
}

TEST_F(CatchUpCreditTest, ATailThatTakesLessGetsASmallerWindowAndQuarterSteps) {
  SyncAt(5);
  tail_.Script("CREDIT", {"CREDITED", wire::EncodeCredited({true, 5, {}, 40})});
  Turn();  // the first grant: the tail says it takes at most 40 past what arrived
  for (uint64_t seq = 6; seq <= 15; ++seq) ASSERT_TRUE(catchup_->Observe(H(0xa, seq)));
  EXPECT_EQ(GrantedInTurn(), 55u);  // 10 more = a quarter of 40: moved on
}

TEST_F(CatchUpCreditTest, ARewindHoldsTheWindowWhereItWas) {
  SyncAt(5);
  ASSERT_EQ(GrantedInTurn(), 105u);
  ASSERT_TRUE(catchup_->Observe(H(0xa, 6)));
  EXPECT_FALSE(catchup_->Observe(H(0xa, 60)));  // a gap: a rewind is due
  size_t before = tail_.requests.size();
  EXPECT_EQ(GrantedInTurn(), 0u);
  EXPECT_EQ(Sent(before, "REWIND").size(), 1u);
  tail_.Script("HELLO", State(60));
  EXPECT_EQ(GrantedInTurn(500), 105u);  // renewed, not moved on: no REWOUND since the gap
}

// Messages within the granted window may still be queued when a silence
// probe's STATE overtakes them: that is a loss only if a second probe shows
// the same unseen pub_seq (without credit, the first one rewinds: above).
TEST_F(CatchUpCreditTest, UnseenMessagesWithinTheGrantAreALossOnlyOnTheSecondProbe) {
  SyncAt(5);
  ASSERT_EQ(GrantedInTurn(), 105u);
  tail_.Script("HELLO", State(60));  // published 6..60; none arrived yet
  size_t before = tail_.requests.size();
  GrantedInTurn(50);
  EXPECT_EQ(Sent(before, "HELLO").size(), 1u);
  EXPECT_EQ(Turn(), "");  // no REWIND: they may be on their way
  for (uint64_t seq = 6; seq <= 60; ++seq) ASSERT_TRUE(catchup_->Observe(H(0xa, seq)));
  tail_.Script("HELLO", State(70));  // 61..70 published; this time they are lost
  before = tail_.requests.size();
  GrantedInTurn(50);
  EXPECT_EQ(Sent(before, "HELLO").size(), 1u);
  tail_.Script("HELLO", State(70));
  before = tail_.requests.size();
  GrantedInTurn(50);
  EXPECT_EQ(Sent(before, "HELLO").size(), 1u);  // the same unseen pub_seq again
  tail_.Script("REWIND", Rewound(70));
  EXPECT_EQ(Turn(), "REWIND");
  EXPECT_EQ(catchup_->rewinds(), 2u);
}

TEST_F(CatchUpCreditTest, ARefusedGrantMakesTheIndexLearnTheTailAgain) {
  SyncAt(5);
  tail_.Script("CREDIT", Credited(false, 0));  // a new instance of the tail answered
  size_t before = tail_.requests.size();
  Turn();
  ASSERT_EQ(Sent(before, "CREDIT").size(), 1u);
  tail_.Script("HELLO", {"STATE", wire::EncodeState({1, 0xb, 0, {}})});
  EXPECT_EQ(Turn(50), "HELLO");
  tail_.Script("REWIND", Rewound(0));
  EXPECT_EQ(Turn(), "REWIND");
}

// The tail restarts: its control socket is gone for a moment, so the REWIND
// for the new epoch cannot go out. It must be retried once the tail is back
// (a dropped REWIND loses the lines between the committed offsets and the
// new tail's own checkpoint). TCP, as in production: the DEALER reconnects,
// which takes real time: the loops below wait for it, bounded.
TEST(CatchUpRestart, RetriesARewindTheTailWasNotThereFor) {
  wire::Context ctx;
  auto tail = std::make_unique<FakeTail>(ctx);
  ASSERT_TRUE(tail->Bind("tcp://127.0.0.1:*").ok());
  std::string endpoint = tail->endpoint();
  std::map<std::string, SourceOffset> sources{{"2049:7", {"/x/a.jsonl", 120, ""}}};
  int64_t now = 1'000'000;
  CatchUp catchup(ctx, {endpoint}, CatchUp::Options{50, 60000, [&] { return now; }},
                  [&]() -> Result<std::map<std::string, SourceOffset>> { return sources; });
  ASSERT_TRUE(catchup.Connect().ok());
  // Turns until the tail has received want and its reply is handled (or
  // gives up).
  auto until = [&](FakeTail& t, const std::string& want) {
    for (int i = 0; i < 300; ++i) {
      now += 20;
      EXPECT_TRUE(catchup.Tick(now).ok());
      t.Serve(10);
      bool got = false;
      for (const auto& r : t.requests) got = got || r.command == want;
      for (int j = 0; j < (got ? 100 : 1); ++j) {  // the reply's trip over TCP
        wire::Poller p;
        size_t reply = p.Add(*catchup.sockets()[0]);
        EXPECT_TRUE(p.Wait(10).ok());
        EXPECT_TRUE(catchup.HandleReplies(now).ok());
        if (p.Ready(reply)) break;
      }
      if (got) return true;
    }
    return false;
  };
  tail->Script("HELLO", State(5));
  tail->Script("REWIND", Rewound(5));
  ASSERT_TRUE(until(*tail, "REWIND"));
  EXPECT_EQ(catchup.rewinds(), 1u);

  wire::ConnectionMonitor monitor(ctx, *catchup.sockets()[0]);
  tail.reset();          // the tail is down...
  bool noticed = false;  // ...and the DEALER knows it
  for (int i = 0; i < 100 && !noticed; ++i) {
    wire::Poller p;
    p.Add(monitor);
    ASSERT_TRUE(p.Wait(50).ok());
    auto event = monitor.Next();
    ASSERT_TRUE(event.ok());
    noticed = event->has_value() && !**event;
  }
  ASSERT_TRUE(noticed) << "no disconnect seen";
  // ZeroMQ tells the socket itself (its pipe to the peer ends) apart from the
  // monitor's event; waiting on the socket lets it take that in.
  for (int i = 0; i < 5; ++i) {
    wire::Poller p;
    p.Add(*catchup.sockets()[0]);
    ASSERT_TRUE(p.Wait(20).ok());
  }
  EXPECT_FALSE(catchup.Observe({1, 0xb, 1}));  // its next instance publishes
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(catchup.Tick(now += 20).ok());
  EXPECT_EQ(catchup.rewinds(), 1u);  // nothing could go out
  tail = std::make_unique<FakeTail>(ctx);
  ASSERT_TRUE(tail->Bind(endpoint).ok());  // the tail is back on its port
  tail->Script("HELLO", {"STATE", wire::EncodeState({1, 0xb, 1, {}})});
  tail->Script("REWIND", Rewound(1));
  EXPECT_TRUE(until(*tail, "REWIND")) << "REWIND never retried";
  EXPECT_EQ(catchup.rewinds(), 2u);
}

// A remote tail (proto/wire.md "Remote tails"): connects a DEALER to the
// index's ROUTER, announces itself with STATE, then answers requests.
class FakeRemoteTail {
 public:
  FakeRemoteTail(wire::Context& ctx, const std::string& endpoint, uint64_t publisher_id)
      : dealer_(ctx), publisher_id_(publisher_id) {
    EXPECT_TRUE(dealer_.Connect(endpoint).ok());
    auto sent = dealer_.Announce({"STATE", wire::EncodeState({publisher_id, 0xa, 0, {}})});
    EXPECT_TRUE(sent.ok() && *sent);
  }
  void Serve() {
    ASSERT_TRUE(dealer_
                    .Serve([this](const wire::ControlMessage& m) {
                      if (m.command == "REWIND") ++rewinds;
                      if (m.command == "HELLO")
                        return wire::ControlMessage{
                            "STATE", wire::EncodeState({publisher_id_, 0xa, pub_seq, {}})};
                      return Rewound(pub_seq);
                    })
                    .ok());
  }
  int rewinds = 0;
  uint64_t pub_seq = 0;

 private:
  wire::ControlDealer dealer_;
  uint64_t publisher_id_;
};

class CatchUpRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(catchup_.Listen(kEndpoint, "").ok()); }
  // Turns (bounded) until done(): replies handled, requests sent, tails served.
  bool Until(const std::function<bool()>& done, const std::vector<FakeRemoteTail*>& tails) {
    for (int i = 0; i < 200; ++i) {
      wire::Poller p;
      for (wire::Socket* s : catchup_.sockets()) p.Add(*s);
      EXPECT_TRUE(p.Wait(10).ok());
      EXPECT_TRUE(catchup_.HandleReplies(now_).ok());
      now_ += 20;
      EXPECT_TRUE(catchup_.Tick(now_).ok());
      for (FakeRemoteTail* t : tails) t->Serve();
      if (done()) return true;
    }
    return false;
  }
  static constexpr char kEndpoint[] = "inproc://catchup-remote-test";
  wire::Context ctx_;
  int64_t now_ = 1'000'000;
  std::map<std::string, SourceOffset> sources_{{"2049:7", {"/x/a.jsonl", 120, ""}}};
  CatchUp catchup_{ctx_,
                   {},
                   CatchUp::Options{50, 60000, [this] { return now_; }},
                   [this]() -> Result<std::map<std::string, SourceOffset>> { return sources_; }};
};

TEST_F(CatchUpRemoteTest, EachAnnouncedTailIsRewoundAloneAndAReconnectionReplacesItsLink) {
  FakeRemoteTail a(ctx_, kEndpoint, 1), b(ctx_, kEndpoint, 2);
  ASSERT_TRUE(Until([&] { return a.rewinds == 1 && b.rewinds == 1; }, {&a, &b}));
  EXPECT_EQ(catchup_.links(), 2u);
  // Each stream is trusted once its REWOUND is in.
  ASSERT_TRUE(Until([&] { return catchup_.Positions().size() == 2; }, {&a, &b}));
  EXPECT_TRUE(catchup_.Observe({1, 0xa, 1}));
  EXPECT_TRUE(catchup_.Observe({2, 0xa, 1}));
  // A gap in a's stream rewinds a, not b.
  EXPECT_FALSE(catchup_.Observe({1, 0xa, 5}));
  a.pub_seq = 5;
  ASSERT_TRUE(Until([&] { return a.rewinds == 2; }, {&a, &b}));
  EXPECT_EQ(b.rewinds, 1);
  // a on a new connection (it restarted): the new one takes over the link.
  FakeRemoteTail a2(ctx_, kEndpoint, 1);
  ASSERT_TRUE(Until([&] { return a2.rewinds == 1; }, {&a, &b, &a2}));
  EXPECT_EQ(catchup_.links(), 2u);
  EXPECT_EQ(a.rewinds, 2);
}

}  // namespace
}  // namespace trace
