// See event_codec.h. The one place that includes zstd: its size_t error
// codes become Status here. Frames carry a checksum, so a corrupt value is an
// error, not other JSON; they omit the content size and dictionary id, which
// the value's own header holds (proto/storage.md).
#include "common/store/event_codec.h"

#include <zdict.h>
#include <zstd.h>

#include <map>
#include <mutex>
#include <shared_mutex>

#include "common/base/varint.h"

namespace trace {

namespace {

// The largest event stored compressed (4x trace-tail's default line cap);
// a larger one is stored raw. A compressed value's header naming more is
// corruption, not an event, and must not become an allocation.
constexpr uint64_t kMaxValueBytes = uint64_t{64} << 20;
// fastCover samples longer than this add little and slow training.
constexpr size_t kMaxSampleBytes = size_t{64} * 1024;

Status ZstdError(const char* what, size_t rc) {
  return Status::Error(std::string(what) + ": " + ZSTD_getErrorName(rc));
}

struct Header {
  uint8_t tag = 0;
  uint64_t dict_id = 0;
  uint64_t count = 1;  // events in the value
  uint64_t size = 0;   // bytes of JSON they take together (raw: unknown, 0)
  size_t body = 0;     // offset of the frame (or of the raw JSON)
};

// Reads a value's header; for a block, each event's end offset goes to
// *ends when it is given.
Result<Header> ParseHeader(std::string_view value, std::vector<size_t>* ends = nullptr) {
  if (value.empty()) return Status::Error("empty event value");
  Header h;
  h.tag = static_cast<uint8_t>(value[0]);
  h.body = 1;
  if (h.tag == kValueRaw) return h;
  if (h.tag == '{')
    return Status::Error("event value is schema 2 JSON (run trace-index --migrate)");
  if (h.tag != kValueZstd && h.tag != kValueBlock)
    return Status::Error("unknown event value tag " + std::to_string(h.tag));
  if (!GetVarint(value, &h.body, &h.dict_id) || h.dict_id > UINT32_MAX)
    return Status::Error("truncated event value header");
  if (h.tag == kValueZstd) {
    if (!GetVarint(value, &h.body, &h.size) || h.size > kMaxValueBytes)
      return Status::Error("truncated event value header");
    return h;
  }
  if (!GetVarint(value, &h.body, &h.count) || h.count == 0 || h.count > kBlockMaxEvents)
    return Status::Error("corrupt event block header (count)");
  if (ends) ends->clear();
  for (uint64_t i = 0; i < h.count; ++i) {
    uint64_t n = 0;
    if (!GetVarint(value, &h.body, &n) || n > kMaxValueBytes - h.size)
      return Status::Error("corrupt event block header (sizes)");
    h.size += n;
    if (ends) ends->push_back(h.size);
  }
  return h;
}

struct DctxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_DCtx* ThreadDctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> dctx(ZSTD_createDCtx());
  return dctx.get();
}

}  // namespace

Result<uint32_t> ValueDictionaryId(std::string_view value) {
  auto h = ParseHeader(value);
  if (!h) return h.status();
  return static_cast<uint32_t>(h->dict_id);
}

Result<size_t> ValueEventCount(std::string_view value) {
  auto h = ParseHeader(value);
  if (!h) return h.status();
  return static_cast<size_t>(h->count);
}

void CutBlocks(size_t n, const std::function<size_t(size_t)>& size_of, std::vector<BlockRun>* out) {
  out->clear();
  size_t first = 0, bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t size = size_of(i);
    if (size >= kBlockTargetBytes) {  // alone, after the block before it
      if (i > first) out->push_back({first, i - first});
      out->push_back({i, 1});
      first = i + 1;
      bytes = 0;
      continue;
    }
    bytes += size;
    if (bytes >= kBlockTargetBytes || i + 1 - first == kBlockMaxEvents) {
      out->push_back({first, i + 1 - first});
      first = i + 1;
      bytes = 0;
    }
  }
  if (n > first) out->push_back({first, n - first});
}

Result<std::string> TrainEventDictionary(const std::vector<std::string_view>& samples) {
  std::string buffer;
  std::vector<size_t> sizes;
  for (std::string_view s : samples) {
    s = s.substr(0, kMaxSampleBytes);
    buffer.append(s);
    sizes.push_back(s.size());
  }
  if (buffer.size() < kTrainMinBytes)
    return Status::Error("train dictionary: " + std::to_string(buffer.size()) +
                         " bytes of samples, need " + std::to_string(kTrainMinBytes));
  std::string dict(kDictionaryBytes, '\0');
  size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), buffer.data(), sizes.data(),
                                   static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n))
    return Status::Error(std::string("train dictionary: ") + ZDICT_getErrorName(n));
  dict.resize(n);
  return dict;
}

struct EventEncoder::Zstd {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CDict* cdict = nullptr;
  int level;
  std::string joined;  // a block's JSON, one event after another
  ~Zstd() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeCCtx(cctx);
  }
};

EventEncoder::EventEncoder(int level) : zstd_(std::make_unique<Zstd>()) {
  zstd_->level = level;
  ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_dictIDFlag, 0);
}

EventEncoder::~EventEncoder() = default;

Status EventEncoder::SetDictionary(const EventDictionary& dict) {
  ZSTD_CDict* cdict = nullptr;
  if (dict.id != 0) {
    cdict = ZSTD_createCDict(dict.bytes.data(), dict.bytes.size(), zstd_->level);
    if (!cdict) return Status::Error("load dictionary " + std::to_string(dict.id) + ": rejected");
  }
  size_t rc = ZSTD_CCtx_refCDict(zstd_->cctx, cdict);
  if (ZSTD_isError(rc)) {
    ZSTD_freeCDict(cdict);
    return ZstdError("load dictionary", rc);
  }
  ZSTD_freeCDict(zstd_->cdict);
  zstd_->cdict = cdict;
  dictionary_id_ = dict.id;
  return Status::Ok();
}

