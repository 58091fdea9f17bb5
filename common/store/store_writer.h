// The store's single writer (trace-index): commits each PreparedBatch
// (prepared_batch.h) in one transaction: events, identity dedupe, indexes,
// aggregates, committed source offsets and publisher positions together, so
// a crash at any point leaves a consistent store (proto/storage.md). One
// thread commits; one builder (possibly on another thread) builds the
// batches, reading the committed state through a StoreSnapshot. A lock file
// in the store directory keeps a second writer out. Readers use Store
// (store.h). The LMDB implementation is lmdb_store_writer.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/event/aggregator.h"
#include "common/store/ids_key.h"
#include "common/store/prepared_batch.h"

namespace trace {

// A consistent read of the committed store for the batch builder. While it
// lives the writer cannot grow the map: hold it for one batch, and never on
// the thread that commits.
class StoreSnapshot {
 public:
  virtual ~StoreSnapshot() = default;
  // True when an event with this identity (the ids key of its EventIdentity)
  // is stored.
  virtual Result<bool> HasIdentity(const IdsKey& key) = 0;
  // The stored aggregate entry, or nullopt.
  virtual Result<std::optional<std::string>> GetAggregate(AggTable table, std::string_view key) = 0;
  // Committed events with seq > after_seq, oldest first, as they leave the
  // store (event JSON with its "seq"): at most max events and max_bytes of
  // values, but at least one event when any is there. True when more events
  // follow (a limit cut the read). For the OTLP exporter.
  virtual Result<bool> EventsAfter(uint64_t after_seq, size_t max, size_t max_bytes,
                                   std::vector<std::pair<uint64_t, std::string>>* out) = 0;
};

class StoreWriter {
 public:
  struct Options {
    std::string dir;
    bool durable = true;  // fsync at every commit
    size_t map_size = 0;  // initial map size; 0 = 1 GiB (grows when full)
  };
  // Opens or creates the store; refuses another schema version and a store
  // another writer has open.
  static Result<std::unique_ptr<StoreWriter>> Open(const Options& options);
  virtual ~StoreWriter() = default;

  // Writes the batch in one transaction; when the map is full, grows it and
  // retries. On error nothing of the batch is stored and the batch may be
  // committed again. Durable mode: the commit syncs the data it wrote and
  // every earlier commit, but its own meta page only with the next commit
  // or SyncToDisk (lazy_sync); a power cut may undo the last commit, never
  // corrupt the store.
  virtual Status Commit(const PreparedBatch& batch) = 0;
  // Makes every commit durable (durable mode; a no-op otherwise).
  virtual Status SyncToDisk() = 0;
  // Commits become durable one commit late or at SyncToDisk (durable mode).
  virtual bool lazy_sync() const = 0;
  // A read of the committed state; any thread but the committing one.
  virtual Result<std::unique_ptr<StoreSnapshot>> Snapshot() = 0;

  // The committed state (as of the last Commit).
  virtual uint64_t last_seq() const = 0;
  virtual uint64_t duplicates() const = 0;
  // Committed offsets by source identity (proto/wire.md REWIND payload).
  virtual const std::map<std::string, SourceOffset>& sources() const = 0;
  virtual const std::map<std::string, PublisherPosition>& publishers() const = 0;
  virtual size_t map_size() const = 0;
  // The newest event dictionary (stored, or of the last committed batch's
  // new_dictionary); id 0 while the store has none yet.
  virtual const EventDictionary& dictionary() const = 0;
};

}  // namespace trace
