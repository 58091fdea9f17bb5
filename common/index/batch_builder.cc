// See batch_builder.h.
#include "common/index/batch_builder.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <numeric>
#include <system_error>

#include "common/base/log.h"
#include "common/event/event_facts.h"
#include "common/event/normalize.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/store/store_writer.h"

namespace trace {

namespace {

// Appends "seq" to a compact JSON object without re-serializing it; the
// result goes straight into the batch's text. Empty when body does not end
// like an object.
std::string_view SpliceSeq(std::string_view body, uint64_t seq, TextArena* text) {
  size_t end = body.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos || body[end] != '}') return {};
  size_t prev = body.find_last_not_of(" \t\r\n", end - 1);
  if (prev == std::string_view::npos) return {};
  char digits[24];
  size_t n = static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, seq).ptr - digits);
  constexpr std::string_view kKey = "\"seq\":";
  bool comma = body[prev] != '{';
  size_t size = end + comma + kKey.size() + n + 1;
  char* out = text->Allocate(size);
  char* at = std::copy_n(body.data(), end, out);
  if (comma) *at++ = ',';
  at = std::copy(kKey.begin(), kKey.end(), at);
  at = std::copy_n(digits, n, at);
  *at = '}';
  return {out, size};
}

}  // namespace

void IdsKeySet::Clear() {
  ids_.clear();
  std::fill(slots_.begin(), slots_.end(), 0);
}

bool IdsKeySet::Contains(std::string_view id, size_t hash) const {
  if (slots_.empty()) return false;
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) return false;
    if (ids_[slot - 1] == id) return true;
  }
}

void IdsKeySet::Insert(std::string_view id, size_t hash) {
  if ((ids_.size() + 1) * 2 > slots_.size()) Grow();
  ids_.push_back(id);
  size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = static_cast<uint32_t>(ids_.size());
}

void IdsKeySet::Grow() {
  slots_.assign(std::max<size_t>(1024, slots_.size() * 2), 0);
  size_t mask = slots_.size() - 1;
  for (size_t n = 0; n < ids_.size(); ++n) {
    size_t i = std::hash<std::string_view>()(ids_[n]) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<uint32_t>(n + 1);
  }
}

BatchBuilder::BatchBuilder(StoreWriter& writer, size_t cache_entries)
    : writer_(writer),
      cache_entries_(cache_entries),
      last_seq_(writer.last_seq()),
      duplicates_(writer.duplicates()),
      sources_(writer.sources()),
      state_([this](AggTable t, std::string_view key) { return LoadValue(t, key); }) {
  if (Status st = encoder_.SetDictionary(writer.dictionary()); !st) {
    broken_ = st.Wrap("store dictionary");
  }
  gathering_ = writer.dictionary().id == 0;
}

BatchBuilder::~BatchBuilder() = default;