// Appends the frame of json to *out.
Status EventEncoder::Compress(std::string_view json, std::string* out) {
  size_t header = out->size();
  out->resize(header + ZSTD_compressBound(json.size()));
  size_t n = ZSTD_compress2(zstd_->cctx, out->data() + header, out->size() - header, json.data(),
                            json.size());
  if (ZSTD_isError(n)) return ZstdError("compress event", n);
  out->resize(header + n);
  return Status::Ok();
}

Status EventEncoder::Encode(std::string_view json, std::string* out) {
  out->clear();
  if (json.size() <= kMaxValueBytes) {
    out->push_back(static_cast<char>(kValueZstd));
    PutVarint(dictionary_id_, out);
    PutVarint(json.size(), out);
    if (Status st = Compress(json, out); !st) return st;
    if (out->size() <= json.size() + 1) return Status::Ok();
  }
  // Too large, or incompressible: kept as it is.
  out->assign(1, static_cast<char>(kValueRaw));
  out->append(json);
  return Status::Ok();
}

Status EventEncoder::EncodeBlock(const std::vector<std::string_view>& events, std::string* out) {
  if (events.size() == 1) return Encode(events[0], out);
  if (events.empty() || events.size() > kBlockMaxEvents)
    return Status::Error("event block of " + std::to_string(events.size()) + " events");
  std::string& joined = zstd_->joined;
  joined.clear();
  out->assign(1, static_cast<char>(kValueBlock));
  PutVarint(dictionary_id_, out);
  PutVarint(events.size(), out);
  for (std::string_view e : events) {
    PutVarint(e.size(), out);
    joined.append(e);
  }
  if (joined.size() > kMaxValueBytes)
    return Status::Error("event block of " + std::to_string(joined.size()) + " bytes");
  // Kept compressed even when incompressible: zstd then stores the bytes in
  // raw blocks, a few bytes more than the JSON.
  Status st = Compress(joined, out);
  if (joined.capacity() > 4 * kBlockTargetBytes) std::string().swap(joined);
  return st;
}

struct EventDecoder::Dictionaries {
  std::shared_mutex mu;
  std::map<uint32_t, ZSTD_DDict*> by_id;
  ~Dictionaries() {
    for (auto& [id, d] : by_id) ZSTD_freeDDict(d);
  }

  Result<ZSTD_DDict*> Get(uint32_t id, const DictionaryLoader& load) {
    {
      std::shared_lock lock(mu);
      if (auto it = by_id.find(id); it != by_id.end()) return it->second;
    }
    std::unique_lock lock(mu);
    if (auto it = by_id.find(id); it != by_id.end()) return it->second;
    std::string what = "event dictionary " + std::to_string(id);
    auto bytes = load ? load(id) : Result<std::optional<std::string>>(std::nullopt);
    if (!bytes) return bytes.status().Wrap(what);
    if (!*bytes) return Status::Error(what + " is not in the store");
    ZSTD_DDict* d = ZSTD_createDDict((*bytes)->data(), (*bytes)->size());
    if (!d) return Status::Error(what + ": not a zstd dictionary");
    by_id[id] = d;
    return d;
  }
};

EventDecoder::EventDecoder() : dicts_(std::make_unique<Dictionaries>()) {}
EventDecoder::~EventDecoder() = default;

Status EventDecoder::Decode(std::string_view value, const DictionaryLoader& load,
                            std::string* out) {
  out->clear();
  return DecodeAppend(value, load, out);
}

Status EventDecoder::DecodeFrame(std::string_view frame, uint64_t dict_id, size_t size,
                                 const DictionaryLoader& load, std::string* out) {
  ZSTD_DDict* ddict = nullptr;
  if (dict_id != 0) {
    auto d = dicts_->Get(static_cast<uint32_t>(dict_id), load);
    if (!d) return d.status();
    ddict = *d;
  }
  size_t start = out->size();
  out->resize(start + size);
  ZSTD_DCtx* dctx = ThreadDctx();
  size_t n = ZSTD_decompress_usingDDict(dctx, out->data() + start, size, frame.data(), frame.size(),
                                        ddict);
  if (ZSTD_isError(n) || n != size) {
    out->resize(start);
    if (ZSTD_isError(n)) return ZstdError("decode event value", n);
    return Status::Error("decode event value: " + std::to_string(n) + " bytes, header says " +
                         std::to_string(size));
  }
  return Status::Ok();
}

Status EventDecoder::DecodeAppend(std::string_view value, const DictionaryLoader& load,
                                  std::string* out) {
  auto h = ParseHeader(value);
  if (!h) return h.status();
  std::string_view body = value.substr(h->body);
  if (h->tag == kValueBlock) return Status::Error("event value is a block, not one event");
  if (h->tag == kValueRaw) {
    out->append(body);
    return Status::Ok();
  }
  return DecodeFrame(body, h->dict_id, h->size, load, out);
}

Status EventDecoder::DecodeEvents(std::string_view value, const DictionaryLoader& load,
                                  DecodedEvents* out) {
  out->clear();
  auto h = ParseHeader(value, &out->ends);
  Status st = h.status();
  if (st && h->tag != kValueBlock) {
    st = DecodeAppend(value, load, &out->json);
    if (st) out->ends.assign(1, out->json.size());
  } else if (st) {
    st = DecodeFrame(value.substr(h->body), h->dict_id, h->size, load, &out->json);
  }
  if (!st) out->clear();  // nothing of a value that does not decode
  return st;
}

}  // namespace trace
