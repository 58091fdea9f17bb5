// See store_schema.h.
#include "common/store/store_schema.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/store/store.h"

namespace trace {

// One writer per store: a second trace-index on the same --db would assign
// the same seqs. flock is released by the kernel when the process dies.
Result<int> LockStoreWriter(const std::string& dir) {
  std::string path = dir + "/writer.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Errno("open '" + path + "'");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return Status::Error("another trace-index is writing this store");
    return Status::Errno("lock '" + path + "'", err);
  }
  return fd;
}

Result<MDB_env*> OpenEnv(const EnvOptions& o) {
  std::string what = "open db '" + o.dir + "'";
  std::error_code ec;
  if (o.writer) {
    std::filesystem::create_directories(o.dir, ec);
    if (ec) return Status::Error(what + ": " + ec.message());
  } else if (!std::filesystem::exists(o.dir + "/data.mdb", ec)) {
    return Status::Error(what + ": no store there (is trace-index running with this --db?)");
  }
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return lmdb::FromMdb(what, rc);
  mdb_env_set_maxdbs(env, 32);
  mdb_env_set_maxreaders(env, o.max_readers);
  if (o.writer) mdb_env_set_mapsize(env, o.map_size ? o.map_size : (size_t{1} << 30));
  unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
  if (!o.writer) flags |= MDB_RDONLY;
  // Durable: a commit fdatasyncs the data pages (and the meta pages written
  // before); its own meta page is synced by the next commit or
  // mdb_env_sync (StoreWriter::SyncToDisk), one fsync per commit instead of two.
  if (o.writer) flags |= o.durable ? MDB_NOMETASYNC : MDB_NOSYNC;
  rc = mdb_env_open(env, o.dir.c_str(), flags, 0644);
  if (rc != 0) {
    mdb_env_close(env);
    return lmdb::FromMdb(what, rc);
  }
  return env;
}

namespace {

Status OpenOne(MDB_txn* txn, const char* name, unsigned flags, bool create, MDB_dbi* dbi) {
  int rc = mdb_dbi_open(txn, name, flags | (create ? MDB_CREATE : 0), dbi);
  if (rc == MDB_NOTFOUND) return Status::Error(std::string("database '") + name + "' missing");
  return rc == 0 ? Status::Ok() : lmdb::FromMdb(std::string("open database '") + name + "'", rc);
}

}  // namespace

Status OpenDbs(MDB_txn* txn, bool create, StoreDbs* d) {
  const unsigned kDup = MDB_DUPSORT | MDB_DUPFIXED;
  struct Spec {
    const char* name;
    unsigned flags;
    MDB_dbi* dbi;
  } specs[] = {
      {"meta", 0, &d->meta},
      {"events", 0, &d->events},
      {"ids", 0, &d->ids},
      {"by_session", kDup, &d->by_session},
      {"by_task", kDup, &d->by_task},
      {"by_tool", kDup, &d->by_tool},
      {"by_trace", kDup, &d->by_trace},
      {"by_type", kDup, &d->by_type},
      {"by_user", kDup, &d->by_user},
      {"by_host", kDup, &d->by_host},
      {"by_time", kDup, &d->by_time},
      {"sessions", 0, &d->sessions},
      {"sessions_by_activity", 0, &d->sessions_by_activity},
      {"tasks", 0, &d->tasks},
      {"tools", 0, &d->tools},
      {"tool_calls", 0, &d->tool_calls},
      {"messages", 0, &d->messages},
      {"usage_by_day", 0, &d->usage_by_day},
      {"usage_by_session_day", 0, &d->usage_by_session_day},
      {"usage_by_slot", 0, &d->usage_by_slot},
      {"sources", 0, &d->sources},
      {"publishers", 0, &d->publishers},
      {"dicts", 0, &d->dicts},
  };
  for (const Spec& s : specs) {
    if (!create && s.dbi == &d->dicts) {
      // Schema 3's: a schema 2 store lacks it, and CheckSchema says so.
      if (mdb_dbi_open(txn, s.name, 0, s.dbi) != 0) *s.dbi = 0;
      continue;
    }
    if (!create && (s.dbi == &d->usage_by_slot || s.dbi == &d->by_user || s.dbi == &d->by_host)) {
      // Added after schema 1 shipped, without a version bump: an older store
      // opened read-only lacks them and reads as having no slots / no event
      // with a user or host (the writer creates them on its next open).
      if (mdb_dbi_open(txn, s.name, 0, s.dbi) != 0) *s.dbi = 0;
      continue;
    }
    if (Status st = OpenOne(txn, s.name, s.flags, create, s.dbi); !st) return st;
  }
  return Status::Ok();
}

