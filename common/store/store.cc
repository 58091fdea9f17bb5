// See store.h. Opening read-only, the MDB_MAP_RESIZED dance, and the point
// reads (events, aggregates, usage buckets). Event queries: store_query.cc.
#include <algorithm>
#include <mutex>

#include "common/event/aggregate.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/store/event_reader.h"
#include "common/store/ids_key.h"
#include "common/store/lmdb.h"
#include "common/store/lmdb_store.h"
#include "common/store/store_schema.h"

namespace trace {

using lmdb::Val;
using lmdb::View;

bool EventFilter::Empty() const {
  return session_id.empty() && task_id.empty() && tool_name.empty() && trace_id.empty() &&
         event_type.empty() && user.empty() && host.empty() && !from_ms && !to_ms;
}

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const Options& options) {
  return LmdbStore::Open(options);
}

Result<std::unique_ptr<Store>> LmdbStore::Open(const Options& options) {
  EnvOptions eo;
  eo.dir = options.dir;
  eo.max_readers = options.max_readers;
  auto env = OpenEnv(eo);
  if (!env) return env.status();
  std::unique_ptr<LmdbStore> s(new LmdbStore());
  s->dir_ = options.dir;
  s->env_ = *env;
  s->dbs_ = std::make_unique<StoreDbs>();
  lmdb::Txn txn;
  int rc = txn.Begin(s->env_, MDB_RDONLY);
  if (rc == MDB_MAP_RESIZED) {
    mdb_env_set_mapsize(s->env_, 0);
    rc = txn.Begin(s->env_, MDB_RDONLY);
  }
  std::string what = "open db '" + options.dir + "'";
  if (rc != 0) return lmdb::FromMdb(what, rc);
  if (Status st = OpenDbs(txn.get(), false, s->dbs_.get()); !st) return st.Wrap(what);
  if (Status st = CheckSchema(txn.get(), *s->dbs_, false, options.dir); !st) return st.Wrap(what);
  if (Status st = txn.Commit(); !st) return st.Wrap(what);  // keeps the dbi handles
  return std::unique_ptr<Store>(std::move(s));
}

LmdbStore::~LmdbStore() {
  if (env_) mdb_env_close(env_);
}

Status LmdbStore::Read(const std::function<Status(MDB_txn*, const StoreDbs&)>& fn) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    {
      std::shared_lock lock(resize_mu_);
      lmdb::Txn txn;
      int rc = txn.Begin(env_, MDB_RDONLY);
      if (rc == 0) return fn(txn.get(), *dbs_);
      if (rc != MDB_MAP_RESIZED) return lmdb::FromMdb("read txn", rc);
    }
    // The writer grew the map: adopt its size with no txn of ours active.
    std::unique_lock lock(resize_mu_);
    int rc = mdb_env_set_mapsize(env_, 0);
    if (rc != 0) return lmdb::FromMdb("adopt map size", rc);
  }
  return Status::Error("read txn: map keeps being resized");
}

namespace {

// Reads key from dbi into *out; false (ok) when absent.
Result<bool> GetString(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string* out) {
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return lmdb::FromMdb("get", rc);
  out->assign(View(v));
  return true;
}

}  // namespace

Result<std::optional<std::string>> LmdbStore::GetValue(MDB_dbi StoreDbs::*db,
                                                       std::string_view key) {
  std::optional<std::string> out;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    std::string v;
    auto r = GetString(txn, d.*db, key, &v);
    if (!r) return r.status();
    if (*r) out = std::move(v);
    return Status::Ok();
  });
  if (!st) return st;
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> LmdbStore::ScanPrefix(
    MDB_dbi StoreDbs::*db, std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    lmdb::Cursor c;
    if (int rc = c.Open(txn, d.*db); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k = Val(prefix), v;
    int rc = c.Get(&k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
    for (; rc == 0; rc = c.Get(&k, &v, MDB_NEXT)) {
      std::string_view key = View(k);
      if (key.substr(0, prefix.size()) != prefix) break;
      out.emplace_back(std::string(key), std::string(View(v)));
    }
    return rc == 0 || rc == MDB_NOTFOUND ? Status::Ok() : lmdb::FromMdb("scan", rc);
  });
  if (!st) return st;
  return out;
}

