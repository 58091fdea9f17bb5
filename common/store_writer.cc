// See store_writer.h. One batch = one write txn; any MDB error aborts the
// whole batch (LMDB guarantees the store stays at the previous commit), the
// in-memory caches are dropped and, for MDB_MAP_FULL, the map is doubled and
// the batch retried.
#include "common/store_writer.h"

#include <rapidjson/document.h>

#include <cstring>

#include "common/event_facts.h"
#include "common/json.h"
#include "common/lmdb.h"
#include "common/log.h"

namespace trace {

using lmdb::Val;
using lmdb::View;

namespace {

constexpr int kMaxGrowRetries = 16;

// An event for a line that is not a valid event: kept as data, never dropped.
// The span_id is derived from the text and its source position, so a resent
// line dedupes.
std::string RawEvent(std::string_view body, const std::string& error,
                     const rapidjson::Value* source) {
  json::StringWriter w;
  w.StartObject();
  // Two identical bad lines at different places are two events.
  std::string where = source && source->IsObject() ? json::Serialize(*source) : "";
  w.Key("span_id");
  w.String("raw-" + StableHashHex(where + std::string(body)));
  w.Key("kind");
  w.String(kKindRaw);
  w.Key("event_type");
  w.String("raw");
  w.Key("timestamp");
  w.Int64(json::NowMs());
  w.Key("raw");
  w.String(json::SanitizeUtf8(body));
  w.Key("parse_error");
  w.String(error);
  if (source && source->IsObject()) {  // keeps the committed offset moving
    w.Key("source");
    w.Value(*source);
  }
  w.EndObject();
  return w.Take();
}

// True when every byte is ASCII (always valid UTF-8), so the parser can skip
// its per-character encoding check; eight bytes per step.
bool IsAscii(std::string_view s) {
  size_t i = 0;
  for (uint64_t word; i + 8 <= s.size(); i += 8) {
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) return false;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) & 0x80) return false;
  }
  return true;
}

// Appends "seq" to a compact JSON object without re-serializing it.
bool SpliceSeq(std::string_view body, uint64_t seq, std::string* out) {
  size_t end = body.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos || body[end] != '}') return false;
  size_t prev = body.find_last_not_of(" \t\r\n", end - 1);
  if (prev == std::string_view::npos) return false;
  out->clear();
  out->reserve(end + 32);
  out->append(body.substr(0, end));
  if (body[prev] != '{') out->push_back(',');
  out->append("\"seq\":").append(std::to_string(seq)).push_back('}');
  return true;
}

}  // namespace

Result<std::unique_ptr<StoreWriter>> StoreWriter::Open(const Options& options) {
  EnvOptions eo;
  eo.dir = options.dir;
  eo.writer = true;
  eo.durable = options.durable;
  eo.map_size = options.map_size;
  auto env = OpenEnv(eo);
  if (!env) return env.status();
  std::unique_ptr<StoreWriter> w(new StoreWriter());
  w->env_ = *env;
  w->cache_entries_ = options.cache_entries;
  w->arena_ = std::make_unique<char[]>(kArenaBytes);
  w->pool_ = std::make_unique<rapidjson::MemoryPoolAllocator<>>(w->arena_.get(), kArenaBytes);
  int dead = 0;
  mdb_reader_check(w->env_, &dead);  // slots of killed readers
  if (Status st = w->Load(); !st) return st.Wrap("open db '" + options.dir + "'");
  w->state_ = std::make_unique<AggregateState>(
      [raw = w.get()](AggTable t, std::string_view key) { return raw->LoadValue(t, key); });
  return w;
}

StoreWriter::~StoreWriter() {
  if (env_) mdb_env_close(env_);
}

size_t StoreWriter::map_size() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

