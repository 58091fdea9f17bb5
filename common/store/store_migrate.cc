// See store_migrate.h. One write transaction per step: convert the next
// events after meta/migrated_seq and move it, or (first) store the trained
// dictionary, or re-key some messages or ids, or (last) set the schema
// version. MDB_MAP_FULL grows the map and redoes the step, as
// StoreWriter::Commit does.
#include "common/store/store_migrate.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "common/base/log.h"
#include "common/store/event_codec.h"
#include "common/store/event_reader.h"
#include "common/store/ids_rekey.h"
#include "common/store/lmdb.h"
#include "common/store/store.h"
#include "common/store/store_schema.h"

namespace trace {

namespace {

using lmdb::Val;
using lmdb::View;

constexpr int kMaxGrowRetries = 16;

class Migrator {
 public:
  Migrator(MDB_env* env, const MigrateOptions& o) : env_(env), o_(o), ids_(dbs_, o.ids_per_txn) {}

  Result<MigrateReport> Run() {
    MigrateReport report;
    if (Status st = Step([&](MDB_txn* txn) { return Start(txn); }); !st) return st;
    report.from_version = version_;
    if (version_ == kSchemaVersion) {
      report.already_current = true;
      return report;
    }
    if (Status st = ConvertEvents(); !st) return st;
    report.dictionary_id = encoder_.dictionary_id();
    if (Status st = RekeyIds(); !st) return st;
    if (Status st = Step([&](MDB_txn* txn) { return Finish(txn); }); !st) return st;
    if (int rc = mdb_env_sync(env_, 1); rc != 0) return lmdb::FromMdb("sync", rc);
    report.events = progress_;
    report.ids = ids_progress_;
    return report;
  }

 private:
  // Runs fn in a write txn and commits; a full map is grown and fn redone.
  Status Step(const std::function<Status(MDB_txn*)>& fn) {
    for (int attempt = 0;; ++attempt) {
      lmdb::Txn txn;
      if (int rc = txn.Begin(env_, 0); rc != 0) return lmdb::FromMdb("begin write", rc);
      last_rc_ = 0;
      Status st = fn(txn.get());
      if (st) st = txn.Commit(&last_rc_);
      if (st || last_rc_ != MDB_MAP_FULL || attempt >= kMaxGrowRetries) return st;
      txn.Abort();
      MDB_envinfo info;
      mdb_env_info(env_, &info);
      if (int rc = mdb_env_set_mapsize(env_, info.me_mapsize * 2); rc != 0)
        return lmdb::FromMdb("grow map", rc);
    }
  }

  Status Start(MDB_txn* txn) {
    if (Status st = OpenDbs(txn, true, &dbs_); !st) return st;
    auto version = StoredSchemaVersion(txn, dbs_);
    if (!version) return version.status();
    version_ = *version;
    if (version_ == kSchemaVersion) return Status::Ok();
    if (version_ != 2 && version_ != 3) {
      return Status::Error("store schema version " + std::to_string(version_) +
                           " cannot be migrated (only versions 2 and 3 can: rebuild it, move the "
                           "db away and re-index)");
    }
    MDB_val k = Val(kMetaMigratedSeq), v;
    int rc = mdb_get(txn, dbs_.meta, &k, &v);
    if (rc == 0 && v.mv_size == 8) migrated_ = lmdb::GetBe64(v.mv_data);
    auto last = LastEventSeq(txn, dbs_);  // seqs are 1, 2, 3 ... without holes
    if (!last) return last.status();
    progress_.total = *last;
    return Status::Ok();
  }

  // The dictionary (schema 2: trained; 3: its own), the values into
  // blocks, and schema 2's messages' keys.
  Status ConvertEvents() {
    if (Status st = Step([&](MDB_txn* txn) { return EnsureDictionary(txn); }); !st) return st;
    start_ = std::chrono::steady_clock::now();
    for (bool more = true; more;) {
      if (Status st = Step([&](MDB_txn* txn) { return ConvertSome(txn, &more); }); !st) return st;
      Report(!more);
    }
    for (bool more = version_ == 2; more;) {
      if (Status st = Step([&](MDB_txn* txn) { return RekeyMessages(txn, &more); }); !st) return st;
      rekey_from_ = rekey_next_;  // committed: the next step starts there
    }
    return Status::Ok();
  }

