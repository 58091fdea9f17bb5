// The Host, Origin and Content-Type policies on the spellings browsers,
// curl and attackers send.
#include "common/http/request_policy.h"

#include <gtest/gtest.h>

namespace trace::http {
namespace {

TEST(RequestPolicy, LoopbackHostsWithAnyPortAreAllowed) {
  for (const char* host :
       {"localhost", "localhost:8080", "LocalHost:1", "127.0.0.1", "127.0.0.1:80",
        "127.255.3.4:65535", "[::1]", "[::1]:8080", " 127.0.0.1:9 "}) {
    EXPECT_TRUE(HostAllowed(host, {})) << host;
  }
}

TEST(RequestPolicy, OtherHostsAreNotUnlessNamed) {
  for (const char* host : {"",
                           "evil.example",
                           "evil.example:8080",
                           "localhost.evil.example",
                           "127.0.0.1.evil.example",
                           "128.0.0.1",
                           "127.0.0",
                           "127.0.0.1.5",
                           "127.0.0.256",
                           "127.0.0.1:",
                           "127.0.0.1:80x",
                           "127.0.0.1:123456",
                           "::1",
                           "[::1",
                           "[::1]x",
                           "[::2]:80",
                           "0.0.0.0",
                           "10.0.0.5:8080",
                           "localhost:8080:1",
                           ":8080"}) {
    EXPECT_FALSE(HostAllowed(host, {})) << host;
  }
  std::vector<std::string> allowed = {"Trace.Example", "box:8443"};
  EXPECT_TRUE(HostAllowed("trace.example", allowed));
  EXPECT_TRUE(HostAllowed("trace.example:8080", allowed));
  EXPECT_TRUE(HostAllowed("box:8443", allowed));
  EXPECT_FALSE(HostAllowed("box:8080", allowed));
  EXPECT_FALSE(HostAllowed("other.example", allowed));
}

TEST(RequestPolicy, LocalOriginsAreLoopbackSchemeAndHostOnly) {
  for (const char* o : {"http://localhost", "http://localhost:5173", "https://127.0.0.1:3000",
                        "http://127.8.9.10", "http://[::1]:8080"}) {
    EXPECT_TRUE(IsLocalOrigin(o)) << o;
  }
  for (const char* o : {"", "null", "https://evil.example", "http://localhost.evil.example",
                        "http://localhost:", "http://localhost:80/x", "ftp://localhost",
                        "http://127.0.0.1@evil.example", "file://"}) {
    EXPECT_FALSE(IsLocalOrigin(o)) << o;
  }
}

TEST(RequestPolicy, JsonMediaTypeWithParameters) {
  for (const char* t : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                        " application/json ;charset=UTF-8"}) {
    EXPECT_TRUE(IsJsonMediaType(t)) << t;
  }
  for (const char* t :
       {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
        "application/jsonx", "application/json-seq", "text/json"}) {
    EXPECT_FALSE(IsJsonMediaType(t)) << t;
  }
}

// JSON everywhere; protobuf and gzip only on the OTLP receivers; a bodiless
// request is never refused for its type.
TEST(RequestPolicy, BodyTypesAndEncodingsPerPath) {
  EXPECT_EQ(UnsupportedBody("/api/events", "application/json; charset=utf-8", "", true), "");
  EXPECT_EQ(UnsupportedBody("/v1/logs", "application/x-protobuf", "gzip", true), "");
  EXPECT_EQ(UnsupportedBody("/v1/metrics", "Application/JSON", " GZIP ", true), "");
  EXPECT_EQ(UnsupportedBody("/v1/logs", "application/json", "identity", true), "");
  EXPECT_EQ(UnsupportedBody("/api/hooks", "text/plain", "", false), "");
  EXPECT_NE(UnsupportedBody("/api/events", "application/x-protobuf", "", true), "");
  EXPECT_NE(UnsupportedBody("/api/hooks", "application/json", "gzip", true), "");
  EXPECT_NE(UnsupportedBody("/v1/logs", "application/json", "br", true), "");
  EXPECT_NE(UnsupportedBody("/v1/logs", "text/plain", "", true), "");
  EXPECT_NE(UnsupportedBody("/v1/logs", "", "", true), "");
  EXPECT_NE(UnsupportedBody("/v1/logs", "application/x-protobufx", "", true), "");
  EXPECT_TRUE(IsGzipEncoding("gzip"));
  EXPECT_FALSE(IsGzipEncoding("x-gzip, br"));
  EXPECT_TRUE(IsOtlpPath("/v1/logs"));
  EXPECT_FALSE(IsOtlpPath("/v1"));
  EXPECT_FALSE(IsOtlpPath("/api/v1/logs"));
}

// trace-gateway refuses to listen on these without a token.
TEST(RequestPolicy, ListenHostsOnlyThisMachineReaches) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackListenHost(h)) << h;
  }
  for (const char* h : {"", "0.0.0.0", "::", "192.0.2.1", "10.0.0.1", "128.0.0.1", "127.0.0",
                        "localhost.example.com", "::2", "127.0.0.1 "}) {
    EXPECT_FALSE(IsLoopbackListenHost(h)) << h;
  }
}

}  // namespace
}  // namespace trace::http
