// `trace-index --migrate`: converts a schema 2 or 3 store in place to
// schema 4 (proto/storage.md "Migration"). The `events` values (schema 2's
// JSON, schema 3's one event each) rewritten into blocks, in transactions
// of a few thousand events, the position kept in meta/migrated_seq in the
// same transaction; from 2, `messages` re-keyed by request; then `ids`
// re-keyed by IdsKey (ids_rekey.h), resumable the same way. A kill at any
// moment loses at most the transaction in progress and a re-run carries
// on. The schema version becomes 4 in the last transaction; until then
// every reader and the writer refuse the store. Takes the writer lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/base/status.h"

namespace trace {

enum class MigrateStage {
  kEvents,  // event values rewritten into blocks
  kIds,     // ids entries re-keyed, then copied back (each counted once per write)
};

struct MigrateProgress {
  MigrateStage stage = MigrateStage::kEvents;
  uint64_t done = 0, total = 0;  // done (this run and before), of all there is to do
  uint64_t this_run = 0;         // done by this run
  double seconds = 0;            // since this run started the stage
};

struct MigrateOptions {
  std::string dir;
  size_t events_per_txn = 4096;
  size_t ids_per_txn = 8192;
  int progress_ms = 3000;  // progress is called at most this often per stage, and at its end
  std::function<void(const MigrateProgress&)> progress;
};

struct MigrateReport {
  bool already_current = false;  // the store was schema 4: nothing done
  int from_version = 0;
  MigrateProgress events, ids;  // each stage at its end
  uint32_t dictionary_id = 0;   // what the values were encoded with (0: none)
};

Result<MigrateReport> MigrateStore(const MigrateOptions& options);

// A progress callback for MigrateOptions: one JSON log line (done, total,
// per second, ETA).
void LogMigrateProgress(const MigrateProgress& p);

}  // namespace trace
