// The SSE hub over real socketpairs: ordered delivery, filters, a stalled
// client dropped without holding back the others, and resume buffering.
#include "common/gateway/sse_hub.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace trace {
namespace {

LiveEventPtr Event(uint64_t seq, std::string session) {
  std::string json = "{\"span_id\":\"s" + std::to_string(seq) +
                     "\",\"kind\":\"hook\",\"event_type\":\"PreToolUse\",\"session_id\":\"" +
                     session + "\",\"seq\":" + std::to_string(seq) + "}";
  Result<LiveEventPtr> e = MakeLiveEvent(json);
  EXPECT_TRUE(e.ok()) << e.status().message();
  return *e;
}

struct Pair {
  int hub_end = -1, client_end = -1;
};

Pair Connect(SseHub& hub, http::StreamFilter filter, uint64_t last = 0,
             SseHub::PendingPtr pending = nullptr) {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  EXPECT_TRUE(hub.Reserve());
  hub.Attach(fds[0], std::move(filter), last, std::move(pending));
  return {fds[0], fds[1]};
}

// Reads until `ids` trace frames arrived or EOF/timeout; returns their ids.
std::vector<uint64_t> ReadIds(int fd, size_t want, bool until_eof = false) {
  std::string buf;
  std::vector<uint64_t> ids;
  while (until_eof || ids.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    size_t pos;
    while ((pos = buf.find("\n\n")) != std::string::npos) {
      std::string frame = buf.substr(0, pos);
      buf.erase(0, pos + 2);
      size_t id = frame.find("\nid: ");
      if (frame.rfind("event: trace", 0) == 0 && id != std::string::npos) {
        ids.push_back(std::stoull(frame.substr(id + 5)));
      }
    }
  }
  return ids;
}

SseHub::Options SmallHub() {
  SseHub::Options o;
  o.max_clients = 4;
  o.max_queue = 8;
  o.heartbeat_ms = 0;
  return o;
}

TEST(SseHub, DeliversInOrderWithFilters) {
  SseHub hub(SmallHub());
  ASSERT_TRUE(hub.Start().ok());
  Pair all = Connect(hub, {});
  Pair only_b = Connect(hub, {"b", "", "", ""});
  for (uint64_t s = 1; s <= 6; ++s) hub.Publish(Event(s, s % 2 ? "a" : "b"));
  EXPECT_EQ(ReadIds(all.client_end, 6), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(ReadIds(only_b.client_end, 3), (std::vector<uint64_t>{2, 4, 6}));
  EXPECT_EQ(hub.GetStats().by_session.at("b"), 1u);
  hub.Stop();
  EXPECT_TRUE(ReadIds(all.client_end, 0, true).empty());  // clean EOF after Stop
  close(all.client_end);
  close(only_b.client_end);
}

TEST(SseHub, CapRefusesReservations) {
  SseHub hub(SmallHub());
  ASSERT_TRUE(hub.Start().ok());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(hub.Reserve());
  EXPECT_FALSE(hub.Reserve());
  hub.Unreserve();
  EXPECT_TRUE(hub.Reserve());
  for (int i = 0; i < 4; ++i) hub.Unreserve();
}

TEST(SseHub, StalledClientIsDroppedOthersKeepReceiving) {
  SseHub hub(SmallHub());
  ASSERT_TRUE(hub.Start().ok());
  Pair stalled = Connect(hub, {});
  int small = 4096;
  setsockopt(stalled.hub_end, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  Pair reader = Connect(hub, {});
  const uint64_t kEvents = 2000;
  std::vector<uint64_t> got;
  for (uint64_t s = 1; s <= kEvents; ++s) {
    hub.Publish(Event(s, "a"));
    if (s % 4 == 0) {  // a live reader keeps up
      auto ids = ReadIds(reader.client_end, 4);
      got.insert(got.end(), ids.begin(), ids.end());
    }
  }
  ASSERT_EQ(got.size(), kEvents);
  EXPECT_EQ(got.back(), kEvents);
  std::vector<uint64_t> stalled_ids = ReadIds(stalled.client_end, 0, /*until_eof=*/true);
  EXPECT_LT(stalled_ids.size(), kEvents);  // it was cut off (EOF), in order up to there
  for (size_t i = 0; i < stalled_ids.size(); ++i) EXPECT_EQ(stalled_ids[i], i + 1);
  EXPECT_EQ(hub.GetStats().dropped_slow, 1u);
  close(stalled.client_end);
  close(reader.client_end);
}

TEST(SseHub, ResumeBufferHasNoGapNoDuplicate) {
  SseHub hub(SmallHub());
  ASSERT_TRUE(hub.Start().ok());
  SseHub::PendingPtr pending = hub.StartBuffering({});
  for (uint64_t s = 1; s <= 5; ++s) hub.Publish(Event(s, "a"));  // live during "replay"
  EXPECT_FALSE(hub.Overflowed(pending));
  Pair c = Connect(hub, {}, /*last=*/3, pending);  // replay delivered 1..3
  hub.Publish(Event(5, "a"));                       // a duplicate from the feed
  hub.Publish(Event(6, "a"));
  EXPECT_EQ(ReadIds(c.client_end, 3), (std::vector<uint64_t>{4, 5, 6}));
  close(c.client_end);
}

TEST(SseHub, ResumeBufferOverflowIsReported) {
  SseHub::Options o = SmallHub();
  o.max_pending = 3;
  SseHub hub(o);
  ASSERT_TRUE(hub.Start().ok());
  SseHub::PendingPtr pending = hub.StartBuffering({});
  for (uint64_t s = 1; s <= 4; ++s) hub.Publish(Event(s, "a"));
  EXPECT_TRUE(hub.Overflowed(pending));
  hub.CancelBuffering(pending);
}

}  // namespace
}  // namespace trace