  // Schema 2's and 3's: `ids` by IdsKey (ids_rekey.h).
  Status RekeyIds() {
    ids_progress_.stage = MigrateStage::kIds;
    start_ = std::chrono::steady_clock::now();
    last_report_ = {};
    for (bool more = true; more;) {
      if (Status st = Step([&](MDB_txn* txn) { return ids_.Step(txn, &more, &last_rc_); }); !st)
        return st;
      ids_progress_.done = ids_.progress().done;
      ids_progress_.total = ids_.progress().total;
      ids_progress_.this_run += ids_.progress().written;
      ReportProgress(&ids_progress_, !more);
    }
    return Status::Ok();
  }

  // The dictionary of an interrupted run, or one trained from the store's
  // first events (still JSON: they are converted after it is stored).
  Status EnsureDictionary(MDB_txn* txn) {
    auto dict = LastDictionary(txn, dbs_);
    if (!dict) return dict.status();
    if (dict->id == 0) {
      auto trained = TrainFromFirstEvents(txn);
      if (!trained) return trained.status();
      if (!trained->empty()) {
        dict = EventDictionary{1, std::move(*trained)};
        std::string key = DictionaryKey(1);
        MDB_val k = Val(key), v = Val(dict->bytes);
        if (int rc = mdb_put(txn, dbs_.dicts, &k, &v, 0); rc != 0)
          return lmdb::FromMdb("put dictionary", last_rc_ = rc);
      }
    }
    return encoder_.SetDictionary(*dict);
  }

  // Empty when the store is too small to train from (values then go
  // without a dictionary, as in a new store's first batches).
  Result<std::string> TrainFromFirstEvents(MDB_txn* txn) {
    lmdb::Cursor c;
    if (int rc = c.Open(txn, dbs_.events); rc != 0) return lmdb::FromMdb("cursor", rc);
    std::vector<std::string> values;
    size_t bytes = 0;
    MDB_val k, v;
    for (int rc = c.Get(&k, &v, MDB_FIRST); rc == 0 && bytes < kTrainSampleBytes;
         rc = c.Get(&k, &v, MDB_NEXT)) {
      if (v.mv_size == 0 || *static_cast<const char*>(v.mv_data) != '{') continue;
      values.emplace_back(View(v));
      bytes += v.mv_size;
    }
    std::vector<std::string_view> samples(values.begin(), values.end());
    auto dict = TrainEventDictionary(samples);
    return dict ? dict : Result<std::string>(std::string());
  }

