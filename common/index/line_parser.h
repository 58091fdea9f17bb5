// Parses received lines into what the batch builder applies: each line's
// event keys and aggregate facts, an invalid line turned into a raw event
// (kept as data, never dropped). Each line is parsed on its own, so a
// helper thread parses ahead while the builder applies the lines in order
// (batch_builder.h); when the builder catches up, it parses the next
// unclaimed line itself. Lines are claimed from one atomic counter, so the
// two threads share the parsing whatever its cost relative to applying.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/event/event.h"
#include "common/event/event_facts.h"
#include "common/json/json_insitu.h"

namespace trace {

// One received line. trust_new_source: the sender is known to have delivered
// everything (contiguous pub_seq since a rewind, or a pipe), so a source seen
// for the first time at a non-zero offset starts its committed offset there.
struct IncomingLine {
  std::string_view body;
  bool trust_new_source = true;
};

struct ParsedLine {
  EventKeys keys;
  std::optional<EventFacts> facts;  // refers to keys: a ParsedLine never moves
  std::string raw;                  // an invalid line: the raw event stored instead
  bool has_seq = false;             // carries a "seq" member (re-serialized, not spliced)
  Status error;                     // even the raw event was unreadable (a bug)
  std::atomic<bool> ready{false};   // parsed (the parsing thread's writes are visible)

  // The JSON the event is stored from: the line, or the raw event.
  std::string_view Body(std::string_view line) const { return raw.empty() ? line : raw; }
};

// Parses one line into *out (reusing its memory); owns its parse buffers.
class LineParseState {
 public:
  LineParseState();
  void Parse(std::string_view line, ParsedLine* out);

 private:
  static constexpr size_t kArenaBytes = 256 << 10;
  std::unique_ptr<char[]> arena_;
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> pool_;
  json::InsituBuffer insitu_;  // the current line, parsed in place
};

class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // A batch being parsed: lines (which must outlive it) are parsed into
  // ParsedLines kept, with their memory, for the next batch. Get(i) in
  // order of i; the destructor waits until the helper has let go.
  class Batch {
   public:
    Batch(LineParser& parser, const std::vector<IncomingLine>& lines);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    // Line i, parsed: by the helper, or here if nobody has claimed it.
    ParsedLine& Get(size_t i);

   private:
    LineParser& parser_;
  };

 private:
  // Claims and parses lines until none is left; true if it parsed any.
  bool ParseClaimed(LineParseState& state);
  void HelperLoop();

  LineParseState mine_, helpers_;  // one per thread
  std::vector<std::unique_ptr<ParsedLine>> parsed_;
  const std::vector<IncomingLine>* lines_ = nullptr;
  std::atomic<size_t> next_{0};  // the next line to claim
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t posted_ = 0, finished_ = 0;  // batches given to / done by the helper
  bool stopping_ = false;
  std::thread helper_;
};

}  // namespace trace
