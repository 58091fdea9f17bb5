// Request-target parsing on hostile input, and the JSON error shape.
#include "common/http/http_message.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>

namespace trace::http {
namespace {

TEST(ParseTarget, SplitsAndDecodes) {
  std::string path;
  Params q;
  ASSERT_TRUE(
      ParseTarget("/api/traces/a%20b?session_id=x%2Fy&limit=5&flag&tool=Bash+Run", &path, &q).ok());
  EXPECT_EQ(path, "/api/traces/a b");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"session_id", "x/y"}));
  EXPECT_EQ(q[1].second, "5");
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[3].second, "Bash Run");
}

TEST(ParseTarget, NormalizesThePathOnce) {
  struct Case {
    const char* target;
    const char* path;
  } cases[] = {
      {"/", "/"},
      {"//", "/"},
      {"//api/sessions", "/api/sessions"},
      {"/api//sessions", "/api/sessions"},
      {"/api/sessions/", "/api/sessions"},
      {"/metrics/", "/metrics"},
      {"///metrics//", "/metrics"},
      {"/./api/./stream", "/api/stream"},
      {"/x/../api/sessions", "/api/sessions"},
      {"/../../api/tools", "/api/tools"},  // never above the root
      {"/api/traces/..", "/api"},
      {"/%2Fapi/sessions", "/api/sessions"},  // decoded first: one spelling whatever the escapes
      {"/api/%2e%2e/api/%2E/tools", "/api/tools"},
      {"/health/?x=1", "/health"},
      {"/api/traces/a..b/.c", "/api/traces/a..b/.c"},
  };
  for (const Case& c : cases) {
    std::string path;
    Params q;
    ASSERT_TRUE(ParseTarget(c.target, &path, &q).ok()) << c.target;
    EXPECT_EQ(path, c.path) << c.target;
  }
  EXPECT_EQ(NormalizePath(""), "/");
  EXPECT_EQ(NormalizePath("a/b"), "/a/b");
}

TEST(ParseTarget, RejectsHostileTargets) {
  std::string path;
  Params q;
  for (const char* bad :
       {"", "api", "/a%", "/a%2", "/a%zz", "/a?x=%G1", "/a%00b", "/a\x01", "http://evil/", "/?%"}) {
    EXPECT_FALSE(ParseTarget(bad, &path, &q).ok()) << bad;
  }
}

// Random targets built from the bytes the parser treats specially. The
// contract: a target starting with '/' fails only on a bad escape (so only
// when it has a '%'), and every success is a decoded path that still starts
// with '/' and holds no NUL byte, nor does any query parameter.
TEST(ParseTarget, RandomBytesFailOnlyOnBadEscapesAndSucceedWellFormed) {
  std::mt19937 rng(42);
  std::string path;
  Params q;
  int parsed = 0, failed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = "/";
    int n = rng() % 40;
    static constexpr std::string_view kBytes = "%?&=+/a0F#\x80\xff";
    for (int j = 0; j < n; ++j) s.push_back(kBytes[rng() % kBytes.size()]);
    Status st = ParseTarget(s, &path, &q);
    if (!st.ok()) {
      ++failed;
      EXPECT_NE(s.find('%'), std::string::npos) << s << ": " << st.message();
      EXPECT_FALSE(st.message().empty()) << s;
      continue;
    }
    ++parsed;
    ASSERT_FALSE(path.empty()) << s;
    EXPECT_EQ(path[0], '/') << s;
    EXPECT_EQ(path.find('\0'), std::string::npos) << s;
    // Normalized once (the token check and the router see the same path): no
    // empty, "." or ".." segment, no trailing slash but the root's.
    EXPECT_EQ(path.find("//"), std::string::npos) << s;
    EXPECT_TRUE(path == "/" || path.back() != '/') << s;
    std::string segments = path + "/";
    EXPECT_EQ(segments.find("/./"), std::string::npos) << s;
    EXPECT_EQ(segments.find("/../"), std::string::npos) << s;
    if (s.find('%') == std::string::npos && s.find("//") == std::string::npos &&
        s.find_first_of("?#") == std::string::npos && s.back() != '/') {
      EXPECT_EQ(path, s) << s;  // nothing to decode or normalize: the raw path
    }
    for (const auto& [key, value] : q) {
      EXPECT_EQ(key.find('\0'), std::string::npos) << s;
      EXPECT_EQ(value.find('\0'), std::string::npos) << s;
    }
  }
  // The generator reaches both outcomes, so the checks above ran.
  EXPECT_GT(parsed, 1000);
  EXPECT_GT(failed, 1000);
}

TEST(Error, HasCodeAndMessage) {
  Response r = Error(404, "not_found", "no route for /x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no route for /x"}})");
}

}  // namespace
}  // namespace trace::http