  // Reads the next values, then rewrites them with plain puts: a cursor is
  // not trusted to stay put while the value under it changes size.
  Status ConvertSome(MDB_txn* txn, bool* more) {
    std::vector<std::pair<uint64_t, std::string>> batch;
    {
      lmdb::Cursor c;
      if (int rc = c.Open(txn, dbs_.events); rc != 0) return lmdb::FromMdb("cursor", rc);
      std::string key = lmdb::Be64(migrated_ + 1);
      MDB_val k = Val(key), v;
      int rc = c.Get(&k, &v, MDB_SET_RANGE);
      for (; rc == 0 && batch.size() < o_.events_per_txn; rc = c.Get(&k, &v, MDB_NEXT))
        batch.emplace_back(lmdb::GetBe64(k.mv_data), std::string(View(v)));
      if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::FromMdb("read events", last_rc_ = rc);
      *more = rc == 0;
    }
    uint64_t seq = migrated_;
    for (auto& [s, value] : batch) {
      seq = s;
      if (Status st = OldValueToJson(txn, seq, &value); !st) return st;
    }
    // The values of a block but its last go; the last key takes the block.
    CutBlocks(
        batch.size(), [&](size_t i) { return batch[i].second.size(); }, &runs_);
    std::vector<std::string_view> events;
    for (const BlockRun& run : runs_) {
      events.clear();
      for (size_t i = run.first; i < run.first + run.count; ++i) {
        events.push_back(batch[i].second);
        if (i + 1 == run.first + run.count) break;
        std::string key = lmdb::Be64(batch[i].first);
        MDB_val k = Val(key);
        if (int rc = mdb_del(txn, dbs_.events, &k, nullptr); rc != 0)
          return lmdb::FromMdb("rewrite event", last_rc_ = rc);
      }
      if (Status st = encoder_.EncodeBlock(events, &value_); !st) return st;
      std::string key = lmdb::Be64(batch[run.first + run.count - 1].first);
      MDB_val k = Val(key), nv = Val(value_);
      if (int rc = mdb_put(txn, dbs_.events, &k, &nv, 0); rc != 0)
        return lmdb::FromMdb("rewrite event", last_rc_ = rc);
    }
    std::string be = lmdb::Be64(seq);
    MDB_val mk = Val(kMetaMigratedSeq), mv = Val(be);
    if (int rc = mdb_put(txn, dbs_.meta, &mk, &mv, 0); rc != 0)
      return lmdb::FromMdb("put migrated_seq", last_rc_ = rc);
    pending_ = {seq, batch.size()};
    return Status::Ok();
  }

  // Replaces *value, a value not converted yet, with its event's JSON:
  // schema 2's is the JSON, schema 3's one event encoded. Anything else is
  // an error, never guessed at.
  Status OldValueToJson(MDB_txn* txn, uint64_t seq, std::string* value) {
    std::string where = "events seq " + std::to_string(seq);
    if (version_ == 2) {
      if (value->empty() || (*value)[0] != '{')
        return Status::Error(where + " is not schema 2 JSON");
      return Status::Ok();
    }
    auto count = ValueEventCount(*value);
    if (!count || (*value)[0] == static_cast<char>(kValueBlock))
      return Status::Error(where + " is not a schema 3 value");
    std::string json;
    if (Status st = decoder_.Decode(*value, DictionaryLoaderFor(txn, dbs_), &json); !st)
      return st.Wrap(where);
    *value = std::move(json);
    return Status::Ok();
  }

  // Schema 2 keyed `messages` "<message_id>\0<request_id>"; schema 3 keys a
  // request "req:<request_id>", the id an OTel api_request shares with its
  // transcript lines (proto/storage.md "Counting rules"). Keys with a NUL are
  // the old ones, so a re-run after a kill takes up where it stopped. Should
  // two old messages name one request (never seen in Claude Code's files),
  // the first keeps the key: their counts are already in the aggregates.
  Status RekeyMessages(MDB_txn* txn, bool* more) {
    std::vector<std::pair<std::string, std::string>> batch;
    {
      lmdb::Cursor c;
      if (int rc = c.Open(txn, dbs_.messages); rc != 0) return lmdb::FromMdb("cursor", rc);
      MDB_val k = Val(rekey_from_), v;
      int rc = c.Get(&k, &v, rekey_from_.empty() ? MDB_FIRST : MDB_SET_RANGE);
      for (; rc == 0 && batch.size() < o_.events_per_txn; rc = c.Get(&k, &v, MDB_NEXT)) {
        rekey_next_ = std::string(View(k));
        if (View(k).find('\0') != std::string_view::npos)
          batch.emplace_back(std::string(View(k)), std::string(View(v)));
      }
      if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::FromMdb("read messages", last_rc_ = rc);
      *more = rc == 0;
    }
    for (const auto& [old_key, value] : batch) {
      std::string key = "req:" + old_key.substr(old_key.find('\0') + 1);
      MDB_val ok = Val(old_key), nk = Val(key), nv = Val(value);
      if (int rc = mdb_put(txn, dbs_.messages, &nk, &nv, MDB_NOOVERWRITE);
          rc != 0 && rc != MDB_KEYEXIST)
        return lmdb::FromMdb("rekey message", last_rc_ = rc);
      if (int rc = mdb_del(txn, dbs_.messages, &ok, nullptr); rc != 0)
        return lmdb::FromMdb("rekey message", last_rc_ = rc);
    }
    return Status::Ok();
  }

