// Unit tests of the wire (wire.h, control.h): the header frame, the
// control codec, and a control round trip over real sockets (inproc).
#include "common/wire/wire.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/wire/control.h"

namespace trace::wire {
namespace {

TEST(Wire, HeaderRoundTripsAndRejectsForeignFrames) {
  Header h{0x0102030405060708ULL, 42, 7};
  std::string f = EncodeHeader(h);
  ASSERT_EQ(f.size(), kHeaderSize);
  auto back = DecodeHeader(f);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->publisher_id, h.publisher_id);
  EXPECT_EQ(back->epoch, 42u);
  EXPECT_EQ(back->pub_seq, 7u);
  EXPECT_FALSE(DecodeHeader("XX").ok());
  f[2] = 9;
  EXPECT_FALSE(DecodeHeader(f).ok());
}

TEST(Control, StateRoundTrips) {
  StateReply s{
      0x9f2c110a5e7d0013ULL, 0x193a1b2c3d4ULL, 42, {{"2049:1311", "/h/history.jsonl", 10240}}};
  std::string body = EncodeState(s);
  EXPECT_NE(body.find(R"("publisher_id":"9f2c110a5e7d0013")"), std::string::npos) << body;
  auto back = DecodeState(body);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->publisher_id, s.publisher_id);
  EXPECT_EQ(back->epoch, s.epoch);
  EXPECT_EQ(back->pub_seq, 42u);
  ASSERT_EQ(back->sources.size(), 1u);
  EXPECT_EQ(back->sources[0].offset, 10240u);
}

TEST(Control, RejectsMalformedBodies) {
  EXPECT_FALSE(DecodeState("not json").ok());
  EXPECT_FALSE(DecodeState(R"({"publisher_id":"xyz","epoch":"1"})").ok());
  EXPECT_FALSE(
      DecodeState(R"({"publisher_id":"11112222333344445","epoch":"1"})").ok());  // 17 digits
  EXPECT_FALSE(DecodeRewind(R"({"sources":3})").ok());
  EXPECT_FALSE(DecodeRewind("[]").ok());
  EXPECT_EQ(DecodeError("{}"), "unknown error");
  EXPECT_EQ(DecodeError(EncodeError("boom")), "boom");
}

TEST(Control, CreditAndCreditedRoundTrip) {
  std::string body = EncodeCredit({0xabc, 0x9f2c110a5e7d0013ULL, 0x193a1b2c3d4ULL, 40, 8232});
  EXPECT_EQ(body, R"({"index_id":"0000000000000abc","publisher_id":"9f2c110a5e7d0013",)"
                  R"("epoch":"00000193a1b2c3d4","received":40,"limit":8232})");
  auto grant = DecodeCredit(body);
  ASSERT_TRUE(grant.ok()) << grant.status().message();
  EXPECT_EQ(grant->index_id, 0xabcu);
  EXPECT_EQ(grant->publisher_id, 0x9f2c110a5e7d0013ULL);
  EXPECT_EQ(grant->epoch, 0x193a1b2c3d4ULL);
  EXPECT_EQ(grant->received, 40u);
  EXPECT_EQ(grant->limit, 8232u);

  auto reply = DecodeCredited(EncodeCredited({true, 41, {3, 1, 5000, 1200}, 750}));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_TRUE(reply->accepted);
  EXPECT_EQ(reply->pub_seq, 41u);
  EXPECT_EQ(reply->backlog.files, 3u);
  EXPECT_EQ(reply->backlog.files_behind, 1u);
  EXPECT_EQ(reply->backlog.bytes_total, 5000u);
  EXPECT_EQ(reply->backlog.bytes_left, 1200u);
  EXPECT_EQ(reply->max_ahead, 750u);
}

