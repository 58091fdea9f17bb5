// See event_cache.h.
#include "common/store/event_cache.h"

namespace trace {

bool EventCache::Append(uint64_t seq, std::string* out) {
  std::lock_guard lock(mu_);
  auto it = by_seq_.find(seq);
  if (it == by_seq_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  out->append(it->second->json);
  return true;
}

void EventCache::Insert(uint64_t seq, std::string_view json) {
  if (json.size() > max_bytes_ / 64) return;
  std::lock_guard lock(mu_);
  if (by_seq_.count(seq)) return;
  lru_.push_front({seq, std::string(json)});
  by_seq_[seq] = lru_.begin();
  bytes_ += json.size();
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().json.size();
    by_seq_.erase(lru_.back().seq);
    lru_.pop_back();
  }
}

}  // namespace trace
