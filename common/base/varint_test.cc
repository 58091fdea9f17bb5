// Unit tests of varint.h: the byte forms are the store's (proto/storage.md),
// values round-trip at the extremes, and every truncation or overflow of an
// input is refused.
#include "common/base/varint.h"

#include <gtest/gtest.h>

#include <limits>

namespace trace {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string Varint(uint64_t v) {
  std::string s;
  PutVarint(v, &s);
  return s;
}

TEST(Varint, BytesAreLeb128) {
  EXPECT_EQ(Varint(0), std::string(1, '\0'));
  EXPECT_EQ(Varint(0x7f), "\x7f");
  EXPECT_EQ(Varint(1692), "\x9c\x0d");  // the golden event value's size
  EXPECT_EQ(Varint(UINT64_MAX), std::string(9, '\xff') + "\x01");
}

TEST(Varint, RoundTripsAndStopsAfterItsBytes) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{1} << 35,
                     UINT64_MAX - 1, UINT64_MAX}) {
    std::string s = Varint(v) + "tail";
    size_t pos = 0;
    uint64_t got = 7;
    ASSERT_TRUE(GetVarint(s, &pos, &got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_EQ(s.substr(pos), "tail");
  }
}

TEST(Varint, TruncatedOrOverlongIsRefused) {
  std::string s = Varint(UINT64_MAX);
  for (size_t n = 0; n < s.size(); ++n) {
    size_t pos = 0;
    uint64_t v = 0;
    EXPECT_FALSE(GetVarint(s.substr(0, n), &pos, &v)) << n;
  }
  // A tenth byte above 1 names bits past 63; an eleventh byte is never read.
  size_t pos = 0;
  uint64_t v = 0;
  EXPECT_FALSE(GetVarint(std::string(9, '\xff') + "\x02", &pos, &v));
  pos = 0;
  EXPECT_FALSE(GetVarint(std::string(10, '\x80') + std::string(1, '\0'), &pos, &v));
  pos = 5;
  EXPECT_FALSE(GetVarint("ab", &pos, &v));  // pos past the end
}

TEST(Varint, ZigZagKeepsSmallMagnitudesShort) {
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(-2), 3u);
  EXPECT_EQ(ZigZag(kMax), UINT64_MAX - 1);
  EXPECT_EQ(ZigZag(kMin), UINT64_MAX);
  for (int64_t v : {kMin, kMin + 1, int64_t{-1770912149111}, int64_t{-1}, int64_t{0},
                    int64_t{1770912149111}, kMax}) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
    std::string s;
    PutSignedVarint(v, &s);
    size_t pos = 0;
    int64_t got = 0;
    ASSERT_TRUE(GetSignedVarint(s, &pos, &got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(pos, s.size());
  }
  std::string s;
  PutSignedVarint(-64, &s);
  EXPECT_EQ(s.size(), 1u);
}

TEST(Varint, LengthPrefixedViewsItsBytesAndRefusesOverruns) {
  std::string s;
  PutLengthPrefixed("", &s);
  PutLengthPrefixed(std::string(300, 'x'), &s);
  size_t pos = 0;
  std::string_view a, b;
  ASSERT_TRUE(GetLengthPrefixed(s, &pos, &a));
  ASSERT_TRUE(GetLengthPrefixed(s, &pos, &b));
  EXPECT_EQ(a, "");
  EXPECT_EQ(b, std::string(300, 'x'));
  EXPECT_EQ(pos, s.size());
  for (size_t n = 1; n < s.size(); ++n) {
    std::string_view cut(s.data() + 1, n - 1);  // the long string, cut short
    pos = 0;
    EXPECT_FALSE(GetLengthPrefixed(cut, &pos, &b)) << n;
  }
  // A count near 2^64 must not wrap the bounds check.
  std::string huge = Varint(UINT64_MAX) + "abc";
  pos = 0;
  EXPECT_FALSE(GetLengthPrefixed(huge, &pos, &b));
}

}  // namespace
}  // namespace trace
