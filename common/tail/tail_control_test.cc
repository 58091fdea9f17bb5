// Unit tests of TailControl as a remote tail (--control-connect): it
// announces its STATE on connecting to the index's ROUTER, answers HELLO
// over the same connection, and announces again after the index restarts
// on the same endpoint. Real TCP on loopback, waits bounded, no sleeps.
#include "common/tail/tail_control.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/wire/control.h"
#include "common/wire/wire.h"

namespace trace {
namespace {

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
