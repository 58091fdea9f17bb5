// `trace-index --migrate`: converts a schema 2 store in place to schema 3
// (proto/storage.md "Migration"): every `events` value re-encoded from JSON
// to the compressed encoding, in transactions of a few thousand events, the
// position kept in meta/migrated_seq in the same transaction, so a kill at
// any moment loses at most the transaction in progress and a re-run carries
// on. The schema version becomes 3 in the last transaction; until then every
// reader and the writer refuse the store. Takes the writer lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/base/status.h"

namespace trace {

struct MigrateProgress {
  uint64_t done = 0, total = 0;  // events converted (this run and before), in the store
  uint64_t this_run = 0;         // converted by this run
  double seconds = 0;            // since this run started
};

struct MigrateOptions {
  std::string dir;
  size_t events_per_txn = 4096;
  int progress_ms = 3000;  // progress is called at most this often, and at the end
  std::function<void(const MigrateProgress&)> progress;
};

struct MigrateReport {
  bool already_current = false;  // the store was schema 3: nothing done
  MigrateProgress last;
  uint32_t dictionary_id = 0;  // what the values were encoded with (0: none)
};

Result<MigrateReport> MigrateStore(const MigrateOptions& options);

// A progress callback for MigrateOptions: one JSON log line (done, total,
// events/s, ETA).
void LogMigrateProgress(const MigrateProgress& p);

}  // namespace trace
