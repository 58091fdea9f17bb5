// Events out of the `events` table of one read (or write) transaction
// (proto/storage.md "Event values"). A value holds one event or a block of
// consecutive ones and is keyed by the last seq it holds, so the value of a
// seq is the first key at or after it. The reader keeps the value it
// decoded last: reading the events of one block decompresses it once.
// Every reader of events goes through here (queries, --verify, the
// exporter's snapshots, --migrate).
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/store/event_codec.h"
#include "common/store/lmdb.h"
#include "common/store/store_schema.h"

namespace trace {

class EventReader {
 public:
  // fn(seq, json): false stops the walk.
  using Visit = std::function<bool(uint64_t seq, std::string_view json)>;

  EventReader(EventDecoder& decoder, MDB_txn* txn, const StoreDbs& dbs)
      : decoder_(decoder), txn_(txn), dbs_(dbs), load_(DictionaryLoaderFor(txn, dbs)) {}

  // Appends seq's JSON to *out; false (ok) when the store holds no such seq.
  Result<bool> Append(uint64_t seq, std::string* out);
  // Visits the events after after_seq in seq order until fn returns false;
  // true when it stopped with events left unvisited. A damaged value is an
  // error naming its seqs.
  Result<bool> ForEachAfter(uint64_t after_seq, const Visit& fn);
  // Visits every value in seq order: fn(first_seq, events) for each, or
  // bad(key_seq, why) for one that does not decode (the walk goes on).
  Status ForEachValue(const std::function<void(uint64_t first, const DecodedEvents&)>& fn,
                      const std::function<void(uint64_t key, const Status& why)>& bad);

 private:
  // Decodes the value at key into block_.
  Status Load(const MDB_val& key, const MDB_val& value);
  Status OpenCursor();

  EventDecoder& decoder_;
  MDB_txn* txn_;
  const StoreDbs& dbs_;
  EventDecoder::DictionaryLoader load_;
  lmdb::Cursor cursor_;  // in a write txn: the reader must end before the txn does
  bool cursor_open_ = false;
  DecodedEvents block_;
  uint64_t first_ = 0, last_ = 0;  // the seqs block_ holds (none: 0, 0)
};

// The seq of the last stored event (0: none): the last key of `events`.
Result<uint64_t> LastEventSeq(MDB_txn* txn, const StoreDbs& dbs);

}  // namespace trace
