// See credit_gate.h. Several indexes: the slowest bounds the tail, so none
// of them is overrun; one that stops renewing drops out after the timeout.
#include "common/tail/credit_gate.h"

#include <algorithm>

namespace trace {

CreditGate::CreditGate(Options options, uint64_t publisher_id, uint64_t epoch, int64_t start_ms)
    : options_(options), publisher_id_(publisher_id), epoch_(epoch), start_ms_(start_ms) {}

bool CreditGate::Grant(const wire::CreditGrant& grant, int64_t now_ms) {
  if (grant.publisher_id != publisher_id_ || grant.epoch != epoch_) return false;
  Entry& e = grants_[grant.index_id];
  // Grants of one index arrive in order on one connection; a lower limit
  // is a restarted index that lost what it had received.
  e.limit = grant.limit;
  if (options_.max_ahead > 0) e.limit = std::min(e.limit, grant.received + options_.max_ahead);
  e.renewed_ms = now_ms;
  ever_granted_ = true;
  return true;
}

void CreditGate::Expire(int64_t now_ms) {
  std::erase_if(grants_, [&](const auto& kv) {
    return now_ms - kv.second.renewed_ms >= options_.grant_timeout_ms;
  });
}

bool CreditGate::Open(uint64_t last_pub_seq, int64_t now_ms) {
  Expire(now_ms);
  bool open;
  if (grants_.empty()) {
    open = ever_granted_ || now_ms - start_ms_ >= options_.start_wait_ms;
  } else {
    uint64_t limit = grants_.begin()->second.limit;
    for (const auto& [id, e] : grants_) limit = std::min(limit, e.limit);
    open = last_pub_seq < limit;
  }
  if (was_open_ && !open) ++stalls_;
  was_open_ = open;
  return open;
}

int64_t CreditGate::MsUntilChange(int64_t now_ms) const {
  int64_t until = options_.grant_timeout_ms;
  for (const auto& [id, e] : grants_)
    until = std::min(until, e.renewed_ms + options_.grant_timeout_ms - now_ms);
  if (grants_.empty() && !ever_granted_)
    until = std::min(until, start_ms_ + options_.start_wait_ms - now_ms);
  return std::max<int64_t>(until, 0);
}

size_t CreditGate::live_grants(int64_t now_ms) const {
  return static_cast<size_t>(std::count_if(grants_.begin(), grants_.end(), [&](const auto& kv) {
    return now_ms - kv.second.renewed_ms < options_.grant_timeout_ms;
  }));
}

}  // namespace trace
