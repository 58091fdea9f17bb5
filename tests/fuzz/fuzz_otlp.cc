// Fuzzes the OTLP/HTTP receivers' decoding (common/otlp/otlp.h, gzip in
// common/http/body_decoding.h) the way a body reaches them: each input is
// decoded as logs and as metrics, as JSON and as protobuf, and gunzipped.
// Invariants: no crash; the inflated size respects its cap; every spool
// record a decode yields is JSON that trace-tail's ingest reader turns into
// one valid event the index accepts.
#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "common/event/event.h"
#include "common/event/normalize.h"
#include "common/http/body_decoding.h"
#include "common/index/line_parser.h"
#include "common/json/json_parse.h"
#include "common/otlp/otlp.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

void CheckRecord(const std::string& record) {
  static trace::Normalizer normalizer;
  static trace::LineParseState index_parser;
  trace::SourceRef ref;
  ref.path = "/d/spool/ingest.jsonl";
  ref.dev = 2049;
  ref.ino = 78;
  ref.length = record.size() + 1;
  std::string event;
  normalizer.Normalize(trace::LineInput{&ref, record, trace::InputKind::kIngest, 1767225600000},
                       &event);
  rapidjson::Document doc;
  FUZZ_CHECK(trace::json::Parse(&doc, event, trace::json::kMaxEventDepth).ok());
  FUZZ_CHECK(doc.IsObject() && doc.HasMember("event_type") && doc["event_type"].IsString());
  FUZZ_CHECK(std::string_view(doc["event_type"].GetString()) != "raw");  // records are valid
  trace::ParsedLine parsed;
  index_parser.Parse(event, &parsed);
  FUZZ_CHECK(parsed.error.ok() && parsed.raw.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (auto signal : {trace::otlp::Signal::kLogs, trace::otlp::Signal::kMetrics}) {
    for (auto encoding : {trace::otlp::Encoding::kJson, trace::otlp::Encoding::kProtobuf}) {
      auto decoded = trace::otlp::DecodeExport(signal, encoding, body, 1767225600000);
      if (!decoded.ok()) continue;
      for (const std::string& record : decoded->records) CheckRecord(record);
    }
  }
  constexpr size_t kCap = 64 << 10;
  auto inflated = trace::http::Gunzip(body, kCap);
  if (inflated.ok()) FUZZ_CHECK(inflated->body.size() <= kCap);
  return 0;
}
