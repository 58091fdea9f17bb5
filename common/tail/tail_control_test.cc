// TailControl's answers and sockets. Without sockets (Answer): CREDIT hands
// the grant to the gate and replies with the follower's backlog and the
// tail's cap; a grant for another instance is refused, a malformed one is an
// ERROR. As a remote tail (--control-connect, real TCP on loopback, bounded
// waits, no sleeps): it announces its STATE on connecting to the index's
// ROUTER, answers HELLO over the same connection, and announces again after
// the index restarts on the same endpoint.
#include "common/tail/tail_control.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/wire/control.h"
#include "common/wire/wire.h"

namespace trace {
namespace {
class NullSink : public LineSink {
 public:
  void OnLine(const SourceRef&, const Line&, InputKind, TimeCarry*) override { ++lines; }
  void OnNotice(const SourceRef&, std::string_view, std::string_view) override {}
  uint64_t lines = 0;
};

constexpr uint64_t kTail = 0x7a11, kEpoch = 0xe1;

class TailControlTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tail-control-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/a.jsonl") << "{\"a\":1}\n{\"a\":2}\n";
    FollowerOptions o;
    o.hold = [this] { return !gate_.Open(sink_.lines, now_); };  // a line is a message
    follower_ = std::make_unique<TailFollower>(
        std::vector<WatchSpec>{{dir_ + "/*.jsonl", InputKind::kAuto}}, o, nullptr, &sink_);
    control_ = std::make_unique<TailControl>(
        ctx_, follower_.get(), [this] { return sink_.lines; }, kTail, kEpoch);
    control_->SetCreditGate(&gate_, [this] { return now_; });
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  wire::ControlMessage Credit(uint64_t epoch, uint64_t limit) {
    return control_->Answer({"CREDIT", wire::EncodeCredit({9, kTail, epoch, 0, limit})});
  }

  std::string dir_;
  NullSink sink_;
  int64_t now_ = 0;
  CreditGate gate_{{3000, 1000, 250}, kTail, kEpoch, 0};
  wire::Context ctx_;
  std::unique_ptr<TailFollower> follower_;
  std::unique_ptr<TailControl> control_;
};

TEST_F(TailControlTest, CreditOpensTheGateAndReportsTheBacklog) {
  follower_->Poll(true);
  EXPECT_EQ(sink_.lines, 0u);  // no grant yet, start wait not over
  wire::ControlMessage reply = Credit(kEpoch, 1);
  ASSERT_EQ(reply.command, "CREDITED");
  auto r = wire::DecodeCredited(reply.body);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->accepted);
  EXPECT_EQ(r->max_ahead, 250u);
  EXPECT_EQ(r->backlog.files, 1u);
  EXPECT_EQ(r->backlog.bytes_left, 16u);
  follower_->Poll(false);
  EXPECT_EQ(sink_.lines, 1u);  // exactly the one message granted

  reply = Credit(kEpoch + 1, 100);
  r = wire::DecodeCredited(reply.body);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);  // a grant for the previous instance of this tail
  EXPECT_EQ(r->backlog.bytes_left, 8u);

  reply = control_->Answer({"CREDIT", "{\"limit\":5}"});
  EXPECT_EQ(reply.command, "ERROR");
  EXPECT_NE(wire::DecodeError(reply.body).find("CREDIT needs"), std::string::npos);
}

class NoLines : public LineSink {
 public:
  void OnLine(const SourceRef&, const Line&, InputKind, TimeCarry*) override {}
  void OnNotice(const SourceRef&, std::string_view, std::string_view) override {}
};

class RemoteTailControlTest : public ::testing::Test {
 protected:
  // Runs the tail's side and polls the router until it has a message.
  bool RouterGets(wire::ControlRouter& router, std::string* peer, wire::ControlMessage* m) {
    for (int i = 0; i < 200; ++i) {
      wire::Poller p;
      p.Add(router);
      for (wire::Socket* s : control_.sockets()) p.Add(*s);
      EXPECT_TRUE(p.Wait(25).ok());
      EXPECT_TRUE(control_.HandleWaiting().ok());
      auto got = router.Receive(peer, m);
      EXPECT_TRUE(got.ok());
      if (got.ok() && *got) return true;
    }
    return false;
  }
  wire::Context ctx_;
  NoLines sink_;
  TailFollower follower_{{}, {}, nullptr, &sink_};
  TailControl control_{ctx_, &follower_, [] { return uint64_t{7}; }, 0x1234, 0xabcd};
};

TEST_F(RemoteTailControlTest, AnnouncesOnEveryConnectionAndAnswersOverIt) {
  auto router = std::make_unique<wire::ControlRouter>(ctx_);
  ASSERT_TRUE(router->Bind("tcp://127.0.0.1:*").ok());
  std::string endpoint = router->LastEndpoint();
  ASSERT_TRUE(control_.Connect(endpoint, nullptr, "").ok());
  std::string peer;
  wire::ControlMessage m;
  ASSERT_TRUE(RouterGets(*router, &peer, &m));
  ASSERT_EQ(m.command, "STATE");  // unsolicited: the index learns who this is
  auto state = wire::DecodeState(m.body);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->publisher_id, 0x1234u);
  EXPECT_EQ(state->pub_seq, 7u);
  ASSERT_TRUE(*router->SendTo(peer, {"HELLO", "{}"}));
  ASSERT_TRUE(RouterGets(*router, &peer, &m));
  EXPECT_EQ(m.command, "STATE");
  ASSERT_TRUE(*router->SendTo(peer, {"BOGUS", "{}"}));
  ASSERT_TRUE(RouterGets(*router, &peer, &m));
  EXPECT_EQ(m.command, "ERROR");

  router.reset();  // the index restarts on the same endpoint
  router = std::make_unique<wire::ControlRouter>(ctx_);
  // ZeroMQ frees the port on its I/O thread after the close: bounded retries.
  bool bound = false;
  for (int i = 0; i < 200 && !bound; ++i) {
    bound = router->Bind(endpoint).ok();
    if (!bound) usleep(10'000);
  }
  ASSERT_TRUE(bound);
  ASSERT_TRUE(RouterGets(*router, &peer, &m));
  EXPECT_EQ(m.command, "STATE");
}

}  // namespace
}  // namespace trace
