// The store's single writer (trace-index): appends batches of event lines
// in one LMDB transaction each — events, span_id dedupe, indexes,
// aggregates, committed source offsets and publisher positions together, so
// a crash at any point leaves a consistent store (proto/storage.md).
// One thread owns a StoreWriter; readers use Store (store.h).
#pragma once

#include <lmdb.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/aggregator.h"
#include "common/event.h"
#include "common/status.h"
#include "common/store_schema.h"

namespace trace {

// One received line. trust_new_source: the sender is known to have delivered
// everything (contiguous pub_seq since a rewind, or a pipe), so a source seen
// for the first time at a non-zero offset starts its committed offset there.
struct IncomingLine {
  std::string body;
  bool trust_new_source = true;
};

struct PublisherPosition {
  uint64_t epoch = 0, pub_seq = 0;
};

struct SourceOffset {
  std::string path;
  uint64_t offset = 0;  // just past the last stored line of the source
};

// A stored event, for republishing after the commit.
struct CommittedEvent {
  uint64_t seq = 0;
  std::string topic;
  std::string json;  // with "seq"
};

struct AppendStats {
  uint64_t stored = 0, duplicates = 0, invalid = 0, holes = 0;
};

class StoreWriter {
 public:
  struct Options {
    std::string dir;
    bool durable = true;        // fsync at every commit
    size_t map_size = 0;        // initial map size; 0 = 1 GiB (grows when full)
    size_t cache_entries = 50000;  // aggregate states kept parsed between batches
  };
  // Opens or creates the store; refuses another schema version.
  static Result<std::unique_ptr<StoreWriter>> Open(const Options& options);
  ~StoreWriter();

  // Stores lines (invalid ones as raw events, duplicates by span_id dropped)
  // and the publisher positions in one transaction; on MDB_MAP_FULL doubles
  // the map and retries. On error nothing of the batch is stored. committed
  // may be null (nobody republishes).
  Status Append(const std::vector<IncomingLine>& lines,
                const std::map<std::string, PublisherPosition>& publishers,
                std::vector<CommittedEvent>* committed, AppendStats* stats);

  uint64_t last_seq() const { return last_seq_; }
  uint64_t duplicates() const { return duplicates_; }
  size_t map_size() const;
  // Committed offsets by source identity (proto/wire.md REWIND payload).
  const std::map<std::string, SourceOffset>& sources() const { return sources_; }
  const std::map<std::string, PublisherPosition>& publishers() const { return publishers_; }
  MDB_env* env() const { return env_; }
  const StoreDbs& dbs() const { return dbs_; }

 private:
  StoreWriter() = default;
  Status Load();
  Status TryAppend(const std::vector<IncomingLine>& lines,
                   const std::map<std::string, PublisherPosition>& publishers,
                   std::vector<CommittedEvent>* committed, AppendStats* stats);
  Status StoreLine(const IncomingLine& line, std::vector<CommittedEvent>* committed,
                   AppendStats* stats);
  Status PutEvent(uint64_t seq, const EventKeys& keys, const std::string& json);
  void AdvanceSource(const EventKeys& keys, bool trust, AppendStats* stats);
  Status WriteState(const std::map<std::string, PublisherPosition>& publishers);
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  // Per-event tables are written through cursors that live for the batch:
  // a cursor already on the right leaf (same session, type, nearby time)
  // skips the descent from the root. Closed before the txn ends.
  enum EventTable { kEvents, kIds, kBySession, kByTask, kByTool, kByTrace, kByType, kByTime, kEventTables };
  Status OpenEventCursors();
  void CloseEventCursors();
  Status PutAt(EventTable t, std::string_view key, std::string_view value, unsigned flags = 0);
  Status PutIndex(EventTable t, std::string_view key, std::string_view value);
  Result<std::optional<std::string>> LoadValue(AggTable table, std::string_view key);
  MDB_dbi TableDbi(AggTable t) const;

  MDB_env* env_ = nullptr;
  StoreDbs dbs_{};
  size_t cache_entries_ = 0;
  MDB_txn* txn_ = nullptr;  // the batch txn while TryAppend runs
  MDB_cursor* cursors_[kEventTables] = {};
  int last_rc_ = 0;         // last MDB error inside TryAppend (MDB_MAP_FULL -> grow)
  uint64_t last_seq_ = 0, duplicates_ = 0;
  std::map<std::string, SourceOffset> sources_, staged_sources_;
  std::map<std::string, PublisherPosition> publishers_;
  std::unique_ptr<AggregateState> state_;
  // Parse arena reused for every line (no malloc per event in the common case).
  static constexpr size_t kArenaBytes = 256 << 10;
  std::unique_ptr<char[]> arena_;
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> pool_;
  std::string scratch_;       // the stored form of the current event
  std::vector<char> insitu_;  // the current line, parsed in place
};

}  // namespace trace
