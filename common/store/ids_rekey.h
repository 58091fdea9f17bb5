// The `ids` re-key of trace-index --migrate (store_migrate.h): schema 2 and
// 3 keyed `ids` by the event identity itself, schema 4 by its 16-byte
// IdsKey (ids_key.h). LMDB cannot rename a database, so the new keys are
// written into `ids_rekeyed` (in old-key order, the position in
// meta/ids_rekey), then `ids` is emptied and they are copied back in key
// order with MDB_APPEND (full pages; the position is the last key of
// `ids`). Every step is one bounded write transaction the caller commits,
// so a kill at any moment loses at most the step in progress
// (proto/storage.md "Migration"). Single-threaded: the migration's own.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/base/status.h"
#include "common/store/store_schema.h"

namespace trace {

// meta/ids_rekey while the re-key runs: "k" + the last old key re-keyed
// (empty: none yet), then "c" while the new keys are copied back.
inline constexpr std::string_view kMetaIdsRekey = "ids_rekey";
// The database the new keys are gathered in; dropped when the re-key ends.
inline constexpr const char* kIdsRekeyedDb = "ids_rekeyed";

class IdsRekey {
 public:
  // Entries written of all there are to write: each entry twice (re-keyed,
  // then copied back), so total is twice the number of `ids` entries.
  struct Progress {
    uint64_t done = 0, total = 0;
    uint64_t written = 0;  // by the last step run
  };

  // dbs: opened in an earlier, committed transaction.
  IdsRekey(const StoreDbs& dbs, size_t entries_per_txn)
      : dbs_(dbs), per_txn_(entries_per_txn ? entries_per_txn : 1) {}

  // One step in txn (a write transaction the caller commits; after an
  // abort, the step is simply run again). *more: false once `ids` holds
  // the new keys only (then Finish). *rc: the MDB_* code of a failure
  // (MDB_MAP_FULL: grow the map and run the step again).
  Status Step(MDB_txn* txn, bool* more, int* rc);
  // Removes ids_rekeyed and meta/ids_rekey: in the transaction that sets
  // the schema version, so a store is never version 4 with a re-key left.
  Status Finish(MDB_txn* txn, int* rc);

  // As of the last step run.
  const Progress& progress() const { return progress_; }

 private:
  Status Rekey(MDB_txn* txn, MDB_dbi rekeyed, std::string_view after, int* rc);
  Status CopyBack(MDB_txn* txn, MDB_dbi rekeyed, bool* more, int* rc);

  const StoreDbs& dbs_;
  size_t per_txn_;
  Progress progress_;
};

}  // namespace trace
