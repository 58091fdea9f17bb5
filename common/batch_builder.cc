// See batch_builder.h.
#include "common/batch_builder.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <shared_mutex>

#include "common/event_facts.h"
#include "common/json.h"
#include "common/lmdb.h"
#include "common/store_writer.h"

namespace trace {

using lmdb::Val;
using lmdb::View;

namespace {

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

std::string_view TextArena::Add(std::string_view s) {
  for (; current_ < blocks_.size(); ++current_) {
    Block& b = blocks_[current_];
    if (b.size - b.used >= s.size()) break;
  }
  if (current_ == blocks_.size()) {
    size_t size = std::max(kBlockBytes, s.size());
    blocks_.push_back({std::make_unique_for_overwrite<char[]>(size), size, 0});
  }
  Block& b = blocks_[current_];
  char* at = b.data.get() + b.used;
  if (!s.empty()) std::memcpy(at, s.data(), s.size());
  b.used += s.size();
  return {at, s.size()};
}

void TextArena::Clear() {
  // Blocks made for one huge string are not kept.
  std::erase_if(blocks_, [](const Block& b) { return b.size > kBlockBytes; });
  for (Block& b : blocks_) b.used = 0;
  current_ = 0;
}

void PreparedBatch::Clear() {
  id = 0;
  events.clear();
  aggregates.clear();
  activity.clear();
  sources.clear();
  publishers.clear();
  last_seq = duplicates = 0;
  stats = {};
  text.Clear();
}

BatchBuilder::BatchBuilder(StoreWriter& writer, size_t cache_entries)
    : writer_(writer),
      cache_entries_(cache_entries),
      last_seq_(writer.last_seq()),
      duplicates_(writer.duplicates()),
      sources_(writer.sources()),
      state_([this](AggTable t, std::string_view key) { return LoadValue(t, key); }),
      arena_(std::make_unique<char[]>(kArenaBytes)),
      pool_(std::make_unique<rapidjson::MemoryPoolAllocator<>>(arena_.get(), kArenaBytes)) {}

BatchBuilder::~BatchBuilder() = default;

void BatchBuilder::Retire(uint64_t committed_id) {
  while (!in_flight_.empty() && in_flight_.front().first <= committed_id) {
    for (std::string_view id : in_flight_.front().second) in_flight_ids_.erase(id);
    in_flight_.pop_front();
  }
  if (over_cap_ && in_flight_.empty()) {  // nothing uncommitted lives only here
    state_.Clear();
    over_cap_ = false;
  }
}

Status BatchBuilder::Build(const std::vector<IncomingLine>& lines,
                           const std::map<std::string, PublisherPosition>& publishers,
                           PreparedBatch* batch) {
  if (!broken_) return broken_;
  batch->id = next_id_;
  batch->events.reserve(lines.size());
  {
    // The writer grows the map only while no read txn of this process is open.
    std::shared_lock map_lock(writer_.map_mutex());
    lmdb::Txn read;
    if (int rc = read.Begin(writer_.env(), MDB_RDONLY); rc != 0) {
      return broken_ = lmdb::FromMdb("begin read", rc);
    }
    read_ = read.get();
    Status st;
    for (size_t i = 0; st && i < lines.size(); ++i) st = BuildLine(lines[i], batch);
    read_ = nullptr;
    if (!st) return broken_ = st;
  }
  state_.ForEachDirty([&](AggTable t, const std::string& key, const std::string& value) {
    batch->aggregates.push_back({t, key, value});
  });
  batch->activity = state_.ActivityMoves();
  state_.MarkClean();
  if (state_.size() > cache_entries_) over_cap_ = true;
  for (const auto& [id, o] : batch->sources) sources_[id] = o;
  batch->publishers = publishers;
  batch->last_seq = last_seq_;
  duplicates_ += batch->stats.duplicates;
  batch->duplicates = duplicates_;
  std::vector<std::string_view> ids;
  ids.reserve(batch->events.size());
  for (const PreparedEvent& e : batch->events) ids.push_back(e.span_id);
  in_flight_.emplace_back(batch->id, std::move(ids));
  ++next_id_;
  return Status::Ok();
}

bool BatchBuilder::Stored(const std::string& span_id) {
  if (in_flight_ids_.count(std::string_view(span_id))) return true;
  MDB_val k = Val(span_id), v;
  return mdb_get(read_, writer_.dbs().ids, &k, &v) == 0;
}

Result<std::optional<std::string>> BatchBuilder::LoadValue(AggTable table, std::string_view key) {
  MDB_val k = Val(key), v;
  int rc = mdb_get(read_, writer_.TableDbi(table), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return lmdb::FromMdb(std::string("read ") + AggTableName(table), rc);
  return std::optional<std::string>(std::string(View(v)));
}

Status BatchBuilder::BuildLine(const IncomingLine& line, PreparedBatch* batch) {
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
    ++batch->stats.invalid;
  }
  bool duplicate = Stored(keys->span_id);
  AdvanceSource(*keys, line.trust_new_source, batch);
  if (duplicate) {
    ++batch->stats.duplicates;
    return Status::Ok();
  }
  uint64_t seq = ++last_seq_;
  keys->seq = seq;
  EventFacts facts = ExtractFacts(doc, *keys);
  auto fill = state_.Apply(facts);
  if (!fill) return fill.status();
  const std::string& body = raw.empty() ? line.body : raw;
  if (*fill || doc.HasMember("seq") || !SpliceSeq(body, seq, &json_)) {
    if (*fill) {
      doc.RemoveMember("duration_ms");
      doc.AddMember("duration_ms", rapidjson::Value(static_cast<int64_t>(**fill)), doc.GetAllocator());
    }
    doc.RemoveMember("seq");
    doc.AddMember("seq", rapidjson::Value(seq), doc.GetAllocator());
    json_ = json::Serialize(doc);
  }
  AddEvent(*keys, json_, batch);
  return Status::Ok();
}

void BatchBuilder::AddEvent(const EventKeys& keys, std::string_view json, PreparedBatch* batch) {
  TextArena& text = batch->text;
  PreparedEvent e;
  e.seq = keys.seq;
  e.timestamp_ms = keys.timestamp_ms;
  e.span_id = text.Add(keys.span_id);
  e.session_id = text.Add(keys.session_id);
  e.task_id = text.Add(keys.task_id);
  e.tool_name = text.Add(keys.tool_name);
  e.trace_id = keys.trace_id == keys.session_id ? e.session_id : text.Add(keys.trace_id);
  e.event_type = text.Add(keys.event_type);
  e.topic = text.Add(EventTopic(keys));
  e.json = text.Add(json);
  in_flight_ids_.insert(e.span_id);
  batch->events.push_back(e);
  ++batch->stats.stored;
}

// Committed offsets only advance over contiguous lines, so a REWIND from
// them never skips a line that was lost in between (proto/storage.md "sources").
void BatchBuilder::AdvanceSource(const EventKeys& keys, bool trust, PreparedBatch* batch) {
  if (!keys.source) return;
  const SourceRef& src = *keys.source;
  std::string id = src.Identity();
  if (id.empty() || src.length == 0) return;
  uint64_t end = src.offset + src.length;
  auto staged = batch->sources.find(id);
  const SourceOffset* cur = staged != batch->sources.end() ? &staged->second : nullptr;
  if (!cur) {
    auto it = sources_.find(id);
    if (it != sources_.end()) cur = &it->second;
  }
  bool contiguous = cur ? src.offset <= cur->offset : (trust || src.offset == 0);
  if (!contiguous) {
    ++batch->stats.holes;
    return;
  }
  if (cur && end <= cur->offset) return;
  batch->sources[id] = SourceOffset{src.path, end};
}

}  // namespace trace
