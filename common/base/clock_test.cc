// Unit tests of clock.h: RFC 3339 in and out.
#include "common/base/clock.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

TEST(Clock, ParsesRfc3339Forms) {
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Ms("2026-02-12T16:02:25.284Z"), 1770912145284);
  EXPECT_EQ(ParseRfc3339Ms("2026-02-12T17:02:25.284+01:00"), 1770912145284);
  EXPECT_EQ(ParseRfc3339Ms("2026-02-12 16:02:25Z"), 1770912145000);
  EXPECT_EQ(ParseRfc3339Ms("2026-02-12T16:02:25.2849999Z"), 1770912145284);
  EXPECT_FALSE(ParseRfc3339Ms("2026-02-12"));
  EXPECT_FALSE(ParseRfc3339Ms("2026-13-12T16:02:25Z"));
  EXPECT_FALSE(ParseRfc3339Ms("2026-02-12T16:02:25.Z"));
  EXPECT_FALSE(ParseRfc3339Ms("2026-02-12T16:02:25+01"));
  EXPECT_FALSE(ParseRfc3339Ms("garbage"));
}

TEST(Clock, FormatsAndRoundTrips) {
  EXPECT_EQ(FormatRfc3339Ms(1770912145284), "2026-02-12T16:02:25.284Z");
  EXPECT_EQ(ParseRfc3339Ms(FormatRfc3339Ms(-1)), -1);
}

}  // namespace
}  // namespace trace
