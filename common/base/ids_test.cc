// Unit tests of ids.h: the stable hash behind derived span_ids never changes.
#include "common/base/ids.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

TEST(Event, StableHashIsStable) {
  EXPECT_EQ(StableHashHex("abc"), StableHashHex("abc"));
  EXPECT_NE(StableHashHex("abc"), StableHashHex("abd"));
  EXPECT_EQ(StableHashHex("").size(), 32u);
}

TEST(Ids, StableHashKeepsItsValueAcrossVersions) {
  // Derived span_ids are stored: a change here would duplicate every event.
  EXPECT_EQ(StableHashHex("abc"), "33ebaf9927cbc5bdf5c6ac92027cea85");  // pinned forever
  EXPECT_EQ(Hex16(0x1f), "000000000000001f");
  EXPECT_NE(RandomId(), 0u);
}

}  // namespace
}  // namespace trace
