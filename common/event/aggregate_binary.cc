// See aggregate.h. The binary values of the counting states `tool_calls` and
// `messages` (the grammar is proto/storage.md "Counting states"). Decoding is
// strict: a value that ends early, runs on or sets an unknown flag is corrupt,
// as unparsable JSON is; a value starting with '{' is the JSON form.
#include <string>

#include "common/base/varint.h"
#include "common/event/aggregate.h"

namespace trace {

namespace {

// JSON never starts with it, so one byte tells the forms apart.
constexpr char kBinaryTag = 0x01;

// ToolCall flag bits (one byte).
constexpr uint8_t kEnded = 1, kError = 2, kCounted = 4, kHasDuration = 8, kDurationMeasured = 16,
                  kDurationOtel = 32, kHasStart = 64, kHasEnd = 128;
constexpr uint8_t kToolCallFlags = 0xff;
// MessageUsage flag bits (one byte).
constexpr uint8_t kHasTs = 1, kMainThread = 2, kOtelOnly = 4, kHasCost = 8;
constexpr uint8_t kMessageFlags = 0x0f;

uint8_t Bit(bool on, uint8_t bit) { return on ? bit : 0; }

// end_ts - start_ts and its inverse, wrapping instead of overflowing, so
// every pair of times round-trips.
int64_t Delta(int64_t from, int64_t to) {
  return static_cast<int64_t>(static_cast<uint64_t>(to) - static_cast<uint64_t>(from));
}
int64_t Undelta(int64_t from, int64_t delta) {
  return static_cast<int64_t>(static_cast<uint64_t>(from) + static_cast<uint64_t>(delta));
}

// Reads a binary value's fields in order, after the tag; the first failure
// sticks, and Done says whether every read held and nothing was left over.
class FieldReader {
 public:
  explicit FieldReader(std::string_view value) : in_(value) {}
  uint64_t Varint() {
    uint64_t v = 0;
    ok_ = ok_ && GetVarint(in_, &pos_, &v);
    return ok_ ? v : 0;
  }
  int64_t Signed() {
    int64_t v = 0;
    ok_ = ok_ && GetSignedVarint(in_, &pos_, &v);
    return ok_ ? v : 0;
  }
  std::string String() {
    std::string_view s;
    ok_ = ok_ && GetLengthPrefixed(in_, &pos_, &s);
    return ok_ ? std::string(s) : std::string();
  }
  // The flags byte; a bit outside known is corruption.
  uint8_t Flags(uint8_t known) {
    ok_ = ok_ && pos_ < in_.size() && (static_cast<uint8_t>(in_[pos_]) & ~known) == 0;
    return ok_ ? static_cast<uint8_t>(in_[pos_++]) : 0;
  }
  bool Done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 1;
  bool ok_ = true;
};

void PutTokenVarints(const TokenCounts& c, std::string* out) {
  for (uint64_t v : {c.input, c.output, c.cache_creation, c.cache_creation_5m, c.cache_creation_1h,
                     c.cache_read, c.messages}) {
    PutVarint(v, out);
  }
}

TokenCounts ReadTokenVarints(FieldReader& r) {
  TokenCounts c;
  for (uint64_t* v : {&c.input, &c.output, &c.cache_creation, &c.cache_creation_5m,
                      &c.cache_creation_1h, &c.cache_read, &c.messages}) {
    *v = r.Varint();
  }
  return c;
}

Status Corrupt(const char* what) {
  return Status::Error(std::string("corrupt ") + what + " value");
}

}  // namespace

std::string ToolCall::Encode() const {
  std::string out(1, kBinaryTag);
  out.push_back(static_cast<char>(Bit(ended, kEnded) | Bit(error, kError) | Bit(counted, kCounted) |
                                  Bit(has_duration, kHasDuration) |
                                  Bit(duration_measured, kDurationMeasured) |
                                  Bit(duration_otel, kDurationOtel) |
                                  Bit(start_ts != 0, kHasStart) | Bit(end_ts != 0, kHasEnd)));
  PutLengthPrefixed(tool, &out);
  PutLengthPrefixed(session_id, &out);
  PutLengthPrefixed(task_id, &out);
  if (start_ts) PutSignedVarint(start_ts, &out);
  if (end_ts) PutSignedVarint(Delta(start_ts, end_ts), &out);
  if (has_duration) PutSignedVarint(duration_ms, &out);
  PutVarint(sources, &out);
  return out;
}

Result<ToolCall> ToolCall::Decode(std::string_view value) {
  if (!value.empty() && value[0] == '{') return FromJson(value);
  if (value.empty() || value[0] != kBinaryTag) return Corrupt("tool call");
  FieldReader r(value);
  ToolCall c;
  uint8_t flags = r.Flags(kToolCallFlags);
  c.ended = flags & kEnded;
  c.error = flags & kError;
  c.counted = flags & kCounted;
  c.has_duration = flags & kHasDuration;
  c.duration_measured = flags & kDurationMeasured;
  c.duration_otel = flags & kDurationOtel;
  c.tool = r.String();
  c.session_id = r.String();
  c.task_id = r.String();
  if (flags & kHasStart) c.start_ts = r.Signed();
  if (flags & kHasEnd) c.end_ts = Undelta(c.start_ts, r.Signed());
  if (c.has_duration) c.duration_ms = r.Signed();
  uint64_t sources = r.Varint();
  // A flag's time of 0 would read back as "not seen": not what was written.
  bool zero_time = ((flags & kHasStart) && !c.start_ts) || ((flags & kHasEnd) && !c.end_ts);
  if (!r.Done() || zero_time || sources > UINT32_MAX) return Corrupt("tool call");
  c.sources = static_cast<unsigned>(sources);
  return c;
}

std::string MessageUsage::Encode() const {
  std::string out(1, kBinaryTag);
  out.push_back(static_cast<char>(Bit(ts.has_value(), kHasTs) | Bit(main_thread, kMainThread) |
                                  Bit(otel_only, kOtelOnly) |
                                  Bit(reported_cost_nanos.has_value(), kHasCost)));
  PutLengthPrefixed(session_id, &out);
  PutLengthPrefixed(model, &out);
  PutLengthPrefixed(tier, &out);
  PutLengthPrefixed(day, &out);
  if (ts) PutSignedVarint(*ts, &out);
  PutTokenVarints(counts, &out);
  if (reported_cost_nanos) PutSignedVarint(*reported_cost_nanos, &out);
  return out;
}

Result<MessageUsage> MessageUsage::Decode(std::string_view value) {
  if (!value.empty() && value[0] == '{') return FromJson(value);
  if (value.empty() || value[0] != kBinaryTag) return Corrupt("message usage");
  FieldReader r(value);
  MessageUsage m;
  uint8_t flags = r.Flags(kMessageFlags);
  m.main_thread = flags & kMainThread;
  m.otel_only = flags & kOtelOnly;
  m.session_id = r.String();
  m.model = r.String();
  m.tier = r.String();
  m.day = r.String();
  if (flags & kHasTs) m.ts = r.Signed();
  m.counts = ReadTokenVarints(r);
  if (flags & kHasCost) m.reported_cost_nanos = r.Signed();
  if (!r.Done()) return Corrupt("message usage");
  return m;
}

}  // namespace trace