  Status Finish(MDB_txn* txn) {
    std::string version = std::to_string(kSchemaVersion);
    MDB_val k = Val(kMetaSchemaVersion), v = Val(version);
    if (int rc = mdb_put(txn, dbs_.meta, &k, &v, 0); rc != 0)
      return lmdb::FromMdb("put schema version", last_rc_ = rc);
    MDB_val mk = Val(kMetaMigratedSeq);
    int rc = mdb_del(txn, dbs_.meta, &mk, nullptr);
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::FromMdb("del migrated_seq", last_rc_ = rc);
    return ids_.Finish(txn, &last_rc_);
  }

  // After a committed step: done counts events up to migrated_seq (seqs
  // are 1, 2, 3 ... without holes).
  void Report(bool last) {
    migrated_ = pending_.first;
    progress_.this_run += pending_.second;
    progress_.done = std::min(migrated_, progress_.total);
    ReportProgress(&progress_, last);
  }

  void ReportProgress(MigrateProgress* p, bool last) {
    auto now = std::chrono::steady_clock::now();
    p->seconds = std::chrono::duration<double>(now - start_).count();
    if (!o_.progress) return;
    if (last || now - last_report_ >= std::chrono::milliseconds(o_.progress_ms)) {
      last_report_ = now;
      o_.progress(*p);
    }
  }

  MDB_env* env_;
  const MigrateOptions& o_;
  StoreDbs dbs_{};
  int version_ = 0;  // as found
  IdsRekey ids_;
  EventEncoder encoder_;
  EventDecoder decoder_;  // schema 3's values
  std::vector<BlockRun> runs_;
  std::string value_;
  uint64_t migrated_ = 0;
  // RekeyMessages resumes its scan after the last key a committed step saw.
  std::string rekey_from_, rekey_next_;
  std::pair<uint64_t, uint64_t> pending_;  // (seq, converted) of the step just run
  int last_rc_ = 0;
  MigrateProgress progress_, ids_progress_;
  std::chrono::steady_clock::time_point start_, last_report_;  // of the stage running
};

}  // namespace

Result<MigrateReport> MigrateStore(const MigrateOptions& options) {
  std::string what = "migrate db '" + options.dir + "'";
  EnvOptions eo;
  eo.dir = options.dir;
  eo.writer = true;
  if (::access((options.dir + "/data.mdb").c_str(), F_OK) != 0)
    return Status::Error(what + ": no store there");
  auto lock = LockStoreWriter(options.dir);
  if (!lock) return lock.status().Wrap(what);
  auto env = OpenEnv(eo);
  if (!env) {
    ::close(*lock);
    return env.status().Wrap(what);
  }
  auto report = Migrator(*env, options).Run();
  mdb_env_close(*env);
  ::close(*lock);
  if (!report) return report.status().Wrap(what);
  return report;
}

void LogMigrateProgress(const MigrateProgress& p) {
  double rate = p.seconds > 0 ? p.this_run / p.seconds : 0;
  uint64_t left = p.total - std::min(p.done, p.total);
  uint64_t eta = rate > 0 ? static_cast<uint64_t>(left / rate) : 0;
  if (p.stage == MigrateStage::kIds) {
    log::Info("migrating", {{"ids_done", p.done},
                            {"ids_total", p.total},
                            {"ids_per_s", static_cast<uint64_t>(rate)},
                            {"eta_s", eta}});
    return;
  }
  log::Info("migrating", {{"events_done", p.done},
                          {"events_total", p.total},
                          {"events_per_s", static_cast<uint64_t>(rate)},
                          {"eta_s", eta}});
}

}  // namespace trace
