// Parses received lines into what the batch builder applies: each line's
// event keys and aggregate facts, an invalid line turned into a raw event
// (kept as data, never dropped). Most of a batch's CPU is this JSON
// parsing, and each line is parsed on its own, so a batch is split between
// the calling thread and one helper thread; the builder then applies the
// results in order (batch_builder.h).
#pragma once

#include <rapidjson/document.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/event.h"
#include "common/event_facts.h"
#include "common/status.h"

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
  std::string raw;       // an invalid line: the raw event stored instead
  bool has_seq = false;  // carries a "seq" member (re-serialized, not spliced)
  Status error;          // even the raw event was unreadable (a bug)

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
  std::vector<char> insitu_;  // the current line, parsed in place
};

class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // Parses lines[i] into out[i]; out grows as needed and keeps its lines
  // (and their memory) for the next call. Small batches stay on this thread.
  void ParseAll(const std::vector<IncomingLine>& lines, std::vector<std::unique_ptr<ParsedLine>>* out);

 private:
  // Lines [first, n) with stride 2: the helper takes the even ones.
  static void ParseStride(LineParseState& state, const std::vector<IncomingLine>& lines,
                          size_t first, std::vector<std::unique_ptr<ParsedLine>>& out);
  void HelperLoop();

  LineParseState mine_, helpers_;  // one per thread
  std::mutex mu_;
  std::condition_variable cv_;
  const std::vector<IncomingLine>* job_lines_ = nullptr;
  std::vector<std::unique_ptr<ParsedLine>>* job_out_ = nullptr;
  uint64_t posted_ = 0, finished_ = 0;
  bool stopping_ = false;
  std::thread helper_;
};

}  // namespace trace