Status StoreWriter::Load() {
  lmdb::Txn txn;
  if (int rc = txn.Begin(env_, 0); rc != 0) return lmdb::FromMdb("begin", rc);
  if (Status st = OpenDbs(txn.get(), true, &dbs_); !st) return st;
  if (Status st = CheckSchema(txn.get(), dbs_, true); !st) return st;
  lmdb::Cursor c;
  MDB_val k, v;
  c.Open(txn.get(), dbs_.events);
  if (c.Get(&k, &v, MDB_LAST) == 0 && k.mv_size == 8) last_seq_ = lmdb::GetBe64(k.mv_data);
  k = Val(kMetaDuplicates);
  if (mdb_get(txn.get(), dbs_.meta, &k, &v) == 0 && v.mv_size == 8) duplicates_ = lmdb::GetBe64(v.mv_data);
  lmdb::Cursor s;
  s.Open(txn.get(), dbs_.sources);
  for (int rc = s.Get(&k, &v, MDB_FIRST); rc == 0; rc = s.Get(&k, &v, MDB_NEXT)) {
    rapidjson::Document d;
    d.Parse(static_cast<const char*>(v.mv_data), v.mv_size);
    if (d.HasParseError() || !d.IsObject()) return Status::Error("corrupt sources entry");
    SourceOffset o{std::string(json::GetString(d, "path").value_or("")),
                   static_cast<uint64_t>(json::GetInt(d, "offset").value_or(0))};
    sources_[std::string(View(k))] = o;
  }
  lmdb::Cursor p;
  p.Open(txn.get(), dbs_.publishers);
  for (int rc = p.Get(&k, &v, MDB_FIRST); rc == 0; rc = p.Get(&k, &v, MDB_NEXT)) {
    rapidjson::Document d;
    d.Parse(static_cast<const char*>(v.mv_data), v.mv_size);
    if (d.HasParseError() || !d.IsObject()) return Status::Error("corrupt publishers entry");
    std::string epoch(json::GetString(d, "epoch").value_or("0"));
    publishers_[std::string(View(k))] = {std::stoull(epoch, nullptr, 16),
                                         static_cast<uint64_t>(json::GetInt(d, "pub_seq").value_or(0))};
  }
  return txn.Commit();
}

MDB_dbi StoreWriter::TableDbi(AggTable t) const {
  switch (t) {
    case AggTable::kSessions: return dbs_.sessions;
    case AggTable::kTasks: return dbs_.tasks;
    case AggTable::kTools: return dbs_.tools;
    case AggTable::kToolCalls: return dbs_.tool_calls;
    case AggTable::kMessages: return dbs_.messages;
    case AggTable::kUsageByDay: return dbs_.usage_by_day;
    case AggTable::kUsageBySessionDay: return dbs_.usage_by_session_day;
  }
  return dbs_.sessions;
}

Result<std::optional<std::string>> StoreWriter::LoadValue(AggTable table, std::string_view key) {
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn_, TableDbi(table), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return lmdb::FromMdb(std::string("read ") + AggTableName(table), rc);
  return std::optional<std::string>(std::string(View(v)));
}

Status StoreWriter::Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_put(txn_, dbi, &k, &v, flags);
  if (rc == 0) return Status::Ok();
  last_rc_ = rc;
  return lmdb::FromMdb("put", rc);
}

Status StoreWriter::OpenEventCursors() {
  const MDB_dbi dbis[kEventTables] = {dbs_.events,  dbs_.ids,      dbs_.by_session, dbs_.by_task,
                                      dbs_.by_tool, dbs_.by_trace, dbs_.by_type,    dbs_.by_time};
  for (int t = 0; t < kEventTables; ++t) {
    if (int rc = mdb_cursor_open(txn_, dbis[t], &cursors_[t]); rc != 0) {
      last_rc_ = rc;
      return lmdb::FromMdb("open cursor", rc);
    }
  }
  return Status::Ok();
}

void StoreWriter::CloseEventCursors() {
  for (MDB_cursor*& c : cursors_) {
    if (c) mdb_cursor_close(c);
    c = nullptr;
  }
}

Status StoreWriter::PutAt(EventTable t, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_cursor_put(cursors_[t], &k, &v, flags);
  if (rc == 0) return Status::Ok();
  last_rc_ = rc;
  return lmdb::FromMdb("put", rc);
}

