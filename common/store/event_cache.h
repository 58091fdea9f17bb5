// Decoded events by seq for the readers (lmdb_store.h): decoding a value
// (event_codec.h) costs more than copying JSON did, and the pages readers
// ask for again and again (the newest events, a live session) are few. A
// seq's event never changes once stored, so an entry is never stale.
// Thread-safe (one mutex); least recently used entries go first.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace trace {

class EventCache {
 public:
  // max_bytes bounds the JSON held; events above max_bytes / 64 are not kept.
  explicit EventCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Appends seq's JSON to *out and returns true when it is cached.
  bool Append(uint64_t seq, std::string* out);
  void Insert(uint64_t seq, std::string_view json);
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    uint64_t seq;
    std::string json;
  };
  std::mutex mu_;
  size_t max_bytes_, bytes_ = 0;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<uint64_t, std::list<Entry>::iterator> by_seq_;
};

}  // namespace trace
