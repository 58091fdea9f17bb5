// Token buckets with an explicit clock (no sleeps).
#include "common/http/rate_limit.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

TEST(RateLimiter, BurstThenRefill) {
  RateLimiter l(10, 5);  // 10/s, burst 5
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(l.Allow("a", 1000)) << i;
  EXPECT_FALSE(l.Allow("a", 1000));
  EXPECT_TRUE(l.Allow("b", 1000));  // per key
  EXPECT_FALSE(l.Allow("a", 1050)); // half a token
  EXPECT_TRUE(l.Allow("a", 1100));  // one token after 100 ms
  EXPECT_FALSE(l.Allow("a", 1100));
}

TEST(RateLimiter, DisabledAllowsAll) {
  RateLimiter l(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(l.Allow("a", 0));
}

}  // namespace
}  // namespace trace
