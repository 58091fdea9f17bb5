// Token buckets with an explicit clock (no sleeps).
#include "common/http/rate_limit.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

TEST(RateLimiter, BurstThenRefill) {
  RateLimiter l(10, 5);  // 10/s, burst 5
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(l.Allow("a", 1000)) << i;
  EXPECT_FALSE(l.Allow("a", 1000));
  EXPECT_TRUE(l.Allow("b", 1000));   // per key
  EXPECT_FALSE(l.Allow("a", 1050));  // half a token
  EXPECT_TRUE(l.Allow("a", 1100));   // one token after 100 ms
  EXPECT_FALSE(l.Allow("a", 1100));
}

// A forgotten bucket and a fully refilled one answer alike by design, so the
// test asks each bucket again at the very millisecond it was drained (the
// clock passed in goes back): a remembered bucket has refilled nothing and
// refuses, a forgotten one starts again with its full burst.
TEST(RateLimiter, IdleBucketsAreForgottenActiveOnesKept) {
  RateLimiter l(10, 5);  // 10/s, burst 5: empty to full in 500 ms
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(l.Allow("idle", 0));
  ASSERT_FALSE(l.Allow("idle", 0));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(l.Allow("active", 1400));
  ASSERT_FALSE(l.Allow("active", 1400));
  // This call sweeps: "idle" has been idle 1.6 s, longer than a full refill
  // plus the sweep's 1 s slack; "active" only 0.2 s.
  EXPECT_TRUE(l.Allow("other", 1600));

  for (int i = 0; i < 5; ++i) EXPECT_TRUE(l.Allow("idle", 0)) << "forgotten: a fresh burst " << i;
  EXPECT_FALSE(l.Allow("idle", 0));
  EXPECT_FALSE(l.Allow("active", 1400)) << "kept: still empty";
}

TEST(RateLimiter, DisabledAllowsAll) {
  RateLimiter l(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(l.Allow("a", 0));
}

}  // namespace
}  // namespace trace
