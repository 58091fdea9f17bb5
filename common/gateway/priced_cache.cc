// See priced_cache.h. The lock covers only the map: the byte comparison and
// the copy of a hit run on a shared_ptr outside it, and pricing a miss runs
// unlocked (two threads may price the same value; both results are equal).
#include "common/gateway/priced_cache.h"

#include "common/pricing/pricing.h"

namespace trace {

std::string PricedCache::Priced(const std::string& key, std::string aggregate_json) {
  if (prices_ == nullptr) return aggregate_json;
  std::shared_ptr<const Entry> hit;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) hit = it->second;
  }
  if (hit && hit->raw == aggregate_json) return hit->priced;
  auto entry = std::make_shared<Entry>();
  entry->priced = AddCost(aggregate_json, prices_);
  entry->raw = std::move(aggregate_json);
  std::string out = entry->priced;
  size_t size = key.size() + entry->raw.size() + entry->priced.size();
  std::lock_guard lock(mu_);
  if (size > max_bytes_) {  // would not fit even alone: served, never cached
    if (auto it = entries_.find(key); it != entries_.end()) {
      bytes_ -= key.size() + it->second->raw.size() + it->second->priced.size();
      entries_.erase(it);
    }
    return out;
  }
  if (bytes_ + size > max_bytes_) {
    entries_.clear();
    bytes_ = 0;
  }
  auto [it, inserted] = entries_.try_emplace(key, entry);
  if (!inserted) {
    bytes_ -= key.size() + it->second->raw.size() + it->second->priced.size();
    it->second = std::move(entry);
  }
  bytes_ += size;
  return out;
}

}  // namespace trace
