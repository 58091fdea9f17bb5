// The SSE hub over real socketpairs: ordered delivery, filters, a stalled
// client dropped without holding back the others, and resume buffering.
// Setup that fails (a Result, a socket call) fails the test; nothing aborts.
#include "common/gateway/sse_hub.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

namespace trace {
namespace {

// A stored event as the feed hands it over. Helpers that can fail are void
// with ASSERTs, called through ASSERT_NO_FATAL_FAILURE: a failed Result or
// socket call fails the test instead of dereferencing an error or attaching
// a bad descriptor.
void MakeEvent(uint64_t seq, const std::string& session, LiveEventPtr* out) {
  std::string json = "{\"span_id\":\"s" + std::to_string(seq) +
                     "\",\"kind\":\"hook\",\"event_type\":\"PreToolUse\",\"session_id\":\"" +
                     session + "\",\"seq\":" + std::to_string(seq) + "}";
  Result<LiveEventPtr> e = MakeLiveEvent(json);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ASSERT_NE(*e, nullptr);
  *out = *e;
}

void Publish(SseHub& hub, uint64_t seq, const std::string& session) {
  LiveEventPtr e;
  ASSERT_NO_FATAL_FAILURE(MakeEvent(seq, session, &e));
  hub.Publish(std::move(e));
}

// A client connection: the hub owns hub_end once attached; the test owns
// (and closes) client_end.
struct Pair {
  int hub_end = -1, client_end = -1;
  Pair() = default;
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
  ~Pair() {
    if (client_end >= 0) close(client_end);
  }
};

void Connect(SseHub& hub, http::StreamFilter filter, Pair* out, uint64_t last = 0,
             SseHub::PendingPtr pending = nullptr) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0) << std::strerror(errno);
  out->client_end = fds[1];
  if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
    int err = errno;
    close(fds[0]);
    FAIL() << "fcntl: " << std::strerror(err);
  }
  if (!hub.Reserve()) {
    close(fds[0]);
    FAIL() << "no connection slot left";
  }
  hub.Attach(fds[0], std::move(filter), last, std::move(pending));
  out->hub_end = fds[0];
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
        uint64_t value = 0;
        const char* begin = frame.data() + id + 5;
        const char* end = frame.data() + frame.size();
        if (std::from_chars(begin, end, value).ec == std::errc()) {
          ids.push_back(value);
        } else {
          ADD_FAILURE() << "bad id in frame: " << frame;
        }
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

void Start(SseHub& hub) {
  Status started = hub.Start();
  ASSERT_TRUE(started.ok()) << started.message();
}

TEST(SseHub, DeliversInOrderWithFilters) {
  SseHub hub(SmallHub());
  ASSERT_NO_FATAL_FAILURE(Start(hub));
  Pair all, only_b;
  ASSERT_NO_FATAL_FAILURE(Connect(hub, {}, &all));
  ASSERT_NO_FATAL_FAILURE(Connect(hub, {"b", "", "", "", "", ""}, &only_b));
  for (uint64_t s = 1; s <= 6; ++s) ASSERT_NO_FATAL_FAILURE(Publish(hub, s, s % 2 ? "a" : "b"));
  EXPECT_EQ(ReadIds(all.client_end, 6), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(ReadIds(only_b.client_end, 3), (std::vector<uint64_t>{2, 4, 6}));
  SseHub::Stats stats = hub.GetStats();
  ASSERT_EQ(stats.by_session.count("b"), 1u);
  EXPECT_EQ(stats.by_session.at("b"), 1u);
  hub.Stop();
  EXPECT_TRUE(ReadIds(all.client_end, 0, true).empty());  // clean EOF after Stop
}

TEST(SseHub, CapRefusesReservations) {
  SseHub hub(SmallHub());
  ASSERT_NO_FATAL_FAILURE(Start(hub));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(hub.Reserve());
  EXPECT_FALSE(hub.Reserve());
  hub.Unreserve();
  EXPECT_TRUE(hub.Reserve());
  for (int i = 0; i < 4; ++i) hub.Unreserve();
}

TEST(SseHub, StalledClientIsDroppedOthersKeepReceiving) {
  SseHub hub(SmallHub());
  ASSERT_NO_FATAL_FAILURE(Start(hub));
  Pair stalled, reader;
  ASSERT_NO_FATAL_FAILURE(Connect(hub, {}, &stalled));
  int small = 4096;
  ASSERT_EQ(setsockopt(stalled.hub_end, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0)
      << std::strerror(errno);
  ASSERT_NO_FATAL_FAILURE(Connect(hub, {}, &reader));
  const uint64_t kEvents = 2000;
  std::vector<uint64_t> got;
  for (uint64_t s = 1; s <= kEvents; ++s) {
    ASSERT_NO_FATAL_FAILURE(Publish(hub, s, "a"));
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
}

TEST(SseHub, ResumeBufferHasNoGapNoDuplicate) {
  SseHub hub(SmallHub());
  ASSERT_NO_FATAL_FAILURE(Start(hub));
  SseHub::PendingPtr pending = hub.StartBuffering({});
  ASSERT_NE(pending, nullptr);
  for (uint64_t s = 1; s <= 5; ++s) {
    ASSERT_NO_FATAL_FAILURE(Publish(hub, s, "a"));  // live during "replay"
  }
  EXPECT_FALSE(hub.Overflowed(pending));
  Pair c;
  // The replay delivered 1..3; then the feed repeats 5 and goes on with 6.
  ASSERT_NO_FATAL_FAILURE(Connect(hub, {}, &c, /*last=*/3, pending));
  ASSERT_NO_FATAL_FAILURE(Publish(hub, 5, "a"));
  ASSERT_NO_FATAL_FAILURE(Publish(hub, 6, "a"));
  EXPECT_EQ(ReadIds(c.client_end, 3), (std::vector<uint64_t>{4, 5, 6}));
}

TEST(SseHub, ResumeBufferOverflowIsReported) {
  SseHub::Options o = SmallHub();
  o.max_pending = 3;
  SseHub hub(o);
  ASSERT_NO_FATAL_FAILURE(Start(hub));
  SseHub::PendingPtr pending = hub.StartBuffering({});
  ASSERT_NE(pending, nullptr);
  for (uint64_t s = 1; s <= 4; ++s) ASSERT_NO_FATAL_FAILURE(Publish(hub, s, "a"));
  EXPECT_TRUE(hub.Overflowed(pending));
  hub.CancelBuffering(pending);
}

}  // namespace
}  // namespace trace
