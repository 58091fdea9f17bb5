// See index_runs.h.
#include "common/store/index_runs.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>

namespace trace {

size_t IndexRuns::Group(std::string_view key) {
  if (keys_.size() * 2 >= slots_.size()) Grow();
  size_t mask = slots_.size() - 1;
  for (size_t i = std::hash<std::string_view>{}(key)&mask;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) {
      keys_.push_back(key);
      counts_.push_back(0);
      slots_[i] = static_cast<uint32_t>(keys_.size());
      return keys_.size() - 1;
    }
    if (keys_[slot - 1] == key) return slot - 1;
  }
}

void IndexRuns::Grow() {
  slots_.assign(std::max<size_t>(64, slots_.size() * 2), 0);
  size_t mask = slots_.size() - 1;
  for (size_t g = 0; g < keys_.size(); ++g) {
    size_t i = std::hash<std::string_view>{}(keys_[g]) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<uint32_t>(g + 1);
  }
}

void IndexRuns::Add(std::string_view key, const void* entry) {
  size_t g = Group(key);
  ++counts_[g];
  item_group_.push_back(static_cast<uint32_t>(g));
  const char* bytes = static_cast<const char*>(entry);
  items_.insert(items_.end(), bytes, bytes + entry_bytes_);
}

void IndexRuns::Finish() {
  std::vector<uint32_t> order(keys_.size());
  std::iota(order.begin(), order.end(), 0);
  SortByKey(&order, [&](uint32_t g) { return keys_[g]; });
  // Where each group's entries start in packed_, in key order.
  std::vector<size_t> next(keys_.size());
  size_t at = 0;
  for (uint32_t g : order) {
    next[g] = at;
    at += counts_[g];
  }
  packed_.resize(at * entry_bytes_);
  for (size_t i = 0; i < item_group_.size(); ++i) {
    std::memcpy(packed_.data() + next[item_group_[i]]++ * entry_bytes_,
                items_.data() + i * entry_bytes_, entry_bytes_);
  }
  runs_.clear();
  const char* base = packed_.data();
  for (uint32_t g : order) {
    runs_.push_back({keys_[g], base, counts_[g]});
    base += counts_[g] * entry_bytes_;
  }
}

void IndexRuns::Clear() {
  keys_.clear();
  counts_.clear();
  item_group_.clear();
  items_.clear();
  std::fill(slots_.begin(), slots_.end(), 0);
  packed_.clear();
  runs_.clear();
}

}  // namespace trace
