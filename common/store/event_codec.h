// The at-rest encoding of `events` values (schema 4, proto/storage.md "Event
// values"): a value holds one event, or a block of consecutive events,
// compressed with zstd, usually with a dictionary trained from the store's
// first events and kept in `dicts`. What a reader decodes is the JSON that
// was encoded, byte for byte. zstd stays behind this header (event_codec.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace trace {

// A dictionary as stored in `dicts`: id (1, 2, ...; 0 means "none") and the
// zstd dictionary bytes.
struct EventDictionary {
  uint32_t id = 0;
  std::string bytes;
};

// Value tags (first byte). A schema 2 value is JSON and starts with '{'.
inline constexpr uint8_t kValueRaw = 0x00;    // one event: the JSON follows as is
inline constexpr uint8_t kValueZstd = 0x01;   // one event: varint dict id, varint size, zstd frame
inline constexpr uint8_t kValueBlock = 0x02;  // varint dict id, varint n, n varint sizes, one
                                              // zstd frame of the n JSONs one after another

// Blocks: the events of a batch go into values of consecutive events, each
// closed once it holds kBlockTargetBytes of JSON or kBlockMaxEvents events;
// an event of kBlockTargetBytes or more is a value of its own. A value is
// keyed by the last seq it holds. Measured on a 50k-line trace-gen home
// (2.75 KB per event), `events` takes 37.1 MB in values of one event, 25.2
// MB in blocks of 32 KiB, 20.5 MB of 64 KiB and 17.2 MB of 128 KiB; a random
// read decompresses at most ~256 KiB (zstd decodes ~2 GB/s here: ~60 us for
// a full block).
inline constexpr size_t kBlockTargetBytes = 128 * 1024;
inline constexpr size_t kBlockMaxEvents = 256;

// One value's events: count consecutive events from first.
struct BlockRun {
  size_t first = 0, count = 0;
};
// Cuts n consecutive events, whose JSON sizes size_of gives, into values.
void CutBlocks(size_t n, const std::function<size_t(size_t)>& size_of, std::vector<BlockRun>* out);

// The events of one decoded value, in seq order.
struct DecodedEvents {
  std::string json;          // their JSON, one after another
  std::vector<size_t> ends;  // where each ends in json
  size_t size() const { return ends.size(); }
  std::string_view at(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(json).substr(begin, ends[i] - begin);
  }
  void clear() {
    json.clear();
    ends.clear();
  }
};

// Dictionary training: from samples totalling at least kTrainMinBytes; the
// builder gathers kTrainSampleBytes of the first events. Measured on
// trace-gen events (2.8 KB average): 1 MiB of samples trains in a quarter of
// the time of 4 MiB and values come out the same size (0.19 of the JSON at
// level 3; a 256 KiB dictionary gains under 3 %).
inline constexpr size_t kDictionaryBytes = 64 * 1024;
inline constexpr size_t kTrainMinBytes = 256 * 1024;
inline constexpr size_t kTrainSampleBytes = 1024 * 1024;

// Trains a dictionary from sample events (zstd's fastCover). Fails when the
// samples are too few or too alike to train from.
Result<std::string> TrainEventDictionary(const std::vector<std::string_view>& samples);

// Compresses event JSON into values. Not thread-safe: one per thread.
class EventEncoder {
 public:
  explicit EventEncoder(int level = kDefaultLevel);
  ~EventEncoder();
  EventEncoder(const EventEncoder&) = delete;
  EventEncoder& operator=(const EventEncoder&) = delete;

  static constexpr int kDefaultLevel = 3;
  // Later values use this dictionary (id 0: none). Fails on bytes zstd
  // cannot load; the encoder then keeps its previous dictionary.
  Status SetDictionary(const EventDictionary& dict);
  uint32_t dictionary_id() const { return dictionary_id_; }
  // Replaces *out with the value of json.
  Status Encode(std::string_view json, std::string* out);
  // Replaces *out with the value of consecutive events (one: as Encode).
  Status EncodeBlock(const std::vector<std::string_view>& events, std::string* out);

 private:
  Status Compress(std::string_view json, std::string* out);
  struct Zstd;
  std::unique_ptr<Zstd> zstd_;
  uint32_t dictionary_id_ = 0;
};

// Decodes values. Thread-safe: dictionaries are loaded once (through the
// loader the caller passes, e.g. a read of `dicts`) and shared; each thread
// decompresses with a context of its own.
class EventDecoder {
 public:
  // The bytes of dictionary id, or nullopt when the store has none by that id.
  using DictionaryLoader = std::function<Result<std::optional<std::string>>(uint32_t id)>;
  EventDecoder();
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // Replaces *out with the JSON of value. A truncated or corrupt value, or
  // one naming a dictionary the loader does not know, is an error.
  Status Decode(std::string_view value, const DictionaryLoader& load, std::string* out);
  // Appends instead of replacing. Both take a value of one event.
  Status DecodeAppend(std::string_view value, const DictionaryLoader& load, std::string* out);
  // Replaces *out with the events of any value (one or a block).
  Status DecodeEvents(std::string_view value, const DictionaryLoader& load, DecodedEvents* out);

 private:
  Status DecodeFrame(std::string_view frame, uint64_t dict_id, size_t size,
                     const DictionaryLoader& load, std::string* out);
  struct Dictionaries;
  std::unique_ptr<Dictionaries> dicts_;
};

// The dictionary id a value needs (0: none), or an error for a value that is
// not schema 3 or 4.
Result<uint32_t> ValueDictionaryId(std::string_view value);
// How many events a value holds (1, or a block's count), read from its
// header alone; an error for a value that is not schema 3 or 4.
Result<size_t> ValueEventCount(std::string_view value);

}  // namespace trace