Result<std::optional<std::string>> LmdbStore::GetEvent(uint64_t seq) {
  std::optional<std::string> out;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    std::string json;
    auto found = EventReader(decoder_, txn, d).Append(seq, &json);
    if (found && *found) out = std::move(json);
    return found.status();
  });
  if (!st) return st.Wrap("event " + std::to_string(seq));
  return out;
}

namespace {

// The seqs of the ids keys under span_id's prefix (ids_key.h), lowest first:
// every identity of that span_id (a line replayed into several transcripts)
// and, should 64-bit hashes ever collide, other span_ids' lines too.
Result<std::vector<uint64_t>> SpanCandidates(MDB_txn* txn, const StoreDbs& d,
                                             std::string_view span_id) {
  lmdb::Cursor c;
  if (int rc = c.Open(txn, d.ids); rc != 0) return lmdb::FromMdb("cursor", rc);
  std::string prefix = IdsSpanPrefix(span_id);
  std::vector<uint64_t> seqs;
  MDB_val k = Val(prefix), v;
  int rc = c.Get(&k, &v, MDB_SET_RANGE);
  for (; rc == 0 && View(k).starts_with(prefix); rc = c.Get(&k, &v, MDB_NEXT)) {
    if (v.mv_size == 8) seqs.push_back(lmdb::GetBe64(v.mv_data));
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::FromMdb("read ids", rc);
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

bool HasSpanId(const std::string& event_json, std::string_view span_id) {
  rapidjson::Document doc;
  if (!json::Parse(&doc, event_json, json::kMaxEventDepth) || !doc.IsObject()) return false;
  return json::GetString(doc, "span_id") == span_id;
}

}  // namespace

// The first stored (lowest seq) of the events with this span_id: a span_id
// may name a line in several transcripts (a replay). The candidates share
// the span_id's hash, so each is read and its span_id compared.
Result<std::optional<std::string>> LmdbStore::GetEventBySpanId(const std::string& span_id) {
  std::optional<std::string> out;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    auto seqs = SpanCandidates(txn, d, span_id);
    if (!seqs) return seqs.status();
    EventReader reader(decoder_, txn, d);
    for (uint64_t seq : *seqs) {
      std::string json;
      auto found = reader.Append(seq, &json);
      if (!found) return found.status().Wrap("event " + std::to_string(seq));
      if (*found && HasSpanId(json, span_id)) {
        out = std::move(json);
        break;
      }
    }
    return Status::Ok();
  });
  if (!st) return st;
  return out;
}

Result<uint64_t> LmdbStore::LastSeq() {
  uint64_t seq = 0;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    auto last = LastEventSeq(txn, d);
    if (last) seq = *last;
    return last.status();
  });
  if (!st) return st;
  return seq;
}

Result<std::optional<std::string>> LmdbStore::GetSession(const std::string& id) {
  return GetValue(&StoreDbs::sessions, id);
}

Result<std::optional<std::string>> LmdbStore::GetTask(const std::string& id) {
  return GetValue(&StoreDbs::tasks, id);
}

namespace {

// The user and host a session aggregate names (absent: empty), read without
// building the whole Aggregate.
SessionOrigin OriginOf(std::string_view id, std::string_view aggregate_json) {
  SessionOrigin o;
  o.session_id = id;
  rapidjson::Document doc;
  if (!json::Parse(&doc, aggregate_json) || !doc.IsObject()) return o;
  o.user = json::GetString(doc, "user").value_or("");
  o.host = json::GetString(doc, "host").value_or("");
  return o;
}

bool Matches(const SessionFilter& f, const SessionOrigin& o) {
  return (f.user.empty() || f.user == o.user) && (f.host.empty() || f.host == o.host);
}

}  // namespace

Result<SessionPage> LmdbStore::ListSessions(size_t limit, size_t offset) {
  return FindSessions({}, limit, offset);
}

