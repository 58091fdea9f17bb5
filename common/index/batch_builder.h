// The first half of trace-index's write path: turns received lines into a
// PreparedBatch, every key and value one transaction will write, without
// writing anything. Lines are parsed (line_parser.h: invalid ones become
// raw events), duplicates are dropped by identity (EventIdentity: span_id, and
// for transcript lines their transcript; compared by its ids key, ids_key.h,
// as the store does), seqs assigned, aggregates
// applied and committed source offsets advanced. StoreWriter::Commit (store_writer.h)
// writes a batch in one transaction; the Indexer runs the two on different
// threads, so building the next batch overlaps the commit and fsync of the
// previous one.
//
// What the builder reads comes from the committed store, through a read txn
// begun per batch. What batches built but not yet committed changed is held
// in memory: their ids keys (in-flight set, views into those batches) and
// their aggregate entries (never dropped while a batch is in flight).
// Batches are committed in the order they were built, and a batch is
// retired (Retire) before it is cleared or destroyed.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/event/aggregator.h"
#include "common/event/event.h"
#include "common/index/batch_encoder.h"
#include "common/index/line_parser.h"
#include "common/store/event_codec.h"
#include "common/store/ids_key.h"
#include "common/store/prepared_batch.h"

namespace trace {

class StoreWriter;
class StoreSnapshot;

// The ids keys (ids_key.h) of one batch: an open-addressing table of views
// into the batch's text (no allocation per key; cleared for reuse, memory
// kept). hash: std::hash of the key.
class IdsKeySet {
 public:
  void Clear();
  bool Contains(std::string_view id, size_t hash) const;
  void Insert(std::string_view id, size_t hash);

 private:
  void Grow();
  std::vector<std::string_view> ids_;
  std::vector<uint32_t> slots_;  // 0: empty, else index into ids_ + 1
};

class BatchBuilder {
 public:
  // Starts from what writer has committed. cache_entries bounds the
  // aggregate entries kept parsed between batches (soft: see WantsDrain).
  BatchBuilder(StoreWriter& writer, size_t cache_entries);
  ~BatchBuilder();

  // Fills *batch (empty) with the next batch. An error (a store read
  // failing, a stored aggregate that does not decode) leaves the builder
  // unusable: every later call returns it too.
  Status Build(const std::vector<IncomingLine>& lines,
               const std::map<std::string, PublisherPosition>& publishers, PreparedBatch* batch);
  // The batches up to committed_id are committed: their ids keys leave the
  // in-flight set (the store has them now). Call before clearing them.
  void Retire(uint64_t committed_id);

  // The aggregate cache is over its bound: it is dropped when the last
  // batch in flight retires, so the caller should wait for the commits.
  bool WantsDrain() const { return over_cap_; }
  // Waits for a dictionary training in progress (tests; a real index never
  // waits: it stores values without a dictionary until one is ready).
  void AwaitDictionary();
  // Committed offsets as of every built batch.
  const std::map<std::string, SourceOffset>& sources() const { return sources_; }

 private:
  Status ApplyLine(const IncomingLine& line, ParsedLine& parsed, PreparedBatch* batch);
  static std::string Restamp(std::string_view body, uint64_t seq,
                             std::optional<int64_t> duration_ms);
  // json: already in the batch's text.
  void AddEvent(const EventKeys& keys, const IdsKey& ids_key, std::string_view json, size_t hash,
                PreparedBatch* batch);
  // In the store or a batch in flight; hash: of the key (IdsKeySet).
  Result<bool> Stored(const IdsKey& key, size_t hash);
  void AdvanceSource(const EventKeys& keys, bool trust, PreparedBatch* batch);
  Result<std::optional<std::string>> LoadValue(AggTable table, std::string_view key);
  // Sets each event's stored value (event_codec.h), training the store's
  // first dictionary once enough events have been seen.
  Status EncodeEvents(PreparedBatch* batch);
  void GatherSamples(PreparedBatch* batch);
  // Once trained, the dictionary is the encoder's and goes out with batch.
  void AdoptDictionary(PreparedBatch* batch);

  StoreWriter& writer_;
  size_t cache_entries_;
  StoreSnapshot* snapshot_ = nullptr;  // during Build
  Status broken_;
  bool over_cap_ = false;
  uint64_t next_id_ = 1, last_seq_ = 0, duplicates_ = 0;
  std::map<std::string, SourceOffset> sources_;
  struct LastSource {  // the source of the last line, staged in batch
    uint64_t batch = 0, dev = 0, ino = 0;
    SourceOffset* entry = nullptr;
  } last_source_;
  AggregateState state_;
  std::string identity_;  // of the line being applied
  // ids keys of built batches not known to be committed (the last one:
  // the batch being built), by batch id; and cleared sets for reuse.
  std::deque<std::pair<uint64_t, IdsKeySet>> in_flight_;
  std::vector<IdsKeySet> spare_sets_;
  LineParser parser_;
  BatchEncoder encoder_;
  // The first events' JSON, until a dictionary is trained from them (or
  // training failed: then values stay compressed without one).
  std::string samples_;
  std::vector<size_t> sample_sizes_;
  bool gathering_ = false;
  // Training takes a few hundred ms: it runs on a thread of its own, so the
  // batches of a live index are not held up (commit latency at 1k events/s).
  std::future<Result<std::string>> training_;
};

}  // namespace trace
