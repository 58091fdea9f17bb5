// See store_verify.h.
#include "common/store/store_verify.h"

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <set>

#include "common/event/aggregator.h"
#include "common/event/event.h"
#include "common/event/event_facts.h"
#include "common/event/normalize.h"
#include "common/json/json_parse.h"
#include "common/store/event_reader.h"
#include "common/store/ids_key.h"
#include "common/store/lmdb.h"
#include "common/store/store_schema.h"

namespace trace {

namespace {

using lmdb::Val;
using lmdb::View;

std::string Printable(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (c == '\0') c = '|';
  }
  return out;
}

// A table value as people read it: JSON (a binary counting state decoded),
// or what is wrong with it.
std::string Shown(AggTable t, std::string_view value) {
  auto json = AggValueJson(t, value);
  return json ? *json : "(" + json.status().message() + ")";
}

// An order-independent digest of a table's (key, value) pairs: their count
// and the sum of their mixed hashes. Two multisets of pairs differ, with
// overwhelming probability, iff their digests do; memory stays constant
// whatever the store's size.
struct PairDigest {
  uint64_t count = 0, sum = 0;
  void Add(std::string_view key, std::string_view value) {
    uint64_t h = std::hash<std::string_view>{}(key)*0x9E3779B97F4A7C15ULL ^
                 std::hash<std::string_view>{}(value);
    h ^= h >> 31;  // splitmix64 finalizer: spreads every bit before summing
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBULL;
    h ^= h >> 31;
    ++count;
    sum += h;
  }
  bool operator==(const PairDigest&) const = default;
};

class Verifier {
 public:
  Verifier(MDB_txn* txn, const StoreDbs& d, size_t max_listed)
      : txn_(txn), d_(d), max_listed_(max_listed) {}

  Status Run(VerifyReport* r) {
    report_ = r;
    if (Status st = Replay(); !st) return st;
    if (Status st = CompareTables(); !st) return st;
    if (Status st = CompareIndexes(); !st) return st;
    return CompareActivity();
  }

 private:
  void Differ(std::string line) {
    ++report_->difference_count;
    if (report_->differences.size() < max_listed_) report_->differences.push_back(std::move(line));
  }

  // Every event in seq order; the values' seqs must follow each other from
  // 1 without a hole or an overlap (queries count on it).
  Status Replay() {
    uint64_t expected = 1;
    Status failed;
    auto event = [&](uint64_t seq, std::string_view json) {
      ++report_->events;
      rapidjson::Document doc;
      Status parsed = json::Parse(&doc, json, json::kMaxEventDepth);
      auto keys = parsed ? ReadEventKeys(doc) : Result<EventKeys>(parsed);
      if (!keys)
        return Differ("events seq " + std::to_string(seq) + ": " + keys.status().message());
      ExpectIndexEntries(lmdb::Be64(seq), *keys);
      if (auto fill = state_.Apply(ExtractFacts(doc, *keys)); !fill && failed)
        failed = fill.status();
    };
    auto value = [&](uint64_t first, const DecodedEvents& events) {
      uint64_t last = first + events.size() - 1;
      if (first != expected) {
        Differ("events " + std::to_string(first) + ".." + std::to_string(last) + ": expected seq " +
               std::to_string(expected) + " next");
      }
      expected = last + 1;
      for (size_t i = 0; i < events.size() && failed; ++i) event(first + i, events.at(i));
    };
    auto bad = [&](uint64_t key, const Status& why) {
      ++report_->events;
      Differ("events seq " + std::to_string(key) + ": " + why.message());
      expected = key + 1;
    };
    Status st = EventReader(decoder_, txn_, d_).ForEachValue(value, bad);
    return st ? failed : st;
  }

  MDB_dbi Dbi(AggTable t) const {
    const MDB_dbi dbis[] = {d_.sessions,
                            d_.tasks,
                            d_.tools,
                            d_.tool_calls,
                            d_.messages,
                            d_.usage_by_day,
                            d_.usage_by_session_day,
                            d_.usage_by_slot};
    return dbis[static_cast<int>(t)];
  }

  Status CompareTables() {
    std::map<int, std::set<std::string>> expected_keys;
    Status st;
    state_.ForEach([&](AggTable t, const std::string& key, const std::string& want) {
      expected_keys[static_cast<int>(t)].insert(key);
      ++report_->checked;
      MDB_val k = Val(key), v;
      std::string where = std::string(AggTableName(t)) + " '" + Printable(key) + "'";
      if (Dbi(t) == 0) return Differ(where + ": missing, the store predates its database");
      int rc = mdb_get(txn_, Dbi(t), &k, &v);
      if (rc == MDB_NOTFOUND) return Differ(where + ": missing, expected " + Shown(t, want));
      if (rc != 0) return void(st = lmdb::FromMdb("read " + where, rc));
      // By content: a counting state a store holds as JSON from before the
      // binary values is the same state (rewritten in binary on its next update).
      if (View(v) != want && Shown(t, View(v)) != Shown(t, want))
        Differ(where + ": stored " + Shown(t, View(v)) + " expected " + Shown(t, want));
    });
    if (!st) return st;
    for (int t = 0; t < kAggTableCount; ++t) {
      if (Status s = ExtraKeys(static_cast<AggTable>(t), expected_keys[t]); !s) return s;
    }
    return Status::Ok();
  }

