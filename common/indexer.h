// trace-index's pipeline stage: group commit of received lines into the
// store and republishing of each committed event (with its seq) after the
// commit. Batches are bounded by count and age; the loops (index_loop.h)
// flush as soon as no more input is waiting, so latency stays low at idle
// and throughput scales with load. One thread owns an Indexer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store_writer.h"
#include "common/wire.h"

namespace trace {

class Indexer {
 public:
  struct Options {
    size_t max_batch = 4096;  // lines per transaction
    int max_batch_ms = 50;    // oldest pending line waits at most this long
  };
  struct Totals {
    uint64_t received = 0, stored = 0, duplicates = 0, invalid = 0, holes = 0;
    uint64_t batches = 0;
  };

  // publisher may be null (no --pub).
  Indexer(StoreWriter& writer, wire::Publisher* publisher, Options options);

  void Add(std::string body, bool trust_new_source, int64_t now_ms);
  size_t pending() const { return pending_.size(); }
  bool Full() const { return pending_.size() >= options_.max_batch; }
  bool Due(int64_t now_ms) const;
  // Commits the pending lines (with the publisher positions) and republishes
  // what was stored. On error the lines stay pending (retry later).
  Status Flush(const std::map<std::string, PublisherPosition>& positions);
  const Totals& totals() const { return totals_; }
  // Lines stored past a hole since the last call (a rewind should follow).
  uint64_t TakeHoles();

 private:
  StoreWriter& writer_;
  wire::Publisher* publisher_;
  Options options_;
  std::vector<IncomingLine> pending_;
  int64_t oldest_ms_ = 0;
  Totals totals_;
  uint64_t new_holes_ = 0;
  std::vector<CommittedEvent> committed_;
};

}  // namespace trace
