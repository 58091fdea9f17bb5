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
  // The store's ids keys are made of it (common/store/ids_key.h).
  EXPECT_EQ(StableHash64("abc"), 0x33ebaf9927cbc5bdULL);  // pinned forever
  EXPECT_EQ(Hex16(StableHash64("a span")), StableHashHex("a span").substr(0, 16));
  EXPECT_EQ(StableHash64(""), 0xefd01f60ba992926ULL);
  EXPECT_NE(RandomId(), 0u);
}

}  // namespace
}  // namespace trace
