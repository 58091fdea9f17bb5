// Export requests read back by our own receiver's decoder (the collector the
// system tests use): both encodings carry the same records, attributes of
// every type survive, and responses with partial_success are understood.
#include "common/otlp/otlp_export.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "common/json/json_parse.h"

namespace trace::otlp {
namespace {

OutLogs Sample() {
  OutLogs logs;
  logs.resource = {{"service.name", std::string("claude-trace")}, {"host.name", std::string("h1")}};
  logs.scope_name = "claude-trace.index";
  logs.scope_version = "0.1.0";
  OutLogRecord r;
  r.time_unix_nano = 1770912145284000000u;
  r.severity_number = 9;
  r.severity_text = "INFO";
  r.body = R"({"span_id":"s1","event_type":"PreToolUse","seq":7})";
  r.event_name = "PreToolUse";
  r.attributes = {{"session.id", std::string("sess-1")},
                  {"seq", int64_t{7}},
                  {"big", int64_t{9007199254740993}},
                  {"ratio", 0.25},
                  {"ok", true},
                  {"bad utf8", std::string("a\xff")}};
  logs.records.push_back(r);
  r.body = "second";
  r.event_name = "Stop";
  r.attributes = {};
  logs.records.push_back(r);
  return logs;
}

rapidjson::Document Record(const std::string& line) {
  rapidjson::Document d;
  EXPECT_TRUE(json::Parse(&d, line).ok()) << line;
  return d;
}

TEST(OtlpExportTest, BothEncodingsDecodeToTheSameRecords) {
  auto from_json =
      DecodeExport(Signal::kLogs, Encoding::kJson, EncodeLogsRequest(Sample(), Encoding::kJson), 1);
  auto from_pb = DecodeExport(Signal::kLogs, Encoding::kProtobuf,
                              EncodeLogsRequest(Sample(), Encoding::kProtobuf), 1);
  ASSERT_TRUE(from_json.ok()) << from_json.status().message();
  ASSERT_TRUE(from_pb.ok()) << from_pb.status().message();
  ASSERT_EQ(from_json->records.size(), 2u);
  EXPECT_EQ(from_json->records, from_pb->records);
  EXPECT_EQ(from_json->rejected, 0u);

  rapidjson::Document r = Record(from_pb->records[0]);
  EXPECT_STREQ(r["event_name"].GetString(), "PreToolUse");
  EXPECT_STREQ(r["body"].GetString(), R"({"span_id":"s1","event_type":"PreToolUse","seq":7})");
  EXPECT_EQ(r["time_ms"].GetInt64(), 1770912145284);
  EXPECT_TRUE(r["observed_ms"].IsNull());  // unset: the collector fills it
  EXPECT_EQ(r["severity_number"].GetInt(), 9);
  const auto& a = r["attributes"];
  EXPECT_STREQ(a["session.id"].GetString(), "sess-1");
  EXPECT_EQ(a["seq"].GetInt64(), 7);
  EXPECT_EQ(a["big"].GetInt64(), 9007199254740993);  // above 2^53: no double on the way
  EXPECT_DOUBLE_EQ(a["ratio"].GetDouble(), 0.25);
  EXPECT_TRUE(a["ok"].GetBool());
  EXPECT_STREQ(a["bad utf8"].GetString(), "a\xEF\xBF\xBD");  // sanitized, still decodable
  EXPECT_STREQ(r["resource"]["host.name"].GetString(), "h1");
  EXPECT_STREQ(r["scope"]["name"].GetString(), "claude-trace.index");
}

TEST(OtlpExportTest, EncodingIsDeterministic) {
  for (Encoding e : {Encoding::kJson, Encoding::kProtobuf})
    EXPECT_EQ(EncodeLogsRequest(Sample(), e), EncodeLogsRequest(Sample(), e));
}

TEST(OtlpExportTest, EmptyRequestIsValid) {
  OutLogs empty;
  for (Encoding e : {Encoding::kJson, Encoding::kProtobuf}) {
    auto d = DecodeExport(Signal::kLogs, e, EncodeLogsRequest(empty, e), 1);
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_TRUE(d->records.empty());
  }
}

TEST(OtlpExportTest, ReadsResponsesOfOurReceiver) {
  for (Encoding e : {Encoding::kJson, Encoding::kProtobuf}) {
    auto none = DecodeLogsResponse(e, EncodeResponse(Signal::kLogs, e, 0, ""));
    ASSERT_TRUE(none.ok()) << none.status().message();
    EXPECT_EQ(none->rejected_log_records, 0);
    auto some = DecodeLogsResponse(e, EncodeResponse(Signal::kLogs, e, 3, "not an object"));
    ASSERT_TRUE(some.ok()) << some.status().message();
    EXPECT_EQ(some->rejected_log_records, 3);
    EXPECT_EQ(some->error_message, "not an object");
  }
  auto as_string = DecodeLogsResponse(
      Encoding::kJson, R"({"partialSuccess":{"rejectedLogRecords":"5","errorMessage":"x"}})");
  ASSERT_TRUE(as_string.ok());
  EXPECT_EQ(as_string->rejected_log_records, 5);
  EXPECT_TRUE(DecodeLogsResponse(Encoding::kJson, "").ok());
  EXPECT_FALSE(DecodeLogsResponse(Encoding::kJson, "<html>").ok());
  EXPECT_FALSE(DecodeLogsResponse(Encoding::kJson, "[1]").ok());
  EXPECT_FALSE(DecodeLogsResponse(Encoding::kProtobuf, "\xff\xff\xff").ok());
}

}  // namespace
}  // namespace trace::otlp
