// The store's single writer (trace-index): commits each PreparedBatch
// (batch_builder.h) in one LMDB transaction: events, span_id dedupe,
// indexes, aggregates, committed source offsets and publisher positions
// together, so a crash at any point leaves a consistent store
// (proto/storage.md). One thread commits; one BatchBuilder (possibly on
// another thread) builds the batches. A lock file in the store directory
// keeps a second writer out. Readers use Store (store.h).
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/event/aggregator.h"
#include "common/index/batch_builder.h"
#include "common/base/status.h"
#include "common/store/store_schema.h"

namespace trace {

class StoreWriter {
 public:
  struct Options {
    std::string dir;
    bool durable = true;        // fsync at every commit
    size_t map_size = 0;        // initial map size; 0 = 1 GiB (grows when full)
  };
  // Opens or creates the store; refuses another schema version and a store
  // another writer has open.
  static Result<std::unique_ptr<StoreWriter>> Open(const Options& options);
  ~StoreWriter();

  // Writes the batch in one transaction; on MDB_MAP_FULL doubles the map
  // and retries. On error nothing of the batch is stored and the batch may
  // be committed again. Durable mode: the commit syncs the data it wrote and
  // every earlier commit, but its own meta page only with the next commit
  // or SyncToDisk (lazy_sync); a power cut may undo the last commit, never
  // corrupt the store.
  Status Commit(const PreparedBatch& batch);
  // Makes every commit durable (durable mode; a no-op otherwise).
  Status SyncToDisk();
  // Commits become durable one commit late or at SyncToDisk (durable mode).
  bool lazy_sync() const { return durable_; }

  // The committed state (as of the last Commit).
  uint64_t last_seq() const { return last_seq_; }
  uint64_t duplicates() const { return duplicates_; }
  // Committed offsets by source identity (proto/wire.md REWIND payload).
  const std::map<std::string, SourceOffset>& sources() const { return sources_; }
  const std::map<std::string, PublisherPosition>& publishers() const { return publishers_; }

  size_t map_size() const;
  MDB_env* env() const { return env_; }
  const StoreDbs& dbs() const { return dbs_; }
  MDB_dbi TableDbi(AggTable t) const;
  // Held shared by this process's readers of env() while a read txn is
  // open; the writer takes it exclusively to grow the map.
  std::shared_mutex& map_mutex() { return map_mu_; }

 private:
  StoreWriter() = default;
  Status Load();
  Status ReadState(MDB_txn* txn);
  Status TryCommit(const PreparedBatch& batch);
  Status PutEvents(const PreparedBatch& batch);  // events and ids entries
  Status PutIndexes(const PreparedBatch& batch);
  Status WriteState(const PreparedBatch& batch);
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  // Per-event tables are written through cursors that live for the batch:
  // a cursor already on the right leaf (the next key of a sorted run, the
  // next seq) skips the descent from the root. Closed before the txn ends.
  enum EventTable { kEvents, kIds, kBySession, kByTask, kByTool, kByTrace, kByType, kByTime, kEventTables };
  Status OpenEventCursors();
  void CloseEventCursors();
  Status PutAt(EventTable t, std::string_view key, std::string_view value, unsigned flags = 0);
  Status PutRun(EventTable t, const IndexRuns::Run& run, size_t entry_bytes);

  MDB_env* env_ = nullptr;
  int lock_fd_ = -1;  // flock'ed writer.lock
  bool durable_ = true;
  std::string dir_;
  StoreDbs dbs_{};
  std::shared_mutex map_mu_;
  MDB_txn* txn_ = nullptr;  // the batch txn while TryCommit runs
  MDB_cursor* cursors_[kEventTables] = {};
  int last_rc_ = 0;         // last MDB error inside TryCommit (MDB_MAP_FULL -> grow)
  uint64_t last_seq_ = 0, duplicates_ = 0;
  std::map<std::string, SourceOffset> sources_;
  std::map<std::string, PublisherPosition> publishers_;
};

}  // namespace trace
