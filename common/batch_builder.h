// The first half of trace-index's write path: turns received lines into a
// PreparedBatch, every key and value one transaction will write, without
// writing anything. Lines are parsed (invalid ones become raw events),
// duplicates are dropped by span_id, seqs assigned, aggregates applied and
// committed source offsets advanced. StoreWriter::Commit (store_writer.h)
// writes a batch in one transaction; the Indexer runs the two on different
// threads, so building the next batch overlaps the commit and fsync of the
// previous one.
//
// What the builder reads comes from the committed store, through a read txn
// begun per batch. What batches built but not yet committed changed is held
// in memory: their span_ids (in-flight set, views into those batches) and
// their aggregate entries (never dropped while a batch is in flight).
// Batches are committed in the order they were built, and a batch is
// retired (Retire) before it is cleared or destroyed.
#pragma once

#include <lmdb.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/aggregator.h"
#include "common/event.h"
#include "common/status.h"

namespace trace {

class StoreWriter;

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

struct AppendStats {
  uint64_t stored = 0, duplicates = 0, invalid = 0, holes = 0;
};

// Storage for a batch's strings. What is added never moves, so views of it
// stay valid while the batch lives; Clear keeps the memory for the next
// batch (a batch is built, committed and recycled without malloc per event).
class TextArena {
 public:
  std::string_view Add(std::string_view s);
  void Clear();

 private:
  static constexpr size_t kBlockBytes = 1 << 20;
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0, used = 0;
  };
  std::vector<Block> blocks_;
  size_t current_ = 0;
};

// An event to store; the strings are views into its batch's text.
struct PreparedEvent {
  uint64_t seq = 0;
  int64_t timestamp_ms = 0;
  std::string_view span_id, session_id, task_id, tool_name, trace_id, event_type;
  std::string_view topic;  // for republishing
  std::string_view json;   // the stored form, with "seq"
};

struct PreparedAggregate {
  AggTable table;
  std::string key, value;
};

struct PreparedBatch {
  uint64_t id = 0;  // 1, 2, ... in build order
  std::vector<PreparedEvent> events;
  std::vector<PreparedAggregate> aggregates;
  std::vector<AggregateState::ActivityMove> activity;
  std::map<std::string, SourceOffset> sources;  // offsets this batch advances
  std::map<std::string, PublisherPosition> publishers;
  uint64_t last_seq = 0, duplicates = 0;  // store totals once committed
  AppendStats stats;
  TextArena text;

  // Empties the batch for reuse (keeps its memory).
  void Clear();
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
  // The batches up to committed_id are committed: their span_ids leave the
  // in-flight set (the store has them now). Call before clearing them.
  void Retire(uint64_t committed_id);

  // The aggregate cache is over its bound: it is dropped when the last
  // batch in flight retires, so the caller should wait for the commits.
  bool WantsDrain() const { return over_cap_; }
  // Committed offsets as of every built batch.
  const std::map<std::string, SourceOffset>& sources() const { return sources_; }
  uint64_t last_seq() const { return last_seq_; }

 private:
  Status BuildLine(const IncomingLine& line, PreparedBatch* batch);
  void AddEvent(const EventKeys& keys, std::string_view json, PreparedBatch* batch);
  bool Stored(const std::string& span_id);
  void AdvanceSource(const EventKeys& keys, bool trust, PreparedBatch* batch);
  Result<std::optional<std::string>> LoadValue(AggTable table, std::string_view key);

  StoreWriter& writer_;
  size_t cache_entries_;
  MDB_txn* read_ = nullptr;  // during Build
  Status broken_;
  bool over_cap_ = false;
  uint64_t next_id_ = 1, last_seq_ = 0, duplicates_ = 0;
  std::map<std::string, SourceOffset> sources_;
  AggregateState state_;
  // span_ids of built batches not known to be committed, by batch.
  std::deque<std::pair<uint64_t, std::vector<std::string_view>>> in_flight_;
  std::unordered_set<std::string_view> in_flight_ids_;
  std::string json_;          // the stored form of the current event
  // Parse arena reused for every line (no malloc per event in the common case).
  static constexpr size_t kArenaBytes = 256 << 10;
  std::unique_ptr<char[]> arena_;
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> pool_;
  std::vector<char> insitu_;  // the current line, parsed in place
};

}  // namespace trace