Result<SessionPage> LmdbStore::FindSessions(const SessionFilter& filter, size_t limit,
                                            size_t offset) {
  if (!filter.Empty()) return FilteredSessions(filter, limit, offset);
  SessionPage page;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    MDB_stat stat;
    mdb_stat(txn, d.sessions_by_activity, &stat);
    page.total = stat.ms_entries;
    lmdb::Cursor c;
    if (int rc = c.Open(txn, d.sessions_by_activity); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k, v;
    size_t skipped = 0;
    for (int rc = c.Get(&k, &v, MDB_LAST); rc == 0 && page.sessions.size() < limit;
         rc = c.Get(&k, &v, MDB_PREV)) {
      if (skipped++ < offset || k.mv_size < 8) continue;
      std::string value;
      auto r = GetString(txn, d.sessions, View(k).substr(8), &value);
      if (!r) return r.status();
      if (*r) page.sessions.push_back(std::move(value));
    }
    return Status::Ok();
  });
  if (!st) return st;
  return page;
}

// Every session, most recent first, is read and matched: a team's store
// holds thousands of sessions, not millions (its events have indexes).
Result<SessionPage> LmdbStore::FilteredSessions(const SessionFilter& filter, size_t limit,
                                                size_t offset) {
  SessionPage page;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    lmdb::Cursor c;
    if (int rc = c.Open(txn, d.sessions_by_activity); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k, v;
    for (int rc = c.Get(&k, &v, MDB_LAST); rc == 0; rc = c.Get(&k, &v, MDB_PREV)) {
      if (k.mv_size < 8) continue;
      std::string_view id = View(k).substr(8);
      std::string value;
      auto r = GetString(txn, d.sessions, id, &value);
      if (!r) return r.status();
      if (!*r || !Matches(filter, OriginOf(id, value))) continue;
      if (page.total++ >= offset && page.sessions.size() < limit)
        page.sessions.push_back(std::move(value));
    }
    return Status::Ok();
  });
  if (!st) return st;
  return page;
}

Result<ToolPage> LmdbStore::ListTools(const std::string& after_name, size_t max) {
  ToolPage page;
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    lmdb::Cursor c;
    if (int rc = c.Open(txn, d.tools); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k = Val(after_name), v;
    int rc = c.Get(&k, &v, after_name.empty() ? MDB_FIRST : MDB_SET_RANGE);
    if (rc == 0 && !after_name.empty() && View(k) == after_name) rc = c.Get(&k, &v, MDB_NEXT);
    for (; rc == 0 && page.tools.size() < max; rc = c.Get(&k, &v, MDB_NEXT)) {
      page.last_name = std::string(View(k));
      page.tools.emplace_back(View(v));
    }
    return rc == 0 || rc == MDB_NOTFOUND ? Status::Ok() : lmdb::FromMdb("tools", rc);
  });
  if (!st) return st;
  return page;
}

