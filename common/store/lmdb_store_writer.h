// StoreWriter (store_writer.h) over LMDB. Private to common/store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "common/store/lmdb.h"
#include "common/store/store_schema.h"
#include "common/store/store_writer.h"

namespace trace {

class LmdbStoreWriter final : public StoreWriter {
 public:
  static Result<std::unique_ptr<StoreWriter>> Open(const Options& options);
  ~LmdbStoreWriter() override;

  Status Commit(const PreparedBatch& batch) override;
  Status SyncToDisk() override;
  bool lazy_sync() const override { return durable_; }
  Result<std::unique_ptr<StoreSnapshot>> Snapshot() override;
  uint64_t last_seq() const override { return last_seq_; }
  uint64_t duplicates() const override { return duplicates_; }
  const std::map<std::string, SourceOffset>& sources() const override { return sources_; }
  const std::map<std::string, PublisherPosition>& publishers() const override {
    return publishers_;
  }
  size_t map_size() const override;
  const EventDictionary& dictionary() const override { return dictionary_; }

 private:
  class LmdbSnapshot;
  MDB_dbi TableDbi(AggTable t) const;
  LmdbStoreWriter() = default;
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
  enum EventTable {
    kEvents,
    kIds,
    kBySession,
    kByTask,
    kByTool,
    kByTrace,
    kByType,
    kByUser,
    kByHost,
    kByTime,
    kEventTables
  };
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
  int last_rc_ = 0;  // last MDB error inside TryCommit (MDB_MAP_FULL -> grow)
  uint64_t last_seq_ = 0, duplicates_ = 0;
  std::map<std::string, SourceOffset> sources_;
  std::map<std::string, PublisherPosition> publishers_;
  EventDictionary dictionary_;
  EventDecoder decoder_;  // for snapshots' EventsAfter (the exporter's reads)
};

}  // namespace trace
