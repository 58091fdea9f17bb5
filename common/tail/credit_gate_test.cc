// Unit tests of trace-tail's flow-control gate: the start wait, the window
// of one index, the slowest of two, a grant for another tail instance, and
// an index that goes away. Time is passed in by hand; no sockets, no sleeps.
#include "common/tail/credit_gate.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

constexpr uint64_t kTail = 0x7a11, kEpoch = 0xe1;

wire::CreditGrant From(uint64_t index, uint64_t limit) { return {index, kTail, kEpoch, 0, limit}; }

CreditGate Gate(int64_t start_wait_ms = 1000) {
  CreditGate::Options o;
  o.grant_timeout_ms = 3000;
  o.start_wait_ms = start_wait_ms;
  return CreditGate(o, kTail, kEpoch, 0);
}

TEST(CreditGate, WaitsForAFirstGrantThenRunsFreeWithoutAnIndex) {
  CreditGate gate = Gate(1000);
  EXPECT_FALSE(gate.Open(0, 0));
  EXPECT_FALSE(gate.Open(0, 999));
  EXPECT_EQ(gate.MsUntilChange(400), 600);
  EXPECT_TRUE(gate.Open(0, 1000));  // no index attached: --stdout or a user's own SUB
  EXPECT_TRUE(gate.Open(1'000'000, 5000));
}

TEST(CreditGate, NoStartWaitOpensAtOnce) { EXPECT_TRUE(Gate(0).Open(0, 0)); }

TEST(CreditGate, PublishesUpToTheLimitAndResumesOnCredit) {
  CreditGate gate = Gate();
  EXPECT_TRUE(gate.Grant(From(1, 100), 10));
  EXPECT_TRUE(gate.Open(0, 10));
  EXPECT_TRUE(gate.Open(99, 10));    // message 100 may go
  EXPECT_FALSE(gate.Open(100, 10));  // 101 may not
  EXPECT_EQ(gate.stalls(), 1u);
  EXPECT_TRUE(gate.Grant(From(1, 200), 20));
  EXPECT_TRUE(gate.Open(100, 20));
  EXPECT_FALSE(gate.Open(200, 20));
  EXPECT_EQ(gate.stalls(), 2u);
}

TEST(CreditGate, TheSlowestOfTwoIndexesBoundsTheTail) {
  CreditGate gate = Gate();
  ASSERT_TRUE(gate.Grant(From(1, 500), 0));
  ASSERT_TRUE(gate.Grant(From(2, 150), 0));
  EXPECT_EQ(gate.live_grants(0), 2u);
  EXPECT_TRUE(gate.Open(149, 0));
  EXPECT_FALSE(gate.Open(150, 0));
  ASSERT_TRUE(gate.Grant(From(2, 900), 1));
  EXPECT_TRUE(gate.Open(150, 1));
  EXPECT_FALSE(gate.Open(500, 1));  // now index 1 is the slow one
}

TEST(CreditGate, AnIndexThatStopsRenewingNoLongerHoldsTheTail) {
  CreditGate gate = Gate();
  ASSERT_TRUE(gate.Grant(From(1, 10), 0));
  ASSERT_TRUE(gate.Grant(From(2, 1000), 0));
  EXPECT_FALSE(gate.Open(10, 2999));
  ASSERT_TRUE(gate.Grant(From(2, 1000), 2000));  // index 2 renews, index 1 is gone
  EXPECT_EQ(gate.MsUntilChange(2500), 500);      // when index 1's grant lapses
  EXPECT_TRUE(gate.Open(10, 3000));
  EXPECT_EQ(gate.live_grants(3000), 1u);
  EXPECT_FALSE(gate.Open(1000, 3000));
  EXPECT_TRUE(gate.Open(1000, 5000));  // both gone: free again, never stalled forever
}

TEST(CreditGate, IgnoresGrantsForAnotherTailOrAnEarlierStart) {
  CreditGate gate = Gate();
  EXPECT_FALSE(gate.Grant({1, kTail, kEpoch + 1, 0, 100}, 0));  // the previous instance's
  EXPECT_FALSE(gate.Grant({1, kTail + 1, kEpoch, 0, 100}, 0));  // another tail's
  EXPECT_EQ(gate.live_grants(0), 0u);
  EXPECT_FALSE(gate.Open(0, 0));  // still waiting for its own first grant
}

TEST(CreditGate, AWindowLargerThanTheQueueIsCappedBelowIt) {
  CreditGate::Options o;
  o.max_ahead = 750;  // e.g. a quarter of a PUB high-water mark of 3000
  CreditGate gate(o, kTail, kEpoch, 0);
  ASSERT_TRUE(gate.Grant({1, kTail, kEpoch, 100, 100 + 8192}, 0));
  EXPECT_TRUE(gate.Open(849, 0));
  EXPECT_FALSE(gate.Open(850, 0));
}

TEST(CreditGate, ALowerLimitFromTheSameIndexIsTaken) {
  CreditGate gate = Gate();
  ASSERT_TRUE(gate.Grant(From(1, 100), 0));
  ASSERT_TRUE(gate.Grant(From(1, 40), 1));  // the index restarted and lost what it had
  EXPECT_FALSE(gate.Open(40, 1));
}

}  // namespace
}  // namespace trace