  Status ExtraKeys(AggTable t, const std::set<std::string>& expected) {
    if (Dbi(t) == 0) return Status::Ok();
    lmdb::Cursor c;
    if (int rc = c.Open(txn_, Dbi(t)); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k, v;
    for (int rc = c.Get(&k, &v, MDB_FIRST); rc == 0; rc = c.Get(&k, &v, MDB_NEXT)) {
      if (!expected.count(std::string(View(k)))) {
        Differ(std::string(AggTableName(t)) + " '" + Printable(View(k)) +
               "': stored but not expected");
      }
    }
    return Status::Ok();
  }

  // The entries the writer makes for an event stored at seq_key
  // (proto/storage.md "Named databases"): ids, and each index it has a key for.
  void ExpectIndexEntries(std::string_view seq_key, const EventKeys& keys) {
    EventIdentity(keys, &identity_);
    want_ids_.Add(IdsKey(identity_).view(), seq_key);
    char entry[kIndexEntrySize];
    PutIndexEntry(entry, lmdb::GetBe64(seq_key.data()), keys.timestamp_ms);
    const auto fields = IndexedFields(keys);
    for (int i = 0; i < kKeyedIndexes; ++i) {
      if (!fields[i]->empty()) want_[i].Add(*fields[i], {entry, sizeof entry});
    }
    want_[kIndexTime].Add({entry + 8, 8}, seq_key);
  }

  // Each index holds exactly the entries its events call for: no entry
  // missing, none extra or pointing at the wrong seq or time.
  Status CompareIndexes() {
    const struct {
      MDB_dbi dbi;
      const char* name;
      const PairDigest& want;
    } tables[] = {{d_.ids, "ids", want_ids_},
                  {d_.by_session, "by_session", want_[kIndexSession]},
                  {d_.by_task, "by_task", want_[kIndexTask]},
                  {d_.by_tool, "by_tool", want_[kIndexTool]},
                  {d_.by_trace, "by_trace", want_[kIndexTrace]},
                  {d_.by_type, "by_type", want_[kIndexType]},
                  {d_.by_user, "by_user", want_[kIndexUser]},
                  {d_.by_host, "by_host", want_[kIndexHost]},
                  {d_.by_time, "by_time", want_[kIndexTime]}};
    for (const auto& t : tables) {
      lmdb::Cursor c;
      if (int rc = c.Open(txn_, t.dbi); rc != 0) return lmdb::FromMdb("cursor", rc);
      PairDigest stored;
      MDB_val k, v;
      int rc;
      for (rc = c.Get(&k, &v, MDB_FIRST); rc == 0; rc = c.Get(&k, &v, MDB_NEXT))
        stored.Add(View(k), View(v));
      if (rc != MDB_NOTFOUND) return lmdb::FromMdb(std::string("read ") + t.name, rc);
      report_->index_entries += stored.count;
      if (stored == t.want) continue;
      Differ(std::string(t.name) + ": " + std::to_string(stored.count) + " entries stored, " +
             std::to_string(t.want.count) + " expected" +
             (stored.count == t.want.count ? " (same count, different entries)" : ""));
    }
    return Status::Ok();
  }

  // sessions_by_activity must hold exactly one entry per session, at its last_ts.
  Status CompareActivity() {
    std::set<std::string> want;
    state_.ForEach([&](AggTable t, const std::string& key, const std::string& json) {
      if (t != AggTable::kSessions) return;
      rapidjson::Document d;
      Status parsed = json::Parse(&d, json);
      if (parsed && d.IsObject() && d.HasMember("last_ts") && d["last_ts"].IsInt64()) {
        want.insert(lmdb::Be64(lmdb::BiasTs(d["last_ts"].GetInt64())) + key);
      }
    });
    lmdb::Cursor c;
    if (int rc = c.Open(txn_, d_.sessions_by_activity); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k, v;
    size_t seen = 0;
    for (int rc = c.Get(&k, &v, MDB_FIRST); rc == 0; rc = c.Get(&k, &v, MDB_NEXT)) {
      ++seen;
      if (!want.count(std::string(View(k))) && k.mv_size >= 8) {
        Differ("sessions_by_activity '" + Printable(View(k).substr(8)) + "': stale entry");
      }
    }
    if (seen < want.size())
      Differ("sessions_by_activity: " + std::to_string(want.size() - seen) + " sessions missing");
    return Status::Ok();
  }

  MDB_txn* txn_;
  const StoreDbs& d_;
  EventDecoder decoder_;
  size_t max_listed_;
  VerifyReport* report_ = nullptr;
  AggregateState state_;
  PairDigest want_ids_, want_[kEventIndexes];
  std::string identity_;
};

}  // namespace

Result<VerifyReport> VerifyStore(const std::string& dir, size_t max_listed) {
  EnvOptions eo;
  eo.dir = dir;
  auto env = OpenEnv(eo);
  if (!env) return env.status();
  VerifyReport report;
  Status st = [&]() -> Status {
    lmdb::Txn txn;
    if (int rc = txn.Begin(*env, MDB_RDONLY); rc != 0)
      return lmdb::FromMdb("open db '" + dir + "'", rc);
    StoreDbs dbs;
    if (Status s = OpenDbs(txn.get(), false, &dbs); !s) return s;
    if (Status s = CheckSchema(txn.get(), dbs, false, dir); !s) return s;
    return Verifier(txn.get(), dbs, max_listed).Run(&report);
  }();
  mdb_env_close(*env);
  if (!st) return st.Wrap("verify '" + dir + "'");
  return report;
}

}  // namespace trace
