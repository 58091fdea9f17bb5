// IndexRuns groups a batch's index entries by key, in LMDB's key order,
// keeping each key's entries in the order they were added (seq order).
#include "common/store/index_runs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

namespace trace {
namespace {

TEST(IndexRuns, GroupsByKeyInByteOrderKeepingEachKeysEntryOrder) {
  // Keys sharing 8-byte prefixes, shorter than 8 bytes, with NUL bytes.
  std::vector<std::string> keys = {"session-000000001",
                                   "session-000000002",
                                   "s",
                                   "",
                                   std::string("a\0b", 3),
                                   std::string("a\0", 2),
                                   "a",
                                   "zzzzzzzzzzzz",
                                   "session-0"};
  std::mt19937 rng(7);
  IndexRuns runs(8);
  std::map<std::string, std::vector<uint64_t>> want;
  for (uint64_t seq = 1; seq <= 5000; ++seq) {
    const std::string& k = keys[rng() % keys.size()];
    runs.Add(k, &seq);
    want[k].push_back(seq);
  }
  for (int pass = 0; pass < 2; ++pass) {  // and again after Clear, reusing the memory
    runs.Finish();
    ASSERT_EQ(runs.runs().size(), want.size());
    auto w = want.begin();
    for (const IndexRuns::Run& run : runs.runs()) {
      EXPECT_EQ(run.key, w->first);
      ASSERT_EQ(run.count, w->second.size());
      for (size_t i = 0; i < run.count; ++i) {
        uint64_t seq;
        std::memcpy(&seq, run.entries + i * 8, 8);
        EXPECT_EQ(seq, w->second[i]);
      }
      ++w;
    }
    runs.Clear();
    EXPECT_TRUE(runs.runs().empty());
    for (const auto& [k, seqs] : want) {
      for (uint64_t seq : seqs) runs.Add(k, &seq);
    }
  }
}

TEST(IndexRuns, SortByKeyMatchesByteOrder) {
  std::mt19937 rng(11);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    std::string k(rng() % 20, '\0');
    for (char& c : k) c = static_cast<char>("ab\0\xff"[rng() % 4]);
    keys.push_back(k);
  }
  std::vector<uint32_t> order(keys.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  SortByKey(&order, [&](uint32_t i) { return std::string_view(keys[i]); });
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::string_view(keys[a]) < std::string_view(keys[b]);
  }));
}

}  // namespace
}  // namespace trace
