// See store_writer.h. One batch = one write txn; any MDB error aborts the
// whole batch (LMDB guarantees the store stays at the previous commit) and,
// for MDB_MAP_FULL, the map is doubled and the batch retried.
#include <fcntl.h>
#include <rapidjson/document.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <optional>

#include "common/base/log.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/store/lmdb.h"
#include "common/store/lmdb_store.h"
#include "common/store/lmdb_store_writer.h"

namespace trace {

using lmdb::Val;
using lmdb::View;

namespace {

constexpr int kMaxGrowRetries = 16;

}  // namespace

Result<std::unique_ptr<StoreWriter>> StoreWriter::Open(const Options& options) {
  return LmdbStoreWriter::Open(options);
}

Result<std::unique_ptr<StoreWriter>> LmdbStoreWriter::Open(const Options& options) {
  EnvOptions eo;
  eo.dir = options.dir;
  eo.writer = true;
  eo.durable = options.durable;
  eo.map_size = options.map_size;
  auto env = OpenEnv(eo);  // creates the directory
  if (!env) return env.status();
  std::unique_ptr<LmdbStoreWriter> w(new LmdbStoreWriter());
  w->env_ = *env;
  w->durable_ = options.durable;
  w->dir_ = options.dir;
  auto lock = LockStoreWriter(options.dir);
  if (!lock) return lock.status().Wrap("open db '" + options.dir + "'");
  w->lock_fd_ = *lock;
  int dead = 0;
  mdb_reader_check(w->env_, &dead);  // slots of killed readers
  if (Status st = w->Load(); !st) return st.Wrap("open db '" + options.dir + "'");
  return std::unique_ptr<StoreWriter>(std::move(w));
}

LmdbStoreWriter::~LmdbStoreWriter() {
  if (env_) {
    if (Status st = SyncToDisk(); !st) {  // the last commit's meta page
      log::Warn("final sync failed: the last commit may not survive a power cut",
                {{"db", dir_}, {"error", st.message()}});
    }
    mdb_env_close(env_);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

size_t LmdbStoreWriter::map_size() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

Status LmdbStoreWriter::Load() {
  lmdb::Txn txn;
  if (int rc = txn.Begin(env_, 0); rc != 0) return lmdb::FromMdb("begin", rc);
  if (Status st = OpenDbs(txn.get(), true, &dbs_); !st) return st;
  if (Status st = CheckSchema(txn.get(), dbs_, true, dir_); !st) return st;
  if (Status st = ReadState(txn.get()); !st) return st;
  auto dict = LastDictionary(txn.get(), dbs_);
  if (!dict) return dict.status();
  dictionary_ = std::move(*dict);
  return txn.Commit();
}

// Its cursors close on return, before the txn ends (LMDB frees a write
// txn's cursors at commit: closing one after that is a double free).
Status LmdbStoreWriter::ReadState(MDB_txn* txn) {
  lmdb::Cursor c;
  MDB_val k, v;
  c.Open(txn, dbs_.events);
  if (c.Get(&k, &v, MDB_LAST) == 0 && k.mv_size == 8) last_seq_ = lmdb::GetBe64(k.mv_data);
  k = Val(kMetaDuplicates);
  if (mdb_get(txn, dbs_.meta, &k, &v) == 0 && v.mv_size == 8)
    duplicates_ = lmdb::GetBe64(v.mv_data);
  lmdb::Cursor s;
  s.Open(txn, dbs_.sources);
  for (int rc = s.Get(&k, &v, MDB_FIRST); rc == 0; rc = s.Get(&k, &v, MDB_NEXT)) {
    rapidjson::Document d;
    Status parsed = json::Parse(&d, View(v));
    if (!parsed || !d.IsObject()) return Status::Error("corrupt sources entry");
    // "fp" is absent in entries written before fingerprints: then only the
    // offset is known, and a REWIND falls back to the size check.
    SourceOffset o{std::string(json::GetString(d, "path").value_or("")),
                   static_cast<uint64_t>(json::GetInt(d, "offset").value_or(0)),
                   std::string(json::GetString(d, "fp").value_or(""))};
    sources_[std::string(View(k))] = o;
  }
  lmdb::Cursor p;
  p.Open(txn, dbs_.publishers);
  for (int rc = p.Get(&k, &v, MDB_FIRST); rc == 0; rc = p.Get(&k, &v, MDB_NEXT)) {
    rapidjson::Document d;
    Status parsed = json::Parse(&d, View(v));
    if (!parsed || !d.IsObject()) return Status::Error("corrupt publishers entry");
    std::string epoch(json::GetString(d, "epoch").value_or("0"));
    publishers_[std::string(View(k))] = {
        std::stoull(epoch, nullptr, 16),
        static_cast<uint64_t>(json::GetInt(d, "pub_seq").value_or(0))};
  }
  return Status::Ok();
}

// Holds the map lock shared for its life: the writer grows the map only
// while no read txn of this process is open.
class LmdbStoreWriter::LmdbSnapshot final : public StoreSnapshot {
 public:
  explicit LmdbSnapshot(LmdbStoreWriter& w) : writer_(w), map_lock_(w.map_mu_) {}
  int Begin() { return txn_.Begin(writer_.env_, MDB_RDONLY); }

  Result<bool> HasIdentity(const IdsKey& key) override {
    MDB_val k = Val(key.view()), v;
    int rc = mdb_get(txn_.get(), writer_.dbs_.ids, &k, &v);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return lmdb::FromMdb("read ids", rc);
    return true;
  }

  Result<std::optional<std::string>> GetAggregate(AggTable table, std::string_view key) override {
    MDB_val k = Val(key), v;
    int rc = mdb_get(txn_.get(), writer_.TableDbi(table), &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>();
    if (rc != 0) return lmdb::FromMdb(std::string("read ") + AggTableName(table), rc);
    return std::optional<std::string>(std::string(View(v)));
  }

  Result<bool> EventsAfter(uint64_t after_seq, size_t max, size_t max_bytes,
                           std::vector<std::pair<uint64_t, std::string>>* out) override {
    return ReadEventsAfter(writer_.decoder_, txn_.get(), writer_.dbs_, after_seq, max, max_bytes,
                           out);
  }

 private:
  LmdbStoreWriter& writer_;
  std::shared_lock<std::shared_mutex> map_lock_;
  lmdb::Txn txn_;  // ends before the lock is released (declared after it)
};

Result<std::unique_ptr<StoreSnapshot>> LmdbStoreWriter::Snapshot() {
  auto snap = std::make_unique<LmdbSnapshot>(*this);
  if (int rc = snap->Begin(); rc != 0) return lmdb::FromMdb("begin read", rc);
  return std::unique_ptr<StoreSnapshot>(std::move(snap));
}

MDB_dbi LmdbStoreWriter::TableDbi(AggTable t) const {
  switch (t) {
    case AggTable::kSessions:
      return dbs_.sessions;
    case AggTable::kTasks:
      return dbs_.tasks;
    case AggTable::kTools:
      return dbs_.tools;
    case AggTable::kToolCalls:
      return dbs_.tool_calls;
    case AggTable::kMessages:
      return dbs_.messages;
    case AggTable::kUsageByDay:
      return dbs_.usage_by_day;
    case AggTable::kUsageBySessionDay:
      return dbs_.usage_by_session_day;
    case AggTable::kUsageBySlot:
      return dbs_.usage_by_slot;
  }
  return dbs_.sessions;
}

Status LmdbStoreWriter::Put(MDB_dbi dbi, std::string_view key, std::string_view value,
                            unsigned flags) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_put(txn_, dbi, &k, &v, flags);
  if (rc == 0) return Status::Ok();
  last_rc_ = rc;
  return lmdb::FromMdb("put", rc);
}

Status LmdbStoreWriter::OpenEventCursors() {
  const MDB_dbi dbis[kEventTables] = {dbs_.events,  dbs_.ids,      dbs_.by_session, dbs_.by_task,
                                      dbs_.by_tool, dbs_.by_trace, dbs_.by_type,    dbs_.by_user,
                                      dbs_.by_host, dbs_.by_time};
  for (int t = 0; t < kEventTables; ++t) {
    if (int rc = mdb_cursor_open(txn_, dbis[t], &cursors_[t]); rc != 0) {
      last_rc_ = rc;
      return lmdb::FromMdb("open cursor", rc);
    }
  }
  return Status::Ok();
}

void LmdbStoreWriter::CloseEventCursors() {
  for (MDB_cursor*& c : cursors_) {
    if (c) mdb_cursor_close(c);
    c = nullptr;
  }
}

Status LmdbStoreWriter::PutAt(EventTable t, std::string_view key, std::string_view value,
                              unsigned flags) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_cursor_put(cursors_[t], &k, &v, flags);
  if (rc == 0) return Status::Ok();
  last_rc_ = rc;
  return lmdb::FromMdb("put", rc);
}

// A key's index entries in one put. Entries start with the big-endian
// seq, which only grows: they follow every stored duplicate of the key, so
// LMDB appends them (MDB_APPENDDUP: no search in the duplicates, full
// pages). Should LMDB ever refuse, the rest go in with plain puts.
Status LmdbStoreWriter::PutRun(EventTable t, const IndexRuns::Run& run, size_t entry_bytes) {
  MDB_val k = Val(run.key);
  MDB_val items[2] = {{entry_bytes, const_cast<char*>(run.entries)}, {run.count, nullptr}};
  int rc = mdb_cursor_put(cursors_[t], &k, items, MDB_MULTIPLE | MDB_APPENDDUP);
  for (size_t i = rc == MDB_KEYEXIST ? items[1].mv_size : run.count; i < run.count; ++i) {
    MDB_val v = {entry_bytes, const_cast<char*>(run.entries + i * entry_bytes)};
    if ((rc = mdb_cursor_put(cursors_[t], &k, &v, 0)) != 0) break;
  }
  if (rc == 0) return Status::Ok();
  last_rc_ = rc;
  return lmdb::FromMdb("put", rc);
}

Status LmdbStoreWriter::Commit(const PreparedBatch& batch) {
  for (int attempt = 0;; ++attempt) {
    last_rc_ = 0;
    Status st = TryCommit(batch);
    if (st) {
      last_seq_ = batch.last_seq;
      duplicates_ = batch.duplicates;
      for (const auto& [id, o] : batch.sources) sources_[id] = o;
      for (const auto& [id, p] : batch.publishers) publishers_[id] = p;
      if (batch.new_dictionary) dictionary_ = *batch.new_dictionary;
      return st;
    }
    if (last_rc_ != MDB_MAP_FULL || attempt >= kMaxGrowRetries) return st;
    std::unique_lock lock(map_mu_);  // no read txn of this process is open
    size_t grown = map_size() * 2;
    if (int rc = mdb_env_set_mapsize(env_, grown); rc != 0) return lmdb::FromMdb("grow map", rc);
    log::Info("store map grown", {{"map_size", static_cast<uint64_t>(grown)}});
  }
}

Status LmdbStoreWriter::SyncToDisk() {
  if (!durable_) return Status::Ok();
  int rc = mdb_env_sync(env_, 1);
  return rc == 0 ? Status::Ok() : lmdb::FromMdb("sync", rc);
}

Status LmdbStoreWriter::TryCommit(const PreparedBatch& batch) {
  lmdb::Txn txn;
  if (int rc = txn.Begin(env_, 0); rc != 0) {
    last_rc_ = rc;
    return lmdb::FromMdb("begin write", rc);
  }
  txn_ = txn.get();
  Status st = OpenEventCursors();
  if (st) st = PutEvents(batch);
  if (st) st = PutIndexes(batch);
  CloseEventCursors();
  if (st) st = WriteState(batch);
  // The commit can hit MDB_MAP_FULL too (freelist pages); a failed write
  // (ENOSPC, EIO) is not a reason to grow the map.
  if (st) st = txn.Commit(&last_rc_);
  if (!st && (last_rc_ == EIO || last_rc_ == ENOSPC || last_rc_ == EFBIG || last_rc_ == EDQUOT)) {
    st = st.Wrap("write to " + dir_ + " (disk full?)");
  }
  txn_ = nullptr;
  return st;
}

// Events go in by seq (appended, a block of them per value); their ids
// entries in key order, so each lands after the one before (the cursor moves
// forward through the leaves). The builder found each key absent from the
// store and from the batches in flight; MDB_NOOVERWRITE makes a broken
// promise an error, not a second copy.
Status LmdbStoreWriter::PutEvents(const PreparedBatch& batch) {
  if (const auto& d = batch.new_dictionary) {
    // MDB_NOOVERWRITE: a dictionary id names one dictionary forever.
    if (Status st = Put(dbs_.dicts, DictionaryKey(d->id), d->bytes, MDB_NOOVERWRITE); !st)
      return st.Wrap("dictionary " + std::to_string(d->id));
  }
  char seq_key[8];
  for (const PreparedValue& v : batch.values) {
    lmdb::PutBe64(seq_key, v.key_seq);
    if (Status st = PutAt(kEvents, {seq_key, 8}, v.value, MDB_APPEND); !st) return st;
  }
  for (uint32_t i : batch.by_identity) {
    const PreparedEvent& e = batch.events[i];
    lmdb::PutBe64(seq_key, e.seq);
    if (Status st = PutAt(kIds, e.ids_key, {seq_key, 8}, MDB_NOOVERWRITE); !st) {
      std::string_view span = e.identity.substr(0, e.identity.find('\0'));
      return st.Wrap("span_id '" + std::string(span) + "'");
    }
  }
  return Status::Ok();
}

Status LmdbStoreWriter::PutIndexes(const PreparedBatch& batch) {
  static_assert(kByTime - kBySession == kIndexTime - kIndexSession,
                "index tables in EventIndex order");
  for (int i = 0; i < kEventIndexes; ++i) {
    const IndexRuns& index = batch.indexes[i];
    auto table = static_cast<EventTable>(kBySession + i);
    for (const IndexRuns::Run& run : index.runs()) {
      if (Status st = PutRun(table, run, index.entry_bytes()); !st) return st;
    }
  }
  return Status::Ok();
}

Status LmdbStoreWriter::WriteState(const PreparedBatch& batch) {
  lmdb::Cursor cursor;  // batch.aggregates is in (table, key) order
  std::optional<AggTable> table;
  for (const PreparedAggregate& a : batch.aggregates) {
    if (a.table != table) {
      cursor.Close();
      if (int rc = cursor.Open(txn_, TableDbi(a.table)); rc != 0)
        return lmdb::FromMdb("cursor", last_rc_ = rc);
      table = a.table;
    }
    MDB_val k = Val(a.key), v = Val(a.value);
    if (int rc = mdb_cursor_put(cursor.get(), &k, &v, 0); rc != 0)
      return lmdb::FromMdb("put", last_rc_ = rc);
  }
  cursor.Close();  // before the txn ends
  for (const auto& move : batch.activity) {
    if (move.old_ts) {
      std::string old_key = lmdb::Be64(lmdb::BiasTs(*move.old_ts)) + move.session_id;
      MDB_val k = Val(old_key);
      int rc = mdb_del(txn_, dbs_.sessions_by_activity, &k, nullptr);
      if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::FromMdb("activity index", last_rc_ = rc);
    }
    if (Status s = Put(dbs_.sessions_by_activity,
                       lmdb::Be64(lmdb::BiasTs(move.new_ts)) + move.session_id, "");
        !s) {
      return s;
    }
  }
  for (const auto& [id, o] : batch.sources) {
    json::StringWriter w;
    w.StartObject();
    w.Key("path");
    w.String(o.path);
    w.Key("offset");
    w.Uint64(o.offset);
    if (!o.fingerprint.empty()) {
      w.Key("fp");
      w.String(o.fingerprint);
    }
    w.EndObject();
    if (Status s = Put(dbs_.sources, id, w.View()); !s) return s;
  }
  for (const auto& [id, p] : batch.publishers) {
    char epoch[17];
    snprintf(epoch, sizeof epoch, "%016llx", static_cast<unsigned long long>(p.epoch));
    json::StringWriter w;
    w.StartObject();
    w.Key("epoch");
    w.String(epoch);
    w.Key("pub_seq");
    w.Uint64(p.pub_seq);
    w.EndObject();
    if (Status s = Put(dbs_.publishers, id, w.View()); !s) return s;
  }
  if (Status s = Put(dbs_.meta, kMetaDuplicates, lmdb::Be64(batch.duplicates)); !s) return s;
  return Put(dbs_.meta, kMetaLastSeq, lmdb::Be64(batch.last_seq));
}

}  // namespace trace
