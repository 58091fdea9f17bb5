// See indexer.h.
#include "common/indexer.h"

#include "common/log.h"

namespace trace {

Indexer::Indexer(StoreWriter& writer, wire::Publisher* publisher, Options options)
    : writer_(writer), publisher_(publisher), options_(options) {
  pending_.reserve(options_.max_batch);
}

void Indexer::Add(std::string body, bool trust_new_source, int64_t now_ms) {
  if (pending_.empty()) oldest_ms_ = now_ms;
  pending_.push_back({std::move(body), trust_new_source});
  ++totals_.received;
}

bool Indexer::Due(int64_t now_ms) const {
  return !pending_.empty() && (Full() || now_ms - oldest_ms_ >= options_.max_batch_ms);
}

Status Indexer::Flush(const std::map<std::string, PublisherPosition>& positions) {
  if (pending_.empty() && positions.empty()) return Status::Ok();
  committed_.clear();
  AppendStats stats;
  if (Status st = writer_.Append(pending_, positions, publisher_ ? &committed_ : nullptr, &stats); !st) {
    return st;
  }
  pending_.clear();
  ++totals_.batches;
  totals_.stored += stats.stored;
  totals_.duplicates += stats.duplicates;
  totals_.invalid += stats.invalid;
  totals_.holes += stats.holes;
  new_holes_ += stats.holes;
  if (!publisher_) return Status::Ok();
  for (const CommittedEvent& e : committed_) {
    if (Status st = publisher_->Send(e.topic, e.json); !st) {
      // The store is the truth; subscribers resume from it (SSE Last-Event-ID).
      log::Warn("republish failed", {{"seq", e.seq}, {"error", st.message()}});
    }
  }
  return Status::Ok();
}

uint64_t Indexer::TakeHoles() {
  uint64_t n = new_holes_;
  new_holes_ = 0;
  return n;
}

}  // namespace trace
