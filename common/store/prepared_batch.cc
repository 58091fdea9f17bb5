// See prepared_batch.h.
#include "common/store/prepared_batch.h"

#include <algorithm>
#include <cstring>

#include "common/store/lmdb.h"

namespace trace {

std::array<const std::string*, kKeyedIndexes> IndexedFields(const EventKeys& k) {
  return {&k.session_id, &k.task_id, &k.tool_name, &k.trace_id, &k.event_type, &k.user, &k.host};
}

void PutIndexEntry(char* out, uint64_t seq, int64_t ts_ms) {
  lmdb::PutBe64(out, seq);
  lmdb::PutBe64(out + 8, lmdb::BiasTs(ts_ms));
}

std::string IndexEntry(uint64_t seq, int64_t ts_ms) {
  std::string s(kIndexEntrySize, '\0');
  PutIndexEntry(s.data(), seq, ts_ms);
  return s;
}

char* TextArena::Allocate(size_t n) {
  for (; current_ < blocks_.size(); ++current_) {
    Block& b = blocks_[current_];
    if (b.size - b.used >= n) break;
  }
  if (current_ == blocks_.size()) {
    size_t size = std::max(kBlockBytes, n);
    blocks_.push_back({std::make_unique_for_overwrite<char[]>(size), size, 0});
  }
  Block& b = blocks_[current_];
  char* at = b.data.get() + b.used;
  b.used += n;
  return at;
}

std::string_view TextArena::Add(std::string_view s) {
  char* at = Allocate(s.size());
  if (!s.empty()) std::memcpy(at, s.data(), s.size());
  return {at, s.size()};
}

void TextArena::Clear() {
  // Blocks made for one huge string are not kept, nor more than a typical
  // batch needs (a batch of big lines may take hundreds of MB once).
  std::erase_if(blocks_, [](const Block& b) { return b.size > kBlockBytes; });
  if (blocks_.size() > kKeepBlocks) blocks_.resize(kKeepBlocks);
  for (Block& b : blocks_) b.used = 0;
  current_ = 0;
}

PreparedBatch::PreparedBatch() {
  for (int i = 0; i < kEventIndexes; ++i)
    indexes.emplace_back(i == kIndexTime ? 8 : kIndexEntrySize);
}

void PreparedBatch::Clear() {
  id = 0;
  events.clear();
  values.clear();
  by_identity.clear();
  for (IndexRuns& index : indexes) index.Clear();
  aggregates.clear();
  activity.clear();
  sources.clear();
  publishers.clear();
  new_dictionary.reset();
  last_seq = duplicates = 0;
  stats = {};
  text.Clear();
}

}  // namespace trace