Result<int> StoredSchemaVersion(MDB_txn* txn, const StoreDbs& dbs) {
  MDB_val k = lmdb::Val(kMetaSchemaVersion), v;
  int rc = mdb_get(txn, dbs.meta, &k, &v);
  if (rc == MDB_NOTFOUND) return 0;
  if (rc != 0) return lmdb::FromMdb("read schema version", rc);
  std::string text(lmdb::View(v));
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != text.npos)
    return Status::Error("store schema version '" + text + "' is not a number");
  return std::stoi(text);
}

Status CheckSchema(MDB_txn* txn, const StoreDbs& dbs, bool init, const std::string& dir) {
  auto version = StoredSchemaVersion(txn, dbs);
  if (!version) return version.status();
  std::string want = std::to_string(kSchemaVersion);
  if (*version == 0 && init) {
    MDB_val k = lmdb::Val(kMetaSchemaVersion), nv = lmdb::Val(want);
    int rc = mdb_put(txn, dbs.meta, &k, &nv, 0);
    return rc == 0 ? Status::Ok() : lmdb::FromMdb("write schema version", rc);
  }
  if (*version == 0) return Status::Error("store has no schema version (not a claude-trace store)");
  if (*version == kSchemaVersion) return Status::Ok();
  std::string found = "store schema version " + std::to_string(*version);
  std::string migrate = ": convert it with 'trace-index --migrate --db " + dir + "'";
  // Same tables and aggregates; the events values (2) and the ids keys (2,
  // 3) change, which trace-index --migrate rewrites in place.
  if (*version == 2)
    return Status::Error(found + " predates version " + want +
                         " (compressed event blocks, hashed ids keys)" + migrate);
  if (*version == 3)
    return Status::Error(found + " predates version " + want + " (event blocks, hashed ids keys)" +
                         migrate);
  // Version 1 kept one line per uuid across files and counted prompts and
  // models by older rules: its events and aggregates cannot be read as 4's.
  return Status::Error(found + " is not the supported version " + want +
                       " (rebuild it: move the db away and re-index)");
}

std::string DictionaryKey(uint32_t id) {
  char key[4] = {static_cast<char>(id >> 24), static_cast<char>(id >> 16),
                 static_cast<char>(id >> 8), static_cast<char>(id)};
  return std::string(key, 4);
}

Result<EventDictionary> LastDictionary(MDB_txn* txn, const StoreDbs& dbs) {
  EventDictionary dict;
  if (dbs.dicts == 0) return dict;
  lmdb::Cursor c;
  if (int rc = c.Open(txn, dbs.dicts); rc != 0) return lmdb::FromMdb("cursor", rc);
  MDB_val k, v;
  int rc = c.Get(&k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) return dict;
  if (rc != 0) return lmdb::FromMdb("read dicts", rc);
  if (k.mv_size != 4) return Status::Error("corrupt dicts key");
  auto* b = static_cast<const unsigned char*>(k.mv_data);
  dict.id = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  dict.bytes.assign(lmdb::View(v));
  return dict;
}

EventDecoder::DictionaryLoader DictionaryLoaderFor(MDB_txn* txn, const StoreDbs& dbs) {
  return [txn, &dbs](uint32_t id) -> Result<std::optional<std::string>> {
    if (dbs.dicts == 0) return std::optional<std::string>();
    std::string key = DictionaryKey(id);
    MDB_val k = lmdb::Val(key), v;
    int rc = mdb_get(txn, dbs.dicts, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>();
    if (rc != 0) return lmdb::FromMdb("read dicts", rc);
    return std::optional<std::string>(std::string(lmdb::View(v)));
  };
}

}  // namespace trace
