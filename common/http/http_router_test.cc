// Routing: captures, 404 vs 405, HEAD as GET.
#include "common/http/http_router.h"

#include <gtest/gtest.h>

namespace trace::http {
namespace {

Router MakeRouter() {
  Router r;
  auto ok = [](const Request&) { return Json("{}"); };
  r.Add("GET", "/api/tasks/{id}", ok);
  r.Add("GET", "/api/tasks/{id}/tree", ok);
  r.Add("GET", "/api/stream", ok);
  r.Add("POST", "/api/stream", ok);
  r.Add("POST", "/api/events", ok);
  return r;
}

TEST(Router, CapturesSegments) {
  Router r = MakeRouter();
  Router::Match m = r.Find("GET", "/api/tasks/T-1/tree");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.pattern, "/api/tasks/{id}/tree");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "T-1");
}

TEST(Router, NotFoundAndMethodNotAllowed) {
  Router r = MakeRouter();
  EXPECT_EQ(r.Find("GET", "/api/nope").status, 404);
  EXPECT_EQ(r.Find("GET", "/api/tasks").status, 404);
  EXPECT_EQ(r.Find("GET", "/api/tasks/a/b/c").status, 404);
  Router::Match m = r.Find("GET", "/api/events");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "POST");
  m = r.Find("DELETE", "/api/stream");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET, POST");
  EXPECT_EQ(r.Find("HEAD", "/api/stream").status, 200);
}

}  // namespace
}  // namespace trace::http
