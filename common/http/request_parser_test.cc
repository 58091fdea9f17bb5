// The request parser on whole, split, pipelined and hostile requests: only a
// complete, unambiguous request is ever kDone.
#include "common/http/request_parser.h"

#include <gtest/gtest.h>

namespace trace::http {
namespace {

using State = RequestParser::State;

ParseLimits Small() {
  ParseLimits l;
  l.max_request_line = 100;
  l.max_header_bytes = 400;
  l.max_headers = 5;
  l.max_body = 50;
  return l;
}

// Feeds all of text; returns the final state (after kHeadDone, feeds on).
State FeedAll(RequestParser* p, std::string_view text, size_t* used = nullptr) {
  size_t total = 0;
  while (true) {
    total += p->Feed(text.substr(total));
    if (p->state() != State::kHeadDone) break;
  }
  if (used) *used = total;
  return p->state();
}

int ErrorOf(std::string_view text, ParseLimits limits = Small()) {
  RequestParser p(limits);
  return FeedAll(&p, text) == State::kError ? p.error_status() : 0;
}

TEST(RequestParser, ParsesAGetWithHeaders) {
  RequestParser p(Small());
  EXPECT_EQ(FeedAll(&p, "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Thing:  v v \r\n\r\n"), State::kDone);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().target, "/a?b=1");
  EXPECT_EQ(p.request().Header("x-thing"), "v v");
  EXPECT_EQ(p.request().Header("host"), "x");
  EXPECT_TRUE(p.request().keep_alive);
}

TEST(RequestParser, ByteByByteEqualsWhole) {
  std::string text = "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
  RequestParser p(Small());
  for (size_t i = 0; i < text.size(); ++i) {
    ASSERT_NE(p.state(), State::kDone) << "done early at byte " << i;
    ASSERT_EQ(p.Feed(std::string_view(text).substr(i, 1)), 1u) << i;
  }
  EXPECT_EQ(p.state(), State::kDone);
  EXPECT_EQ(p.request().body, "hello");
}

TEST(RequestParser, StopsAtTheEndOfOneRequest) {
  std::string two = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n";
  RequestParser p(Small());
  size_t used = 0;
  EXPECT_EQ(FeedAll(&p, two, &used), State::kDone);
  EXPECT_EQ(p.request().target, "/1");
  p.Reset();
  EXPECT_EQ(FeedAll(&p, std::string_view(two).substr(used)), State::kDone);
  EXPECT_EQ(p.request().target, "/2");
}

TEST(RequestParser, AShortBodyIsNeverComplete) {
  RequestParser p(Small());
  EXPECT_EQ(FeedAll(&p, "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"),
            State::kNeedMore);
  EXPECT_TRUE(p.in_body());
}

TEST(RequestParser, DechunksAndNeedsTheLastChunk) {
  std::string chunked =
      "POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;ext=1\r\nabc\r\n2\r\nde\r\n";
  RequestParser p(Small());
  EXPECT_EQ(FeedAll(&p, chunked), State::kNeedMore);  // no final 0 chunk yet
  EXPECT_EQ(FeedAll(&p, "0\r\nX-Trailer: y\r\n\r\n"), State::kDone);
  EXPECT_EQ(p.request().body, "abcde");
}

TEST(RequestParser, FramingThatTwoReadersCouldDisagreeOnIs400) {
  EXPECT_EQ(
      ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
      400);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            501);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\n\r\n"), 400);  // HTTP/1.1 needs Host
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n"), 400);
  // The same length twice is one length.
  RequestParser p(Small());
  EXPECT_EQ(FeedAll(&p,
                    "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                    "Content-Length: 2\r\n\r\nok"),
            State::kDone);
}

TEST(RequestParser, BadChunksAre400) {
  std::string head = "POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(ErrorOf(head + "zz\r\n"), 400);
  EXPECT_EQ(ErrorOf(head + "3\r\nabcd\r\n"), 400);
  EXPECT_EQ(ErrorOf(head + "3\nabc\r\n"), 400);
  EXPECT_EQ(ErrorOf(head + "ffffffffffffffffff\r\n"), 400);
}

TEST(RequestParser, VersionsAndRequestLines) {
  EXPECT_EQ(ErrorOf("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.2\r\nHost: x\r\n\r\n"), 505);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.x\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET / FOO/1.1\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("GET /\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  RequestParser p(Small());
  EXPECT_EQ(FeedAll(&p, "GET / HTTP/1.0\r\n\r\n"), State::kDone);  // 1.0 needs no Host
  EXPECT_FALSE(p.request().keep_alive);
  p.Reset();
  EXPECT_EQ(FeedAll(&p, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), State::kDone);
  EXPECT_TRUE(p.request().keep_alive);
  p.Reset();
  EXPECT_EQ(FeedAll(&p, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n"), State::kDone);
  EXPECT_FALSE(p.request().keep_alive);
}

TEST(RequestParser, SizeLimitsHaveTheirStatus) {
  EXPECT_EQ(ErrorOf("GET /" + std::string(200, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414);
  // Known long before the line ends: no need to wait for the CRLF.
  EXPECT_EQ(ErrorOf("GET /" + std::string(200, 'a')), 414);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(500, 'a')), 431);
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (char c : std::string_view("abcdef")) many.append("X").append(1, c).append(": y\r\n");
  EXPECT_EQ(ErrorOf(many + "\r\n"), 431);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 51\r\n\r\n"), 413);
  EXPECT_EQ(ErrorOf("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"),
            400);
  std::string head = "POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(ErrorOf(head + "20\r\n" + std::string(32, 'a') + "\r\n20\r\n"), 413);
}

TEST(RequestParser, ExpectContinueStopsAfterTheHead) {
  RequestParser p(Small());
  std::string head =
      "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(p.Feed(head), head.size());
  EXPECT_EQ(p.state(), State::kHeadDone);
  EXPECT_TRUE(p.request().expect_continue);
  EXPECT_EQ(p.Feed("ok"), 2u);
  EXPECT_EQ(p.state(), State::kDone);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\n\r\n"), 417);
}

TEST(RequestParser, LeadingBlankLinesAreSkipped) {
  RequestParser p(Small());
  EXPECT_EQ(p.Feed("\r\n"), 2u);
  EXPECT_FALSE(p.started());
  EXPECT_EQ(FeedAll(&p, "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), State::kDone);
}

}  // namespace
}  // namespace trace::http