// Index values start with the big-endian seq, which only grows: the new
// entry is the last duplicate of its key, so LMDB appends it (no search in
// the duplicates, full pages). Should it ever not be, a plain put places it.
Status StoreWriter::PutIndex(EventTable t, std::string_view key, std::string_view value) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_cursor_put(cursors_[t], &k, &v, MDB_APPENDDUP);
  if (rc == MDB_KEYEXIST) rc = mdb_cursor_put(cursors_[t], &k, &v, 0);
  if (rc == 0) return Status::Ok();
  last_rc_ = rc;
  return lmdb::FromMdb("put", rc);
}

Status StoreWriter::Append(const std::vector<IncomingLine>& lines,
                           const std::map<std::string, PublisherPosition>& publishers,
                           std::vector<CommittedEvent>* committed, AppendStats* stats) {
  for (int attempt = 0;; ++attempt) {
    size_t mark = committed ? committed->size() : 0;
    AppendStats local;
    last_rc_ = 0;
    Status st = TryAppend(lines, publishers, committed, &local);
    if (st) {
      *stats = local;
      duplicates_ += local.duplicates;
      state_->MarkClean(cache_entries_);
      for (auto& [id, o] : staged_sources_) sources_[id] = o;
      staged_sources_.clear();
      for (const auto& [id, p] : publishers) publishers_[id] = p;
      return st;
    }
    if (committed) committed->resize(mark);
    state_->Clear();
    staged_sources_.clear();
    if (last_rc_ != MDB_MAP_FULL || attempt >= kMaxGrowRetries) return st;
    size_t grown = map_size() * 2;
    if (int rc = mdb_env_set_mapsize(env_, grown); rc != 0) return lmdb::FromMdb("grow map", rc);
    log::Info("store map grown", {{"map_size", static_cast<uint64_t>(grown)}});
  }
}

Status StoreWriter::TryAppend(const std::vector<IncomingLine>& lines,
                              const std::map<std::string, PublisherPosition>& publishers,
                              std::vector<CommittedEvent>* committed, AppendStats* stats) {
  lmdb::Txn txn;
  if (int rc = txn.Begin(env_, 0); rc != 0) {
    last_rc_ = rc;
    return lmdb::FromMdb("begin write", rc);
  }
  txn_ = txn.get();
  uint64_t first_seq = last_seq_;
  Status st = OpenEventCursors();
  for (size_t i = 0; st && i < lines.size(); ++i) st = StoreLine(lines[i], committed, stats);
  CloseEventCursors();
  if (st) st = WriteState(publishers);
  if (st) st = Put(dbs_.meta, kMetaDuplicates, lmdb::Be64(duplicates_ + stats->duplicates));
  if (st) {
    st = txn.Commit();
    if (!st && last_rc_ == 0) last_rc_ = MDB_MAP_FULL;  // commit can fail when the map fills
  }
  txn_ = nullptr;
  if (!st) last_seq_ = first_seq;
  return st;
}

Status StoreWriter::StoreLine(const IncomingLine& line, std::vector<CommittedEvent>* committed,
                              AppendStats* stats) {
  struct ClearPool {
    rapidjson::MemoryPoolAllocator<>* pool;
    ~ClearPool() { pool->Clear(); }
  } clear_after{pool_.get()};
  rapidjson::Document doc(pool_.get());
  std::string raw;
  // In-situ parsing of a copy: strings point into insitu_ instead of being copied.
  insitu_.assign(line.body.begin(), line.body.end());
  insitu_.push_back('\0');
  if (IsAscii(line.body)) {
    doc.ParseInsitu(insitu_.data());
  } else {
    doc.ParseInsitu<rapidjson::kParseValidateEncodingFlag>(insitu_.data());
  }
  std::string error = doc.HasParseError() ? "not valid JSON" : "";
  Result<EventKeys> keys = error.empty() ? ReadEventKeys(doc) : Result<EventKeys>(Status::Error(error));
  if (!keys) {
    const rapidjson::Value* source = doc.IsObject() ? json::Find(doc, "source") : nullptr;
    raw = RawEvent(line.body, keys.status().message(), source);
    doc.Parse(raw.data(), raw.size());
    keys = ReadEventKeys(doc);
    ++stats->invalid;
  }
  // The dedupe check is the ids insert itself (one descent instead of a
  // lookup then a put): MDB_KEYEXIST means the span_id is already stored.
  std::string seq_key = lmdb::Be64(last_seq_ + 1);
  MDB_val k = Val(keys->span_id), v = Val(seq_key);
  int rc = mdb_cursor_put(cursors_[kIds], &k, &v, MDB_NOOVERWRITE);
  if (rc != 0 && rc != MDB_KEYEXIST) {
    last_rc_ = rc;
    return lmdb::FromMdb("put ids", rc);
  }
  AdvanceSource(*keys, line.trust_new_source, stats);
  if (rc == MDB_KEYEXIST) {
    ++stats->duplicates;
    return Status::Ok();
  }
  uint64_t seq = ++last_seq_;
  EventFacts facts = ExtractFacts(doc, *keys);
  auto fill = state_->Apply(facts);
  if (!fill) return fill.status();
  std::string& json = scratch_;
  const std::string& body = raw.empty() ? line.body : raw;
  if (*fill || doc.HasMember("seq") || !SpliceSeq(body, seq, &json)) {
    if (*fill) {
      doc.RemoveMember("duration_ms");
      doc.AddMember("duration_ms", rapidjson::Value(static_cast<int64_t>(**fill)), doc.GetAllocator());
    }
    doc.RemoveMember("seq");
    doc.AddMember("seq", rapidjson::Value(seq), doc.GetAllocator());
    json = json::Serialize(doc);
  }
  if (Status st = PutEvent(seq, *keys, json); !st) return st;
  ++stats->stored;
  if (committed) committed->push_back({seq, EventTopic(*keys), json});
  return Status::Ok();
}

