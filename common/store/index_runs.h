// One secondary index's entries for a batch, grouped by key: the writer
// stores each key's entries with a single LMDB put (MDB_MULTIPLE) instead
// of one put, and one descent of the tree, per event. A batch of 4096
// events touches a few dozen sessions, tools and event types, so this
// turns ~20k index puts into ~100 plus the time index's (proto/storage.md
// "Encodings"). Entries are fixed-size (the index's DUPFIXED item size).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace trace {

// Puts order (indices) in the byte order of key_of(index), as LMDB orders
// keys. Keys are compared by their first eight bytes as one integer, and
// in full only when those tie: most comparisons cost no memcmp.
template <typename KeyOf>
void SortByKey(std::vector<uint32_t>* order, KeyOf key_of) {
  auto prefix = [](std::string_view k) {
    unsigned char b[8] = {};
    std::memcpy(b, k.data(), std::min<size_t>(8, k.size()));
    uint64_t v = 0;
    for (unsigned char c : b) v = v << 8 | c;
    return v;
  };
  std::vector<std::pair<uint64_t, uint32_t>> keyed;
  keyed.reserve(order->size());
  for (uint32_t i : *order) keyed.emplace_back(prefix(key_of(i)), i);
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return key_of(a.second) < key_of(b.second);
  });
  for (size_t i = 0; i < keyed.size(); ++i) (*order)[i] = keyed[i].second;
}

class IndexRuns {
 public:
  struct Run {
    std::string_view key;
    const char* entries;  // count entries of entry_bytes, in the order added
    size_t count;
  };

  explicit IndexRuns(size_t entry_bytes) : entry_bytes_(entry_bytes) {}

  // Adds an entry (entry_bytes) under key; key's bytes must stay valid
  // until Clear (a view into the batch's text).
  void Add(std::string_view key, const void* entry);
  // Groups what was added into runs, in key order (neighbouring keys are
  // neighbours in the tree). Call once, after the last Add.
  void Finish();
  const std::vector<Run>& runs() const { return runs_; }
  size_t entry_bytes() const { return entry_bytes_; }
  // Empties for the next batch (keeps the memory).
  void Clear();

 private:
  size_t Group(std::string_view key);
  void Grow();

  size_t entry_bytes_;
  std::vector<std::string_view> keys_;  // by group
  std::vector<uint32_t> counts_;        // by group
  std::vector<uint32_t> item_group_;    // by entry added
  std::vector<char> items_;             // entries as added
  std::vector<uint32_t> slots_;         // open addressing: group + 1, 0 empty
  std::vector<char> packed_;            // entries grouped by key
  std::vector<Run> runs_;
};

}  // namespace trace
