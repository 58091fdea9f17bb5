// The named databases of the store and how they are opened: shared by the
// reader (store.cc), the writer (store_writer.cc) and --verify. Key and value
// layouts are documented in proto/storage.md; the constants here are theirs.
#pragma once

#include <lmdb.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/event/event.h"
#include "common/store/event_codec.h"
#include "common/store/lmdb.h"
#include "common/store/prepared_batch.h"

namespace trace {

struct StoreDbs {
  MDB_dbi meta, events, ids;
  MDB_dbi by_session, by_task, by_tool, by_trace, by_type;
  // 0 when a read-only store predates them (its events carry no user/host).
  MDB_dbi by_user = 0, by_host = 0;
  MDB_dbi by_time;
  MDB_dbi sessions, sessions_by_activity, tasks, tools;
  MDB_dbi tool_calls, messages, usage_by_day, usage_by_session_day;
  // 0 when a read-only store predates it (no slot data: re-index).
  MDB_dbi usage_by_slot = 0;
  MDB_dbi sources, publishers;
  // Event dictionaries (event_codec.h); 0 when a read-only store predates
  // schema 3 (CheckSchema then refuses it).
  MDB_dbi dicts = 0;
};

inline uint64_t IndexEntrySeq(const MDB_val& v) { return lmdb::GetBe64(v.mv_data); }
inline int64_t IndexEntryTs(const MDB_val& v) {
  return lmdb::UnbiasTs(lmdb::GetBe64(static_cast<const char*>(v.mv_data) + 8));
}

struct EnvOptions {
  std::string dir;
  bool writer = false;
  bool durable = true;  // writer: fsync at commit
  size_t map_size = 0;  // writer: initial map size (0 = default 1 GiB)
  unsigned max_readers = 1024;
};

// Takes the store's writer lock (flock on DIR/writer.lock, held until the
// returned fd is closed or the process dies); fails when another process
// writes the store.
Result<int> LockStoreWriter(const std::string& dir);
// Opens (writer: creates) the environment. Errors are one line naming dir.
Result<MDB_env*> OpenEnv(const EnvOptions& o);
// Opens every named database; create makes missing ones (writer only).
Status OpenDbs(MDB_txn* txn, bool create, StoreDbs* dbs);
// Checks meta "schema_version"; with init, writes it into an empty store.
// A schema 2 or 3 store (or one whose migration was interrupted) is refused
// with the instruction to run trace-index --migrate on dir.
Status CheckSchema(MDB_txn* txn, const StoreDbs& dbs, bool init, const std::string& dir);
// The schema_version stored, or 0 when there is none.
Result<int> StoredSchemaVersion(MDB_txn* txn, const StoreDbs& dbs);

// The newest dictionary in `dicts` (id 0 when there is none).
Result<EventDictionary> LastDictionary(MDB_txn* txn, const StoreDbs& dbs);
// Reads dictionaries from `dicts` through txn, for an EventDecoder meeting
// one the first time (common/store/event_reader.h decodes with it).
EventDecoder::DictionaryLoader DictionaryLoaderFor(MDB_txn* txn, const StoreDbs& dbs);
// The key of dictionary id in `dicts`: 4 bytes, big-endian.
std::string DictionaryKey(uint32_t id);

// Names of the meta keys.
inline constexpr std::string_view kMetaSchemaVersion = "schema_version";
inline constexpr std::string_view kMetaLastSeq = "last_seq";
inline constexpr std::string_view kMetaDuplicates = "duplicates";
// Set while trace-index --migrate rewrites a schema 2 or 3 store's values:
// the last seq already rewritten into blocks (u64 BE).
inline constexpr std::string_view kMetaMigratedSeq = "migrated_seq";

}  // namespace trace