namespace {

UsageBucket BucketFrom(const TokenCounts& c) {
  UsageBucket b;
  b.tokens = c;
  return b;
}

// Splits "a\0b\0c" into its parts.
std::vector<std::string> SplitNul(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '\0') {
      parts.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

Result<std::vector<UsageBucket>> LmdbStore::SessionUsage(const std::string& session_id) {
  std::vector<UsageBucket> out;
  auto add = [&](const std::string& json) -> Status {
    auto a = Aggregate::FromJson(json, "session_id");
    if (!a) return a.status();
    for (const auto& [key, c] : a->usage) {
      UsageBucket b = BucketFrom(c);
      b.session_id = a->id;
      b.model = key.first;
      b.tier = key.second;
      out.push_back(std::move(b));
    }
    return Status::Ok();
  };
  if (!session_id.empty()) {
    auto one = GetSession(session_id);
    if (!one) return one.status();
    if (*one) {
      if (Status st = add(**one); !st) return st;
    }
    return out;
  }
  auto all = ScanPrefix(&StoreDbs::sessions, "");
  if (!all) return all.status();
  for (const auto& [k, v] : *all) {
    if (Status st = add(v); !st) return st;
  }
  return out;
}

namespace {

Result<std::vector<UsageBucket>> BucketsOf(
    const Result<std::vector<std::pair<std::string, std::string>>>& rows, bool with_session) {
  if (!rows) return rows.status();
  std::vector<UsageBucket> out;
  for (const auto& [k, v] : *rows) {
    auto c = TokenCountsFromJson(v);
    if (!c) return c.status();
    std::vector<std::string> parts = SplitNul(k);
    size_t n = with_session ? 4 : 3;
    if (parts.size() != n) return Status::Error("corrupt usage bucket key");
    UsageBucket b = BucketFrom(*c);
    size_t i = 0;
    if (with_session) b.session_id = parts[i++];
    b.day = parts[i++];
    b.model = parts[i++];
    b.tier = parts[i++];
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

Result<std::vector<UsageBucket>> LmdbStore::DailyUsage() {
  return BucketsOf(ScanPrefix(&StoreDbs::usage_by_day, ""), false);
}

Result<std::vector<UsageBucket>> LmdbStore::SessionDailyUsage(const std::string& session_id) {
  std::string prefix = session_id.empty() ? std::string() : session_id + std::string(1, '\0');
  return BucketsOf(ScanPrefix(&StoreDbs::usage_by_session_day, prefix), true);
}

Result<std::vector<UsageSlot>> LmdbStore::UsageSlots(int64_t from_ms, int64_t to_ms) {
  std::vector<UsageSlot> out;
  if (from_ms >= to_ms) return out;
  // Keys are text "YYYY-MM-DDTHH:MM": 0 and the far future mean "no bound".
  constexpr int64_t kYear10000 = 253402300800000;
  std::string first = from_ms > 0 ? UsageSlotKey(from_ms) : std::string();
  std::string last = to_ms < kYear10000 ? UsageSlotKey(to_ms - 1) : std::string("~");
  Status st = Read([&](MDB_txn* txn, const StoreDbs& d) -> Status {
    if (d.usage_by_slot == 0) return Status::Ok();
    lmdb::Cursor c;
    if (int rc = c.Open(txn, d.usage_by_slot); rc != 0) return lmdb::FromMdb("cursor", rc);
    MDB_val k = Val(first), v;
    int rc = c.Get(&k, &v, first.empty() ? MDB_FIRST : MDB_SET_RANGE);
    for (; rc == 0; rc = c.Get(&k, &v, MDB_NEXT)) {
      std::vector<std::string> parts = SplitNul(View(k));
      if (parts.size() != 4) return Status::Error("corrupt usage slot key");
      if (parts[0] > last) break;
      auto slot_ms = ParseUsageSlotKey(parts[0]);
      auto value = SlotTokens::FromJson(View(v));
      if (!slot_ms || !value) return Status::Error("corrupt usage slot '" + parts[0] + "'");
      out.push_back({*slot_ms, parts[1], parts[2], parts[3], value->tokens, value->first_ts,
                     value->last_ts, value->reported_cost_nanos});
    }
    return rc == 0 || rc == MDB_NOTFOUND ? Status::Ok() : lmdb::FromMdb("scan", rc);
  });
  if (!st) return st;
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> LmdbStore::SessionDirs() {
  auto all = ScanPrefix(&StoreDbs::sessions, "");
  if (!all) return all.status();
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [id, json] : *all) {
    auto a = Aggregate::FromJson(json, "session_id");
    if (!a) return a.status();
    if (!a->cwd.empty()) out.emplace_back(id, a->cwd);
  }
  return out;
}

Result<std::vector<SessionOrigin>> LmdbStore::SessionOrigins() {
  auto all = ScanPrefix(&StoreDbs::sessions, "");
  if (!all) return all.status();
  std::vector<SessionOrigin> out;
  for (const auto& [id, json] : *all) {
    SessionOrigin o = OriginOf(id, json);
    if (!o.user.empty() || !o.host.empty()) out.push_back(std::move(o));
  }
  return out;
}

}  // namespace trace
