// Fuzzes what a followed file's bytes go through: the line splitter, every
// normalizer (each input kind, at a path of its kind) and the index's line
// parser. Invariants: nothing crashes or hangs, each line becomes exactly one
// event that is valid JSON within the event depth limit and carries its
// identity, and the index accepts every event trace-tail can emit.
#include <rapidjson/document.h>

#include <array>
#include <string>
#include <string_view>

#include "common/event/event.h"
#include "common/event/normalize.h"
#include "common/index/line_parser.h"
#include "common/json/json_parse.h"
#include "common/tail/line_splitter.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

using trace::InputKind;

struct Source {
  InputKind hint;
  const char* path;
};

// One path per reader, shaped as the files that reader follows.
constexpr std::array<Source, 6> kSources{{
    {InputKind::kAuto, "/fuzz/input.jsonl"},
    {InputKind::kSpan, "/h/.claude/traces/3f2a.jsonl"},
    {InputKind::kTranscript,
     "/h/.claude/projects/-home-u-p/4d5611e5-241a-462a-8d15-5122611a9569.jsonl"},
    {InputKind::kTranscript, "/h/.claude/projects/-home-u-p/4d56/subagents/agent-a1b2.jsonl"},
    {InputKind::kHistory, "/h/.claude/history.jsonl"},
    {InputKind::kIngest, "/d/spool/ingest.jsonl"},
}};

void CheckEvent(std::string_view event, trace::LineParseState* index_parser) {
  rapidjson::Document doc;
  FUZZ_CHECK(trace::json::Parse(&doc, event, trace::json::kMaxEventDepth).ok());
  FUZZ_CHECK(doc.IsObject());
  FUZZ_CHECK(doc.HasMember("span_id") && doc["span_id"].IsString());
  FUZZ_CHECK(doc.HasMember("event_type") && doc["event_type"].IsString());
  FUZZ_CHECK(doc.HasMember("timestamp") && doc["timestamp"].IsInt64());
  FUZZ_CHECK(doc.HasMember("source") && doc["source"].IsObject());
  trace::ParsedLine parsed;
  index_parser->Parse(event, &parsed);
  FUZZ_CHECK(parsed.error.ok());
  FUZZ_CHECK(parsed.raw.empty());  // trace-tail's events are never "invalid" to the index
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static trace::Normalizer normalizer;
  static trace::LineParseState index_parser;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string event;
  // One reader per input, chosen by its length, so each run is cheap and
  // mutations that change the length move an input between readers.
  const Source& source = kSources[size % kSources.size()];
  trace::SourceRef ref;
  ref.path = source.path;
  ref.dev = 2049;
  ref.ino = 77;
  // A small cap so the oversized-line path is fuzzed as well.
  trace::LineSplitter splitter(1024);
  splitter.Reset(0);
  auto emit = [&](const trace::Line& line) {
    ref.offset = line.offset;
    ref.length = line.length;
    trace::LineInput in{&ref, line.text, source.hint, 1767225600000};
    event.clear();
    if (line.oversized) {
      normalizer.NormalizeOversized(in, &event);
    } else {
      normalizer.Normalize(in, &event);
    }
    CheckEvent(event, &index_parser);
  };
  splitter.Feed(bytes, emit);
  splitter.Flush(emit);
  return 0;
}