void BatchBuilder::Retire(uint64_t committed_id) {
  while (!in_flight_.empty() && in_flight_.front().first <= committed_id) {
    spare_sets_.push_back(std::move(in_flight_.front().second));
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
  in_flight_.emplace_back(batch->id, IdsKeySet());
  if (!spare_sets_.empty()) {
    in_flight_.back().second = std::move(spare_sets_.back());
    in_flight_.back().second.Clear();
    spare_sets_.pop_back();
  }
  {
    auto snapshot = writer_.Snapshot();
    if (!snapshot) return broken_ = snapshot.status();
    snapshot_ = snapshot->get();
    LineParser::Batch parsing(parser_, lines);
    Status st;
    for (size_t i = 0; st && i < lines.size(); ++i) st = ApplyLine(lines[i], parsing.Get(i), batch);
    snapshot_ = nullptr;
    if (!st) return broken_ = st;
  }
  if (Status st = EncodeEvents(batch); !st) return broken_ = st;
  batch->by_identity.resize(batch->events.size());
  std::iota(batch->by_identity.begin(), batch->by_identity.end(), 0);
  SortByKey(&batch->by_identity, [&](uint32_t i) { return batch->events[i].ids_key; });
  for (IndexRuns& index : batch->indexes) index.Finish();
  state_.ForEachDirty([&](AggTable t, const std::string& key, const std::string& value) {
    batch->aggregates.push_back({t, batch->text.Add(key), batch->text.Add(value)});
  });
  // In key order per table, so the writer's cursor moves forward through
  // each table's leaves instead of descending from the root for every key.
  std::sort(batch->aggregates.begin(), batch->aggregates.end(), [](const auto& a, const auto& b) {
    return a.table != b.table ? a.table < b.table : a.key < b.key;
  });
  batch->activity = state_.ActivityMoves();
  state_.MarkClean();
  if (state_.size() > cache_entries_) over_cap_ = true;
  for (const auto& [id, o] : batch->sources) sources_[id] = o;
  batch->publishers = publishers;
  batch->last_seq = last_seq_;
  duplicates_ += batch->stats.duplicates;
  batch->duplicates = duplicates_;
  ++next_id_;
  return Status::Ok();
}

void BatchBuilder::GatherSamples(PreparedBatch* batch) {
  for (const PreparedEvent& e : batch->events) {
    if (samples_.size() >= kTrainSampleBytes) break;
    samples_.append(e.json);
    sample_sizes_.push_back(e.json.size());
  }
  if (samples_.size() < kTrainSampleBytes) return;
  gathering_ = false;
  auto train = [text = std::move(samples_),
                sizes = std::move(sample_sizes_)]() -> Result<std::string> {
    try {
      std::vector<std::string_view> samples;
      size_t at = 0;
      for (size_t n : sizes) {
        samples.push_back(std::string_view(text).substr(at, n));
        at += n;
      }
      return TrainEventDictionary(samples);
    } catch (const std::exception& e) {  // out of memory: no dictionary, as a failed training
      return Status::Error(std::string("training: ") + e.what());
    }
  };
  try {
    training_ = std::async(std::launch::async, std::move(train));
  } catch (const std::system_error& e) {  // no thread to train on
    log::Warn("event dictionary not trained: events are compressed without one",
              {{"error", e.what()}});
  }
  std::string().swap(samples_);
  std::vector<size_t>().swap(sample_sizes_);
}

void BatchBuilder::AdoptDictionary(PreparedBatch* batch) {
  if (!training_.valid()) return;
  if (training_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  Result<std::string> trained = training_.get();
  EventDictionary dict{writer_.dictionary().id + 1, trained ? *trained : std::string()};
  Status st = trained ? encoder_.SetDictionary(dict) : trained.status();
  if (!st) {
    log::Warn("event dictionary not trained: events are compressed without one",
              {{"error", st.message()}});
    return;
  }
  log::Info("event dictionary trained", {{"id", static_cast<uint64_t>(dict.id)},
                                         {"bytes", static_cast<uint64_t>(dict.bytes.size())}});
  batch->new_dictionary = std::move(dict);
}

void BatchBuilder::AwaitDictionary() {
  if (training_.valid()) training_.wait();
}

// Compression runs here, on the building thread and the encoder's helpers:
// the commit thread only copies the values into LMDB.
Status BatchBuilder::EncodeEvents(PreparedBatch* batch) {
  AdoptDictionary(batch);
  if (gathering_) GatherSamples(batch);
  return encoder_.Encode(batch);
}

Result<bool> BatchBuilder::Stored(const IdsKey& key, size_t hash) {
  for (const auto& [id, set] : in_flight_) {
    if (set.Contains(key.view(), hash)) return true;
  }
  return snapshot_->HasIdentity(key);
}

Result<std::optional<std::string>> BatchBuilder::LoadValue(AggTable table, std::string_view key) {
  return snapshot_->GetAggregate(table, key);
}

Status BatchBuilder::ApplyLine(const IncomingLine& line, ParsedLine& parsed, PreparedBatch* batch) {
  if (!parsed.error) return parsed.error;
  EventKeys& keys = parsed.keys;
  if (!parsed.raw.empty()) ++batch->stats.invalid;
  EventIdentity(keys, &identity_);
  IdsKey ids_key(identity_);  // what the store dedupes by, so the batches in flight do too
  size_t hash = std::hash<std::string_view>()(ids_key.view());
  Result<bool> duplicate = Stored(ids_key, hash);
  if (!duplicate) return duplicate.status();
  AdvanceSource(keys, line.trust_new_source, batch);
  if (*duplicate) {
    ++batch->stats.duplicates;
    return Status::Ok();
  }
  uint64_t seq = ++last_seq_;
  keys.seq = seq;
  auto fill = state_.Apply(*parsed.facts);
  if (!fill) return fill.status();
  std::string_view body = parsed.Body(line.body);
  std::string_view json;
  if (!*fill && !parsed.has_seq) json = SpliceSeq(body, seq, &batch->text);
  if (json.empty()) json = batch->text.Add(Restamp(body, seq, *fill));
  AddEvent(keys, ids_key, json, hash, batch);
  return Status::Ok();
}

// The stored form when splicing will not do: "seq" (and a filled-in
// duration_ms) set by re-serializing. Rare: the body was valid JSON once.
std::string BatchBuilder::Restamp(std::string_view body, uint64_t seq,
                                  std::optional<int64_t> duration_ms) {
  rapidjson::Document doc;
  Status parsed = json::Parse(&doc, body, json::kMaxEventDepth);
  if (!parsed || !doc.IsObject()) return std::string(body);  // cannot be: it parsed before
  if (duration_ms) {
    doc.RemoveMember("duration_ms");
    doc.AddMember("duration_ms", rapidjson::Value(static_cast<int64_t>(*duration_ms)),
                  doc.GetAllocator());
  }
  doc.RemoveMember("seq");
  doc.AddMember("seq", rapidjson::Value(seq), doc.GetAllocator());
  return json::Serialize(doc);
}

void BatchBuilder::AddEvent(const EventKeys& keys, const IdsKey& ids_key, std::string_view json,
                            size_t hash, PreparedBatch* batch) {
  TextArena& text = batch->text;
  PreparedEvent e;
  e.seq = keys.seq;
  e.identity = text.Add(identity_);
  e.ids_key = text.Add(ids_key.view());
  e.topic = text.Add(EventTopic(keys));
  e.json = json;
  // Index keys are views into the batch's text, like everything it writes.
  char entry[kIndexEntrySize];
  PutIndexEntry(entry, keys.seq, keys.timestamp_ms);
  const auto fields = IndexedFields(keys);
  std::string_view session;
  for (int i = 0; i < kKeyedIndexes; ++i) {
    const std::string& key = *fields[i];
    if (key.empty()) continue;  // no session, task, ...: not indexed
    std::string_view stored = i == kIndexTrace && key == keys.session_id ? session : text.Add(key);
    if (i == kIndexSession) session = stored;
    batch->indexes[i].Add(stored, entry);
  }
  char* ts = text.Allocate(8);
  std::memcpy(ts, entry + 8, 8);
  batch->indexes[kIndexTime].Add({ts, 8}, entry);  // key: ts, entry: seq
  in_flight_.back().second.Insert(e.ids_key, hash);
  batch->events.push_back(e);
  ++batch->stats.stored;
}

namespace {

// Fingerprints covering the same number of bytes that differ: another file
// now has this identity (an inode reused after a delete, or the file
// rewritten). Fingerprints of different lengths cannot be compared.
bool OtherFile(const std::string& line_fp, const std::string& committed_fp) {
  if (line_fp.empty() || committed_fp.empty() || line_fp == committed_fp) return false;
  size_t a = line_fp.find(':'), b = committed_fp.find(':');
  return a == b && line_fp.compare(0, a, committed_fp, 0, b) == 0;
}

}  // namespace

// Committed offsets only advance over contiguous lines, so a REWIND from
// them never skips a line that was lost in between (proto/storage.md "sources").
// A line of another file on the same identity starts the source afresh.
void BatchBuilder::AdvanceSource(const EventKeys& keys, bool trust, PreparedBatch* batch) {
  if (!keys.source || keys.source->length == 0) return;
  const SourceRef& src = *keys.source;
  uint64_t end = src.offset + src.length;
  // Consecutive lines mostly come from one file: its entry in this batch is
  // kept at hand (map nodes stay put), skipping the identity and lookups.
  if (last_source_.batch == batch->id && (src.dev || src.ino) && src.dev == last_source_.dev &&
      src.ino == last_source_.ino && src.path == last_source_.entry->path &&
      !OtherFile(src.fingerprint, last_source_.entry->fingerprint)) {
    SourceOffset& cur = *last_source_.entry;
    if (src.offset > cur.offset) {
      ++batch->stats.holes;
    } else if (end > cur.offset) {
      cur.offset = end;
      if (!src.fingerprint.empty() && cur.fingerprint != src.fingerprint)
        cur.fingerprint = src.fingerprint;
    }
    return;
  }
  std::string id = src.Identity();
  if (id.empty()) return;
  auto staged = batch->sources.find(id);
  const SourceOffset* cur = staged != batch->sources.end() ? &staged->second : nullptr;
  if (!cur) {
    auto it = sources_.find(id);
    if (it != sources_.end()) cur = &it->second;
  }
  if (cur && OtherFile(src.fingerprint, cur->fingerprint)) cur = nullptr;
  bool contiguous = cur ? src.offset <= cur->offset : (trust || src.offset == 0);
  if (!contiguous) {
    ++batch->stats.holes;
    return;
  }
  if (cur && end <= cur->offset) return;
  std::string fingerprint = !src.fingerprint.empty() ? src.fingerprint
                            : cur                    ? cur->fingerprint
                                                     : std::string();
  SourceOffset& entry = batch->sources[id];
  entry = SourceOffset{src.path, end, std::move(fingerprint)};
  last_source_ = {batch->id, src.dev, src.ino, &entry};
}

}  // namespace trace
