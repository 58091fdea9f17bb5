// Query parameter validation names the parameter.
#include "common/http/api_params.h"

#include <gtest/gtest.h>

namespace trace::api {
namespace {

http::Request WithQuery(http::Params q) {
  http::Request r;
  r.query = std::move(q);
  return r;
}

TEST(UintParam, AcceptsRangeRejectsGarbage) {
  uint64_t v = 100;
  EXPECT_FALSE(UintParam(WithQuery({}), "limit", 1, 1000, &v));
  EXPECT_EQ(v, 100u);
  EXPECT_FALSE(UintParam(WithQuery({{"limit", "1000"}}), "limit", 1, 1000, &v));
  EXPECT_EQ(v, 1000u);
  for (const char* bad : {"0", "1001", "-1", "1e3", "abc", "", "99999999999999999999999", " 5"}) {
    auto r = UintParam(WithQuery({{"limit", bad}}), "limit", 1, 1000, &v);
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("limit must be"), std::string::npos);
  }
}

TEST(TimeParam, MsOrRfc3339) {
  std::optional<int64_t> t;
  EXPECT_FALSE(TimeParam(WithQuery({{"from", "1700000000000"}}), "from", &t));
  EXPECT_EQ(t, 1700000000000);
  EXPECT_FALSE(TimeParam(WithQuery({{"from", "2026-02-12T16:02:25.284Z"}}), "from", &t));
  EXPECT_EQ(t, 1770912145284);
  auto r = TimeParam(WithQuery({{"to", "yesterday"}}), "to", &t);
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("\"to must be"), std::string::npos);
}

}  // namespace
}  // namespace trace::api
