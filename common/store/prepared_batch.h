// What one write transaction stores (proto/storage.md), prepared without the
// store: the events with their seqs, every index entry grouped by key, the
// aggregate entries, committed source offsets and publisher positions. The
// index builds it (common/index/batch_builder.h); StoreWriter::Commit writes
// it. No LMDB here: this is the contract between the two.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event/aggregator.h"
#include "common/event/event.h"
#include "common/store/event_codec.h"
#include "common/store/index_runs.h"

namespace trace {

// The secondary indexes, in this order wherever they are listed: seven keyed
// by an event field (value: an index entry), then by_time (key: the biased
// timestamp, value: seq).
enum EventIndex {
  kIndexSession,
  kIndexTask,
  kIndexTool,
  kIndexTrace,
  kIndexType,
  kIndexUser,
  kIndexHost,
  kIndexTime,
  kEventIndexes
};
inline constexpr int kKeyedIndexes = kIndexTime;
// The field of the event each keyed index files it under (empty: not indexed).
std::array<const std::string*, kKeyedIndexes> IndexedFields(const EventKeys& k);

// Index entries of by_session/by_task/by_tool/by_trace/by_type/by_user/by_host: 16 bytes,
// big-endian seq then biased timestamp (sorted by seq within a key).
inline constexpr size_t kIndexEntrySize = 16;
void PutIndexEntry(char* out, uint64_t seq, int64_t ts_ms);  // kIndexEntrySize bytes
std::string IndexEntry(uint64_t seq, int64_t ts_ms);

struct PublisherPosition {
  uint64_t epoch = 0, pub_seq = 0;
};

struct SourceOffset {
  std::string path;
  uint64_t offset = 0;           // just past the last stored line of the source
  std::string fingerprint = {};  // source.fp of the last line that moved it ("" if none)
};

struct BatchStats {
  uint64_t stored = 0, duplicates = 0, invalid = 0, holes = 0;
};

// Storage for a batch's strings. What is added never moves, so views of it
// stay valid while the batch lives; Clear keeps the memory for the next
// batch (a batch is built, committed and recycled without malloc per event).
class TextArena {
 public:
  std::string_view Add(std::string_view s);
  // n bytes to write into, which stay put like added text.
  char* Allocate(size_t n);
  void Clear();

 private:
  static constexpr size_t kBlockBytes = 1 << 20;
  static constexpr size_t kKeepBlocks = 16;
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
  std::string_view identity;  // EventIdentity (span_id [+ "\0" + transcript])
  std::string_view ids_key;   // its key in `ids`: IdsKey(identity), 16 bytes
  std::string_view topic;     // for republishing
  std::string_view json;      // the event as served, with "seq" (republished)
};

// An `events` value (event_codec.h): consecutive events of the batch,
// encoded, stored under the last seq it holds.
struct PreparedValue {
  uint64_t key_seq = 0;
  std::string_view value;
};

// An aggregate entry to write; views into its batch's text.
struct PreparedAggregate {
  AggTable table;
  std::string_view key, value;
};

struct PreparedBatch {
  PreparedBatch();
  uint64_t id = 0;  // 1, 2, ... in build order
  std::vector<PreparedEvent> events;
  std::vector<PreparedValue> values;  // the events as stored, in seq order
  std::vector<uint32_t>
      by_identity;  // events in ids key order (ids neighbours are written together)
  std::vector<IndexRuns>
      indexes;  // by EventIndex (store_schema.h): the events' entries, grouped by key
  std::vector<PreparedAggregate> aggregates;
  std::vector<AggregateState::ActivityMove> activity;
  std::map<std::string, SourceOffset> sources;  // offsets this batch advances
  std::map<std::string, PublisherPosition> publishers;
  // A dictionary first used by this batch's values, stored with them.
  std::optional<EventDictionary> new_dictionary;
  uint64_t last_seq = 0, duplicates = 0;  // store totals once committed
  BatchStats stats;
  TextArena text;

  // Empties the batch for reuse (keeps its memory).
  void Clear();
};

}  // namespace trace
