// The connection loop on real loopback sockets with one worker: idle and slow
// connections never hold it, a body made part by part arrives whole, the
// timeouts and the connection cap hold, pipelined requests are answered in order.
#include "common/http/connection_loop.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace trace::http {
namespace {

Reply Ok(std::string body) {
  Reply r;
  r.head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r.body = std::move(body);
  return r;
}

class LoopTest : public ::testing::Test {
 protected:
  void Start(LoopOptions o = {}) {
    o.port = 0;
    o.workers = 1;
    loop_ = std::make_unique<ConnectionLoop>(
        o,
        [this](RawRequest& req, const std::string&, int) {
          handled_++;
          if (req.target == "/big") return Ok(std::string(8 << 20, 'b'));
          if (req.target == "/parts") {
            auto n = std::make_shared<int>(0);
            Reply r;
            r.head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
            r.body = "part0;";
            r.close = true;
            r.more = [n](std::string* out, bool*) {
              *out = "part" + std::to_string(++*n) + ";";
              return *n < 3;
            };
            return r;
          }
          return Ok("target " + req.target);
        },
        [](int status, std::string_view) {
          Reply r;
          r.head = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n";
          r.close = true;
          return r;
        });
    ASSERT_TRUE(loop_->Start().ok());
  }
  void TearDown() override {
    for (int fd : fds_) close(fd);  // first: Stop waits for responses being written
    if (loop_) loop_->Stop();
  }

  int Connect(int rcvbuf = 0) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(loop_->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    fds_.push_back(fd);
    return fd;
  }
  static void Send(int fd, std::string_view s) {
    ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
  }
  // Reads until text holds want, or the close / 5 s timeout.
  static std::string ReadUntil(int fd, std::string_view want) {
    std::string text;
    char buf[65536];
    while (text.find(want) == std::string::npos) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    return text;
  }
  static std::string Get(std::string_view target) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }

  std::unique_ptr<ConnectionLoop> loop_;
  std::vector<int> fds_;
  std::atomic<int> handled_{0};
};

TEST_F(LoopTest, IdleAndSlowConnectionsHoldNoWorker) {
  Start();
  for (int i = 0; i < 50; ++i) {  // keep-alive connections, idle after one request
    int fd = Connect();
    Send(fd, Get("/idle"));
    ASSERT_NE(ReadUntil(fd, "target /idle").find("target /idle"), std::string::npos);
  }
  for (int i = 0; i < 50; ++i) Send(Connect(), "GET /drip HTTP/1.1\r\nHo");  // heads never end
  int slow = Connect(4096);
  Send(slow, Get("/big"));  // 8 MB that nobody reads
  int fd = Connect();
  Send(fd, Get("/ok"));
  EXPECT_NE(ReadUntil(fd, "target /ok").find("target /ok"), std::string::npos);
  EXPECT_EQ(loop_->stats().open, 102u);
}

TEST_F(LoopTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  int fd = Connect();
  Send(fd, Get("/a") + Get("/b") + Get("/c"));
  std::string text = ReadUntil(fd, "target /c");
  size_t a = text.find("target /a"), b = text.find("target /b"), c = text.find("target /c");
  ASSERT_NE(c, std::string::npos) << text;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(LoopTest, ABodyMadeInPartsArrivesWholeAndInOrder) {
  Start();
  int fd = Connect();
  Send(fd, Get("/parts"));
  std::string text = ReadUntil(fd, "never");  // until the close
  EXPECT_NE(text.find("\r\n\r\npart0;part1;part2;part3;"), std::string::npos) << text;
}

TEST_F(LoopTest, StalledHeadsAndHalfRequestsAreRefused) {
  LoopOptions o;
  o.header_timeout_ms = 200;
  Start(o);
  int stalled = Connect();
  Send(stalled, "GET / HTTP/1.1\r\n");
  EXPECT_EQ(ReadUntil(stalled, "\r\n\r\n").substr(0, 12), "HTTP/1.1 408");
  int half = Connect();
  Send(half, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  shutdown(half, SHUT_WR);
  EXPECT_EQ(ReadUntil(half, "\r\n\r\n").substr(0, 12), "HTTP/1.1 400");
  int bad = Connect();
  Send(bad, "GET / HTTP/3.0\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ReadUntil(bad, "\r\n\r\n").substr(0, 12), "HTTP/1.1 505");
  EXPECT_EQ(handled_.load(), 0);  // none reached the handler
}

TEST_F(LoopTest, ConnectionsBeyondTheCapAreClosed) {
  LoopOptions o;
  o.max_connections = 2;
  Start(o);
  int a = Connect(), b = Connect();
  Send(a, Get("/a"));
  Send(b, Get("/b"));
  ReadUntil(a, "target /a");
  ReadUntil(b, "target /b");
  int c = Connect();
  char byte;
  EXPECT_LE(recv(c, &byte, 1, 0), 0);  // closed at accept
  EXPECT_EQ(loop_->stats().refused, 1u);
}

}  // namespace
}  // namespace trace::http
