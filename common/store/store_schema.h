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

// Opens (writer: creates) the environment. Errors are one line naming dir.
Result<MDB_env*> OpenEnv(const EnvOptions& o);
// Opens every named database; create makes missing ones (writer only).
Status OpenDbs(MDB_txn* txn, bool create, StoreDbs* dbs);
// Checks meta "schema_version"; with init, writes it into an empty store.
Status CheckSchema(MDB_txn* txn, const StoreDbs& dbs, bool init);

// Names of the meta keys.
inline constexpr std::string_view kMetaSchemaVersion = "schema_version";
inline constexpr std::string_view kMetaLastSeq = "last_seq";
inline constexpr std::string_view kMetaDuplicates = "duplicates";

}  // namespace trace