Status StoreWriter::PutEvent(uint64_t seq, const EventKeys& keys, const std::string& json) {
  std::string seq_key = lmdb::Be64(seq);
  if (Status st = PutAt(kEvents, seq_key, json, MDB_APPEND); !st) return st;
  std::string entry = IndexEntry(seq, keys.timestamp_ms);
  const std::pair<EventTable, const std::string*> indexes[] = {
      {kBySession, &keys.session_id}, {kByTask, &keys.task_id}, {kByTool, &keys.tool_name},
      {kByTrace, &keys.trace_id},     {kByType, &keys.event_type}};
  for (const auto& [table, key] : indexes) {
    if (key->empty()) continue;
    if (Status st = PutIndex(table, *key, entry); !st) return st;
  }
  return PutIndex(kByTime, lmdb::Be64(lmdb::BiasTs(keys.timestamp_ms)), seq_key);
}

// Committed offsets only advance over contiguous lines, so a REWIND from
// them never skips a line that was lost in between (proto/storage.md "sources").
void StoreWriter::AdvanceSource(const EventKeys& keys, bool trust, AppendStats* stats) {
  if (!keys.source) return;
  const SourceRef& src = *keys.source;
  std::string id = src.Identity();
  if (id.empty() || src.length == 0) return;
  uint64_t end = src.offset + src.length;
  auto staged = staged_sources_.find(id);
  const SourceOffset* cur = staged != staged_sources_.end() ? &staged->second : nullptr;
  if (!cur) {
    auto it = sources_.find(id);
    if (it != sources_.end()) cur = &it->second;
  }
  bool contiguous = cur ? src.offset <= cur->offset : (trust || src.offset == 0);
  if (!contiguous) {
    ++stats->holes;
    return;
  }
  if (cur && end <= cur->offset) return;
  staged_sources_[id] = SourceOffset{src.path, end};
}

Status StoreWriter::WriteState(const std::map<std::string, PublisherPosition>& publishers) {
  Status st;
  state_->ForEachDirty([&](AggTable t, const std::string& key, const std::string& value) {
    if (st) st = Put(TableDbi(t), key, value);
  });
  if (!st) return st;
  for (const auto& move : state_->ActivityMoves()) {
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
  for (const auto& [id, o] : staged_sources_) {
    json::StringWriter w;
    w.StartObject();
    w.Key("path");
    w.String(o.path);
    w.Key("offset");
    w.Uint64(o.offset);
    w.EndObject();
    if (Status s = Put(dbs_.sources, id, w.View()); !s) return s;
  }
  for (const auto& [id, p] : publishers) {
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
  return Put(dbs_.meta, kMetaLastSeq, lmdb::Be64(last_seq_));
}

}  // namespace trace
