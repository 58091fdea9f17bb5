// Event -> LogRecord: the attribute table of proto/otlp.md "Export", severity
// from parse_error / is_error, the event JSON as body, determinism, and a
// stored value that is not an event still exported, not dropped.
#include "common/export/log_mapping.h"

#include <gtest/gtest.h>

#include <map>

namespace trace::exporter {
namespace {

std::map<std::string, otlp::Scalar> Attrs(const otlp::OutLogRecord& r) {
  std::map<std::string, otlp::Scalar> out;
  for (const auto& a : r.attributes) {
    EXPECT_TRUE(out.emplace(a.key, a.value).second) << "repeated key " << a.key;
  }
  return out;
}

TEST(LogMappingTest, AssistantTurnCarriesItsFields) {
  const std::string e =
      R"({"span_id":"u-1","trace_id":"sess-9","parent_id":"u-0","session_id":"sess-9",)"
      R"("task_id":null,"timestamp":1770912145284,"duration_ms":1234,"event_type":"assistant",)"
      R"("kind":"transcript","model":"claude-opus-4-6","tool_name":"Bash","tool_use_id":"toolu_1",)"
      R"("usage":{"input_tokens":3,"output_tokens":120,"cache_read_input_tokens":11442,)"
      R"("cache_creation_input_tokens":15005},"host":"dev-laptop","user":"ann","seq":42})";
  otlp::OutLogRecord r = EventToLogRecord(e, 42);
  EXPECT_EQ(r.body, e);
  EXPECT_EQ(r.event_name, "assistant");
  EXPECT_EQ(r.time_unix_nano, 1770912145284000000u);
  EXPECT_EQ(r.observed_time_unix_nano, 0u);
  EXPECT_EQ(r.severity_number, 9);
  EXPECT_EQ(r.severity_text, "INFO");
  auto a = Attrs(r);
  EXPECT_EQ(std::get<std::string>(a["session.id"]), "sess-9");
  EXPECT_EQ(std::get<std::string>(a["event_type"]), "assistant");
  EXPECT_EQ(std::get<std::string>(a["kind"]), "transcript");
  EXPECT_EQ(std::get<std::string>(a["span_id"]), "u-1");
  EXPECT_EQ(std::get<std::string>(a["trace_id"]), "sess-9");
  EXPECT_EQ(std::get<std::string>(a["parent_id"]), "u-0");
  EXPECT_EQ(std::get<std::string>(a["model"]), "claude-opus-4-6");
  EXPECT_EQ(std::get<std::string>(a["tool_name"]), "Bash");
  EXPECT_EQ(std::get<std::string>(a["tool_use_id"]), "toolu_1");
  EXPECT_EQ(std::get<std::string>(a["host.name"]), "dev-laptop");
  EXPECT_EQ(std::get<std::string>(a["user.name"]), "ann");
  EXPECT_EQ(std::get<int64_t>(a["duration_ms"]), 1234);
  EXPECT_EQ(std::get<int64_t>(a["input_tokens"]), 3);
  EXPECT_EQ(std::get<int64_t>(a["output_tokens"]), 120);
  EXPECT_EQ(std::get<int64_t>(a["cache_read_input_tokens"]), 11442);
  EXPECT_EQ(std::get<int64_t>(a["cache_creation_input_tokens"]), 15005);
  EXPECT_EQ(std::get<int64_t>(a["seq"]), 42);
  EXPECT_EQ(a.count("task_id"), 0u);  // null fields are left out
}

TEST(LogMappingTest, ErrorsAreSeverityError) {
  auto bad_line = EventToLogRecord(
      R"({"span_id":"x","event_type":"raw","raw":"{oops","parse_error":"invalid JSON","timestamp":5})",
      3);
  EXPECT_EQ(bad_line.severity_number, 17);
  EXPECT_EQ(std::get<std::string>(Attrs(bad_line)["parse_error"]), "invalid JSON");
  auto failed_tool =
      EventToLogRecord(R"({"event_type":"claude_code.tool_result","is_error":true})", 4);
  EXPECT_EQ(failed_tool.severity_text, "ERROR");
}

TEST(LogMappingTest, OddEventsStillBecomeRecords) {
  for (const char* odd : {"", "not json", "[1,2]", "{\"a\":", "42"}) {
    auto r = EventToLogRecord(odd, 9);
    EXPECT_EQ(r.body, odd);
    EXPECT_EQ(r.severity_number, 17) << odd;
    auto a = Attrs(r);
    EXPECT_EQ(std::get<int64_t>(a["seq"]), 9);
    EXPECT_TRUE(a.count("parse_error")) << odd;
  }
  auto no_time = EventToLogRecord(R"({"event_type":"Stop","timestamp":-5,"usage":"lots"})", 1);
  EXPECT_EQ(no_time.time_unix_nano, 0u);
  EXPECT_EQ(Attrs(no_time).count("input_tokens"), 0u);
}

TEST(LogMappingTest, SameEventSameRecord) {
  const std::string e = R"({"span_id":"a","event_type":"Stop","timestamp":1,"session_id":"s"})";
  auto a = EventToLogRecord(e, 1), b = EventToLogRecord(e, 1);
  otlp::OutLogs la = EmptyLogs("h"), lb = EmptyLogs("h");
  la.records.push_back(a);
  lb.records.push_back(b);
  EXPECT_EQ(otlp::EncodeLogsRequest(la, otlp::Encoding::kProtobuf),
            otlp::EncodeLogsRequest(lb, otlp::Encoding::kProtobuf));
}

TEST(LogMappingTest, ResourceNamesClaudeTrace) {
  otlp::OutLogs logs = EmptyLogs("box");
  std::map<std::string, otlp::Scalar> r;
  for (const auto& a : logs.resource) r.emplace(a.key, a.value);
  EXPECT_EQ(std::get<std::string>(r["service.name"]), "claude-trace");
  EXPECT_EQ(std::get<std::string>(r["host.name"]), "box");
  EXPECT_EQ(std::get<std::string>(r["service.version"]), TRACE_VERSION);
  EXPECT_EQ(EmptyLogs("").resource.size(), 2u);
}

}  // namespace
}  // namespace trace::exporter