TEST(Control, RejectsMalformedCredit) {
  EXPECT_FALSE(DecodeCredit("[]").ok());
  EXPECT_FALSE(
      DecodeCredit(R"({"index_id":"1","publisher_id":"2","epoch":"3"})").ok());  // no limit
  EXPECT_FALSE(DecodeCredit(R"({"index_id":"x","publisher_id":"2","epoch":"3","limit":1})").ok());
  EXPECT_FALSE(DecodeCredit(std::string(100000, '{')).ok());
  EXPECT_FALSE(DecodeCredited("nope").ok());
  // A negative limit is no credit at all; a backlog larger than its total is
  // taken as the total (a percentage never goes below 0).
  auto g = DecodeCredit(R"({"index_id":"1","publisher_id":"2","epoch":"3","limit":-5})");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->limit, 0u);
  auto r = DecodeCredited(R"({"accepted":"yes","bytes_total":10,"bytes_left":99})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->accepted);
  EXPECT_EQ(r->backlog.bytes_total, 99u);
}

TEST(Control, DeeplyNestedBodiesAreRefusedNotACrash) {
  std::string deep(100000, '[');
  EXPECT_FALSE(DecodeState(deep).ok());
  EXPECT_FALSE(DecodeRewind(R"({"sources":)" + deep).ok());
  EXPECT_FALSE(DecodeRewound(deep).ok());
  EXPECT_EQ(DecodeError(deep), "unknown error");
}

TEST(Control, RewindKeepsEveryFieldAndClampsNegativeOffsets) {
  auto back =
      DecodeRewind(EncodeRewind({{"1:2", "/a", 7, "7:0123456789abcdef"}, {"", "/b", 0, ""}}));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].id, "1:2");
  EXPECT_EQ((*back)[0].fingerprint, "7:0123456789abcdef");
  EXPECT_EQ((*back)[1].path, "/b");
  EXPECT_EQ((*back)[1].fingerprint, "");  // absent: an index older than fingerprints
  EXPECT_EQ(EncodeRewind({{"1:2", "/a", 7, ""}}).find("fp"), std::string::npos);
  auto negative = DecodeRewind(R"({"sources":[{"id":"1:2","offset":-5}]})");
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ((*negative)[0].offset, 0u);
}

TEST(Control, ClientAndServerExchangeOneRequest) {
  Context ctx;
  ControlServer server(ctx);
  ASSERT_TRUE(server.Bind("inproc://control-test").ok());
  ControlClient client(ctx);
  ASSERT_TRUE(client.Connect("inproc://control-test").ok());
  Result<bool> sent = client.Send({std::string(kHello), "{}"});
  ASSERT_TRUE(sent.ok() && *sent);
  Poller p;
  p.Add(server);
  ASSERT_TRUE(p.Wait(1000).ok());
  ASSERT_TRUE(server
                  .Serve([](const ControlMessage& m) {
                    EXPECT_EQ(m.command, kHello);
                    return ControlMessage{std::string(kState), EncodeState({1, 2, 3, {}})};
                  })
                  .ok());
  Poller q;
  size_t c = q.Add(client);
  ASSERT_TRUE(q.Wait(1000).ok());
  ASSERT_TRUE(q.Ready(c));
  ControlMessage reply;
  Result<bool> got = client.Receive(&reply);
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_EQ(reply.command, kState);
  auto state = DecodeState(reply.body);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->pub_seq, 3u);
}

TEST(Control, ClientWithoutAPeerSendsNothing) {
  Context ctx;
  ControlClient client(ctx);
  ASSERT_TRUE(client.Connect("tcp://127.0.0.1:1").ok());  // nobody listens there
  Result<bool> sent = client.Send({std::string(kHello), "{}"});
  ASSERT_TRUE(sent.ok()) << sent.status().message();
  EXPECT_FALSE(*sent);
}

TEST(Poller, ReportsAReadyFileDescriptor) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  Poller p;
  size_t r = p.AddFd(fds[0]);
  ASSERT_TRUE(p.Wait(0).ok());
  EXPECT_FALSE(p.Ready(r));
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  ASSERT_TRUE(p.Wait(1000).ok());
  EXPECT_TRUE(p.Ready(r));
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace trace::wire
