// The HTTP client against a real loopback server (ConnectionLoop): what is
// sent arrives, status, body and headers come back, a keep-alive connection
// is reused and a closed one reopened, an absent server is an error; URL
// parsing refuses what it cannot serve.
#include "common/http/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "common/http/connection_loop.h"

namespace trace::http {
namespace {

TEST(ParseUrlTest, SplitsHostPortAndPath) {
  auto u = ParseUrl("http://collector.local:4318/v1/logs");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "collector.local");
  EXPECT_EQ(u->port, 4318);
  EXPECT_EQ(u->path, "/v1/logs");
  auto bare = ParseUrl("http://127.0.0.1");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->path, "/");
  auto v6 = ParseUrl("http://[::1]:8080?x=1");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_EQ(v6->path, "/?x=1");
}

TEST(ParseUrlTest, RefusesWhatItCannotServe) {
  for (const char* bad :
       {"", "ftp://x", "https://x/v1/logs", "http://", "http://:80/", "http://x:0/",
        "http://x:65536", "http://x:8a/", "http://[::1/", "http://[::1]x/", "http://u:p@x/",
        "http://x/a b", "http://x/\r\nHost: y"}) {
    auto u = ParseUrl(bad);
    EXPECT_FALSE(u.ok()) << bad;
  }
  EXPECT_NE(ParseUrl("https://x").status().message().find("https is not supported"),
            std::string::npos);
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoopOptions o;
    o.workers = 1;
    loop_ = std::make_unique<ConnectionLoop>(
        o,
        [this](RawRequest& req, const std::string&, int) {
          std::lock_guard lock(mu_);
          ++requests_;
          last_ = req;
          Reply r;
          std::string body = "got " + std::to_string(req.body.size());
          r.head = "HTTP/1.1 " + std::string(req.target == "/busy" ? "503 Busy" : "200 OK") +
                   "\r\nRetry-After: 7\r\nContent-Length: " + std::to_string(body.size()) +
                   (req.target == "/close" ? "\r\nConnection: close" : "") + "\r\n\r\n";
          r.body = body;
          r.close = req.target == "/close";
          return r;
        },
        [](int status, std::string_view) {
          Reply r;
          r.head = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n";
          r.close = true;
          return r;
        });
    ASSERT_TRUE(loop_->Start().ok());
  }
  void TearDown() override { loop_->Stop(); }

  HttpClient Client(const std::string& path) {
    HttpClient::Options o;
    o.url.host = "127.0.0.1";
    o.url.port = loop_->port();
    o.url.path = path;
    o.timeout_ms = 5000;
    o.headers = {{"Authorization", "Bearer s3cret"}};
    return HttpClient(o);
  }

  std::unique_ptr<ConnectionLoop> loop_;
  std::mutex mu_;
  int requests_ = 0;
  RawRequest last_;
};

TEST_F(ClientTest, PostsBodyAndHeadersAndReadsTheAnswer) {
  HttpClient c = Client("/v1/logs");
  std::string body(100000, 'x');
  auto r = c.Post("application/x-protobuf", body);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got 100000");
  EXPECT_EQ(r->Header("retry-after"), "7");
  EXPECT_EQ(r->Header("X-Absent"), "");
  std::lock_guard lock(mu_);
  EXPECT_EQ(last_.method, "POST");
  EXPECT_EQ(last_.target, "/v1/logs");
  EXPECT_EQ(last_.body, body);
  EXPECT_EQ(last_.Header("authorization"), "Bearer s3cret");
  EXPECT_EQ(last_.Header("content-type"), "application/x-protobuf");
}

TEST_F(ClientTest, AnyStatusIsAResponse) {
  HttpClient c = Client("/busy");
  auto r = c.Post("application/json", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 503);
}

TEST_F(ClientTest, ReusesAndReopensConnections) {
  HttpClient keep = Client("/a");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(keep.Post("application/json", "{}").ok());
  HttpClient closing = Client("/close");
  for (int i = 0; i < 3; ++i) {
    auto r = closing.Post("application/json", "{}");
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  EXPECT_EQ(loop_->stats().accepted, 1u + 3u);
}

TEST(ClientNoServerTest, ConnectionRefusedIsAnError) {
  HttpClient::Options o;
  o.url.host = "127.0.0.1";
  o.url.port = 1;  // nothing listens on tcpmux
  o.timeout_ms = 2000;
  HttpClient c(o);
  auto r = c.Post("application/json", "{}");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace trace::http
