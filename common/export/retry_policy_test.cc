// OTLP's retry rules and the backoff, on a clock the test moves by hand.
#include "common/export/retry_policy.h"

#include <gtest/gtest.h>

namespace trace::exporter {
namespace {

TEST(ClassifyTest, FollowsOtlpHttp) {
  for (int s : {200, 201, 204, 299}) EXPECT_EQ(Classify(s), Outcome::kAccepted) << s;
  for (int s : {0, 429, 502, 503, 504}) EXPECT_EQ(Classify(s), Outcome::kRetry) << s;
  for (int s : {100, 301, 400, 401, 403, 404, 413, 415, 500, 501, 505})
    EXPECT_EQ(Classify(s), Outcome::kRejected) << s;
}

TEST(RetryAfterTest, SecondsOrHttpDate) {
  const int64_t now = 784111777000;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfterMs("120", now), 120000);
  EXPECT_EQ(ParseRetryAfterMs(" 0 ", now), 0);
  EXPECT_EQ(ParseRetryAfterMs("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000);
  EXPECT_EQ(ParseRetryAfterMs("Sun, 06 Nov 1994 08:00:00 GMT", now), 0);  // past: now
  for (const char* bad : {"", "  ", "-1", "1.5", "soon", "12abc", "Sun, 06 Nov 1994 08:49:37",
                          "Sun, 06 Nov 1994 08:49:37 GMT junk"})
    EXPECT_FALSE(ParseRetryAfterMs(bad, now).has_value()) << bad;
  EXPECT_EQ(ParseRetryAfterMs("99999999999999999999", now), std::nullopt);  // overflow
}

class ScheduleTest : public ::testing::Test {
 protected:
  int64_t now_ = 1000;
  RetrySchedule schedule_{RetrySchedule::Options{100, 1000, 5000}, [this] { return now_; }};
};

TEST_F(ScheduleTest, DoublesUpToTheCapAndResets) {
  EXPECT_EQ(schedule_.WaitMs(), 0);
  for (int64_t want : {100, 200, 400, 800, 1000, 1000}) {
    schedule_.Failed();
    EXPECT_EQ(schedule_.WaitMs(), want);
    now_ += want / 2;
    EXPECT_EQ(schedule_.WaitMs(), want - want / 2);  // the clock counts down the wait
    now_ += want;
    EXPECT_EQ(schedule_.WaitMs(), 0);
  }
  EXPECT_EQ(schedule_.failures(), 6);
  schedule_.Succeeded();
  EXPECT_EQ(schedule_.WaitMs(), 0);
  schedule_.Failed();
  EXPECT_EQ(schedule_.WaitMs(), 100);  // back to the first step
}

TEST_F(ScheduleTest, RetryAfterWinsButIsCapped) {
  schedule_.Failed(3000);
  EXPECT_EQ(schedule_.WaitMs(), 3000);  // above the backoff cap: the collector said so
  schedule_.Failed(86400000);
  EXPECT_EQ(schedule_.WaitMs(), 5000);  // a day is not honoured
  schedule_.Failed(0);
  EXPECT_EQ(schedule_.WaitMs(), 0);
}

TEST_F(ScheduleTest, ManyFailuresDoNotOverflow) {
  for (int i = 0; i < 200; ++i) schedule_.Failed();
  EXPECT_EQ(schedule_.WaitMs(), 1000);
}

}  // namespace
}  // namespace trace::exporter
