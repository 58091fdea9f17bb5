// trace-index's pipeline stage: group commit of received lines into the
// store and republishing of each committed event (with its seq) after the
// commit. Batches are bounded by count and age; the loops (index_loop.h)
// flush as soon as no more input is waiting, so latency stays low at idle
// and throughput scales with load.
//
// Two threads: the caller's builds each batch (BatchBuilder: parse, dedupe,
// aggregates), a commit thread writes it (StoreWriter::Commit), fsyncs and
// republishes. So the next batch is parsed while the previous one is being
// written and synced; at most three batches wait for the commit thread, which
// bounds memory and makes a slow disk slow the input down. An event is
// republished once its batch is durable (durable mode), so what a
// subscriber sees survives a power cut. A commit that
// fails (disk full, I/O error) is retried with pauses; when it keeps
// failing the Indexer reports the error and stores nothing more, and the
// process should exit (the tails resend what was not committed).
// One thread owns an Indexer (Add/Flush/Sync).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/index/batch_builder.h"
#include "common/store/store_writer.h"
#include "common/wire/wire.h"

namespace trace {

class Indexer {
 public:
  struct Options {
    size_t max_batch = 4096;        // lines per transaction
    int max_batch_ms = 50;          // oldest pending line waits at most this long
    size_t cache_entries = 200000;  // aggregate entries kept parsed between batches
    int max_commit_failures = 10;   // attempts per batch before giving up
    int retry_pause_ms = 1000;      // between attempts
  };
  struct Totals {
    uint64_t received = 0, stored = 0, duplicates = 0, invalid = 0, holes = 0;
    uint64_t batches = 0;
    // Where the time goes: the commit thread writing and syncing batches,
    // and the receiving thread waiting for it (queue full). A store that
    // keeps up shows little of the second; a bulk load limited by the disk
    // or LMDB shows commit_ms near the run time.
    uint64_t commit_ms = 0, backpressure_ms = 0;
  };

  // publisher may be null (no --pub); it is used by the commit thread only.
  Indexer(StoreWriter& writer, wire::Publisher* publisher, Options options);
  // Commits what was handed over, then stops the commit thread.
  ~Indexer();
  Indexer(const Indexer&) = delete;
  Indexer& operator=(const Indexer&) = delete;

  void Add(std::string_view body, bool trust_new_source, int64_t now_ms);
  size_t pending() const { return pending_.size(); }
  bool Full() const { return pending_.size() >= options_.max_batch; }
  // Full, or the oldest pending line has waited max_batch_ms.
  bool Due(int64_t now_ms) const;
  // Whether to flush now: the batch is full or old, or the input paused and
  // the commit thread is idle. While it is busy, lines keep gathering, so a
  // trickle costs one commit per fsync, not one per line.
  bool ShouldFlush(int64_t now_ms, bool input_paused);
  // Readable after each commit (poll it to flush as soon as the commit
  // thread is idle); ClearWake() after it polled readable.
  int wake_fd() const { return wake_fd_; }
  void ClearWake();
  // Builds the pending lines (with the publisher positions) into a batch and
  // hands it to the commit thread; waits only while two batches are
  // waiting. Fails when building failed or the commit thread gave up.
  Status Flush(const std::map<std::string, PublisherPosition>& positions);
  // Waits until everything handed over is committed and republished.
  Status Sync();
  // Committed offsets by source identity; exact after Sync.
  const std::map<std::string, SourceOffset>& sources() const { return builder_.sources(); }
  // Counts of committed batches (received: lines added).
  Totals totals();
  // Lines stored past a hole since the last call (a rewind should follow).
  uint64_t TakeHoles();

 private:
  void CommitLoop();
  void RetireFront(size_t n, size_t* committed, std::unique_lock<std::mutex>& lock);
  void Wake();
  Status CommitWithRetry(const PreparedBatch& batch);
  void Republish(const PreparedBatch& batch);

  StoreWriter& writer_;
  wire::Publisher* publisher_;
  Options options_;
  BatchBuilder builder_;
  // Pending lines, back to back in one buffer (no allocation per line).
  struct PendingLine {
    size_t offset, size;
    bool trust_new_source;
  };
  std::string pending_text_;
  std::vector<PendingLine> pending_;
  std::vector<IncomingLine> lines_;   // views of pending_, for Build
  std::vector<PreparedBatch> spare_;  // cleared, for the next Build
  int64_t oldest_ms_ = 0;
  int wake_fd_ = -1;  // eventfd
  uint64_t received_ = 0, new_holes_ = 0;

  // Shared with the commit thread.
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<PreparedBatch> queue_;  // front: being committed
  // Committed batches, handed back to the building thread for reuse (no
  // malloc per event, no freeing across threads).
  std::vector<PreparedBatch> done_;
  uint64_t committed_id_ = 0;
  Totals totals_;
  std::chrono::steady_clock::duration committing_{}, backpressure_{};  // Totals' *_ms
  Status error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace trace
