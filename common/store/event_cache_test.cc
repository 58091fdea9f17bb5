// The readers' decoded-event cache: hits append the JSON, the byte bound
// evicts the least recently used, and oversized events are not kept.
#include "common/store/event_cache.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

TEST(EventCache, KeepsRecentlyUsedWithinItsBound) {
  EventCache cache(64 * 100);  // events up to 100 bytes are kept
  std::string out;
  EXPECT_FALSE(cache.Append(1, &out));
  for (uint64_t seq = 1; seq <= 64; ++seq) cache.Insert(seq, std::string(100, 'a'));
  EXPECT_TRUE(cache.Append(1, &out));  // 1 is now the most recent
  cache.Insert(65, std::string(100, 'b'));
  EXPECT_FALSE(cache.Append(2, &out));  // the least recent went
  out.clear();
  EXPECT_TRUE(cache.Append(1, &out));
  EXPECT_TRUE(cache.Append(65, &out));
  EXPECT_EQ(out, std::string(100, 'a') + std::string(100, 'b'));
  EXPECT_LE(cache.bytes(), 64u * 100);
  cache.Insert(66, std::string(101, 'c'));
  EXPECT_FALSE(cache.Append(66, &out));
}

}  // namespace
}  // namespace trace
