// Unit tests of ProgressReporter: rates and ETA from samples over its
// window, and the log cadence (every few seconds behind, once on catching
// up, silent when there was nothing to do). Times are passed in by hand.
#include "common/progress/reporter.h"

#include <gtest/gtest.h>

namespace trace::progress {
namespace {

Progress At(uint64_t total, uint64_t left, uint64_t events) {
  Progress p;
  p.bytes_total = total;
  p.bytes_left = left;
  p.events = events;
  return p;
}

TEST(ProgressReporter, RatesAndEtaFromTheWindow) {
  ProgressReporter r({5000, 10000});
  r.Update(0, At(1000, 1000, 0));
  EXPECT_EQ(r.current().eta_s, -1);  // one sample: no rate yet
  r.Update(1000, At(1000, 900, 50));
  EXPECT_DOUBLE_EQ(r.current().bytes_per_s, 100);
  EXPECT_DOUBLE_EQ(r.current().events_per_s, 50);
  EXPECT_EQ(r.current().eta_s, 9);
  EXPECT_EQ(r.current().updated_ms, 1000);
  for (int64_t t = 2000; t <= 20000; t += 1000) r.Update(t, At(1000, 900, 50));  // stalled
  EXPECT_EQ(r.current().bytes_per_s, 0);  // the window forgot the progress
  EXPECT_EQ(r.current().eta_s, -1);
}

TEST(ProgressReporter, NewFilesDoNotMakeNegativeRates) {
  ProgressReporter r;
  r.Update(0, At(1000, 0, 10));
  r.Update(1000, At(5000, 4000, 10));  // a big file appeared
  EXPECT_EQ(r.current().bytes_per_s, 0);
  r.Update(2000, At(5000, 3000, 9));  // events never go backwards, but if they did
  EXPECT_EQ(r.current().events_per_s, 0);
  EXPECT_EQ(r.current().eta_s, 6);  // 1000 B over 2 s; 3000 B left
}

TEST(ProgressReporter, LogsEveryFewSecondsWhileBehindThenOnceCaughtUp) {
  ProgressReporter r({5000, 10000});
  r.Update(0, At(100, 0, 0));
  EXPECT_FALSE(r.LogDue(0));  // nothing to do: quiet
  r.Update(1000, At(100, 60, 0));
  EXPECT_TRUE(r.LogDue(1000));
  EXPECT_FALSE(r.LogDue(2000));
  EXPECT_FALSE(r.LogDue(5999));
  EXPECT_TRUE(r.LogDue(6000));
  r.Update(7000, At(100, 0, 0));
  EXPECT_TRUE(r.LogDue(7000));  // "caught up", once
  EXPECT_FALSE(r.LogDue(8000));
  EXPECT_FALSE(r.LogDue(60000));
}

}  // namespace
}  // namespace trace::progress
