// OTLP decoding against Claude-Code-shaped requests in both encodings (the
// same request gives the same records), the response bodies, and the hostile
// bodies: truncated or malformed protobuf, wrong wire types, huge varints,
// invalid UTF-8, deep nesting, wrong shapes.
#include "common/otlp/otlp.h"

#include <gtest/gtest.h>

#include "common/event/event.h"
#include "common/event/normalize.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace trace::otlp {
namespace {

namespace pb_logs = opentelemetry::proto::collector::logs::v1;
namespace pb_metrics = opentelemetry::proto::collector::metrics::v1;
using opentelemetry::proto::common::v1::KeyValue;

// What Claude Code sends for one API request (monitoring docs; counts as strings).
constexpr std::string_view kApiRequestJson = R"({"resourceLogs":[{"resource":{"attributes":[
  {"key":"service.name","value":{"stringValue":"claude-code"}},
  {"key":"service.version","value":{"stringValue":"2.1.200"}},
  {"key":"host.name","value":{"stringValue":"dev-laptop"}}]},
 "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events","version":"2.1.200"},
  "logRecords":[{"timeUnixNano":"1770912145284000000","observedTimeUnixNano":"1770912145290000000",
   "body":{"stringValue":"claude_code.api_request"},
   "attributes":[
    {"key":"event.name","value":{"stringValue":"api_request"}},
    {"key":"event.timestamp","value":{"stringValue":"2026-02-12T16:02:25.284Z"}},
    {"key":"session.id","value":{"stringValue":"sess-otel-1"}},
    {"key":"user.email","value":{"stringValue":"dev@example.com"}},
    {"key":"user.account_uuid","value":{"stringValue":"acc-9"}},
    {"key":"organization.id","value":{"stringValue":"org-3"}},
    {"key":"terminal.type","value":{"stringValue":"vscode"}},
    {"key":"app.version","value":{"stringValue":"2.1.200"}},
    {"key":"model","value":{"stringValue":"claude-opus-4-6"}},
    {"key":"cost_usd","value":{"stringValue":"0.0421"}},
    {"key":"duration_ms","value":{"stringValue":"2345"}},
    {"key":"input_tokens","value":{"stringValue":"3"}},
    {"key":"output_tokens","value":{"intValue":"120"}},
    {"key":"cache_read_tokens","value":{"intValue":11442}},
    {"key":"cache_creation_tokens","value":{"stringValue":"15005"}},
    {"key":"request_id","value":{"stringValue":"req_011CY4TRHLYkp2wmETF8ujUf"}},
    {"key":"query_source","value":{"stringValue":"main"}},
    {"key":"nested","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"boolValue":true},{"doubleValue":1.5}]}}}]}}}]}]}]}]})";

void Add(google::protobuf::RepeatedPtrField<KeyValue>* kvs, const std::string& k,
         const std::string& v) {
  KeyValue* kv = kvs->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

// The same request built with the generated classes, as the protobuf exporter sends it.
std::string ApiRequestProtobuf() {
  pb_logs::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  Add(rl->mutable_resource()->mutable_attributes(), "service.name", "claude-code");
  Add(rl->mutable_resource()->mutable_attributes(), "service.version", "2.1.200");
  Add(rl->mutable_resource()->mutable_attributes(), "host.name", "dev-laptop");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("com.anthropic.claude_code.events");
  sl->mutable_scope()->set_version("2.1.200");
  auto* r = sl->add_log_records();
  r->set_time_unix_nano(1770912145284000000ull);
  r->set_observed_time_unix_nano(1770912145290000000ull);
  r->mutable_body()->set_string_value("claude_code.api_request");
  auto* a = r->mutable_attributes();
  for (auto [k, v] : std::initializer_list<std::pair<const char*, const char*>>{
           {"event.name", "api_request"},
           {"event.timestamp", "2026-02-12T16:02:25.284Z"},
           {"session.id", "sess-otel-1"},
           {"user.email", "dev@example.com"},
           {"user.account_uuid", "acc-9"},
           {"organization.id", "org-3"},
           {"terminal.type", "vscode"},
           {"app.version", "2.1.200"},
           {"model", "claude-opus-4-6"},
           {"cost_usd", "0.0421"},
           {"duration_ms", "2345"},
           {"input_tokens", "3"}}) {
    Add(a, k, v);
  }
  KeyValue* out = a->Add();
  out->set_key("output_tokens");
  out->mutable_value()->set_int_value(120);
  KeyValue* cr = a->Add();
  cr->set_key("cache_read_tokens");
  cr->mutable_value()->set_int_value(11442);
  Add(a, "cache_creation_tokens", "15005");
  Add(a, "request_id", "req_011CY4TRHLYkp2wmETF8ujUf");
  Add(a, "query_source", "main");
  KeyValue* nested = a->Add();
  nested->set_key("nested");
  KeyValue* inner = nested->mutable_value()->mutable_kvlist_value()->add_values();
  inner->set_key("a");
  auto* arr = inner->mutable_value()->mutable_array_value();
  arr->add_values()->set_bool_value(true);
  arr->add_values()->set_double_value(1.5);
  return req.SerializeAsString();
}

rapidjson::Document Doc(const std::string& text) {
  rapidjson::Document d;
  EXPECT_TRUE(json::Parse(&d, text).ok()) << text;
  return d;
}

TEST(Otlp, ApiRequestBecomesOneRecordWithUsageAndIdentity) {
  auto r = DecodeExport(Signal::kLogs, Encoding::kJson, kApiRequestJson, 1770912149000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->rejected, 0u);
  auto d = Doc(r->records[0]);
  EXPECT_EQ(json::GetString(d, "otel"), "log");
  EXPECT_EQ(json::GetString(d, "id")->substr(0, 3), "ot-");
  EXPECT_EQ(json::GetInt(d, "received_ms"), 1770912149000);
  EXPECT_EQ(json::GetInt(d, "time_ms"), 1770912145284);
  EXPECT_EQ(json::GetString(d, "event_name"), "claude_code.api_request");
  EXPECT_EQ(json::GetString(d["attributes"], "session.id"), "sess-otel-1");
  EXPECT_EQ(json::Serialize(d["attributes"]["nested"]), R"({"a":[true,1.5]})");
  EXPECT_EQ(json::GetString(d["resource"], "host.name"), "dev-laptop");
  EXPECT_EQ(json::GetString(d["scope"], "name"), "com.anthropic.claude_code.events");
  EXPECT_EQ(
      json::Serialize(d["tags"]),
      R"({"user.email":"dev@example.com","user.account_uuid":"acc-9","organization.id":"org-3",)"
      R"("host.name":"dev-laptop","terminal.type":"vscode","app.version":"2.1.200",)"
      R"("service.name":"claude-code","service.version":"2.1.200","query_source":"main"})");
  EXPECT_EQ(json::Serialize(d["usage"]),
            R"({"input_tokens":3,"output_tokens":120,"cache_read_input_tokens":11442,)"
            R"("cache_creation_input_tokens":15005})");
  EXPECT_EQ(json::Serialize(d["metrics"]), R"({"cost_usd":0.0421,"duration_ms":2345.0})");
}

TEST(Otlp, TheSpoolRecordNormalizesToAnOtelEvent) {
  auto r = DecodeExport(Signal::kLogs, Encoding::kJson, kApiRequestJson, 1770912149000);
  ASSERT_TRUE(r.ok());
  SourceRef src{"/d/spool/ingest.jsonl", 1, 2, 0, r->records[0].size() + 1};
  auto e = Doc(NormalizeLine({&src, r->records[0], InputKind::kIngest, 5}));
  auto rec = Doc(r->records[0]);
  EXPECT_EQ(json::GetString(e, "kind"), "otel");
  EXPECT_EQ(json::GetString(e, "span_id"), json::GetString(rec, "id"));
  EXPECT_EQ(json::GetString(e, "event_type"), "claude_code.api_request");
  EXPECT_EQ(json::GetString(e, "session_id"), "sess-otel-1");
  EXPECT_EQ(json::GetString(e, "model"), "claude-opus-4-6");
  EXPECT_EQ(json::GetString(e, "request_id"), "req_011CY4TRHLYkp2wmETF8ujUf");
  EXPECT_EQ(json::GetInt(e, "duration_ms"), 2345);
  EXPECT_EQ(json::GetInt(e, "timestamp"), 1770912145284);
  EXPECT_EQ(json::GetInt(e["usage"], "cache_read_input_tokens"), 11442);
  EXPECT_EQ(json::GetString(e["tags"], "user.email"), "dev@example.com");
  EXPECT_EQ(json::Serialize(e["data"]), r->records[0]);
  Result<EventKeys> keys = ParseEventKeys(json::Serialize(e));
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->kind, "otel");
}

TEST(Otlp, ProtobufAndJsonOfOneRequestGiveTheSameRecords) {
  auto j = DecodeExport(Signal::kLogs, Encoding::kJson, kApiRequestJson, 7);
  auto p = DecodeExport(Signal::kLogs, Encoding::kProtobuf, ApiRequestProtobuf(), 7);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->records, j->records);
  // A retried export (same body, later) has the same ids: the index drops it.
  auto again = DecodeExport(Signal::kLogs, Encoding::kProtobuf, ApiRequestProtobuf(), 99);
  EXPECT_EQ(Doc(again->records[0])["id"], Doc(p->records[0])["id"]);
}

std::string MetricsProtobuf() {
  pb_metrics::ExportMetricsServiceRequest req;
  auto* sm = req.add_resource_metrics()->add_scope_metrics();
  auto* cost = sm->add_metrics();
  cost->set_name("claude_code.cost.usage");
  cost->set_unit("USD");
  cost->mutable_sum()->set_aggregation_temporality(
      opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  cost->mutable_sum()->set_is_monotonic(true);
  auto* p = cost->mutable_sum()->add_data_points();
  p->set_as_double(0.25);
  p->set_time_unix_nano(1770912145000000000ull);
  p->set_start_time_unix_nano(1770912085000000000ull);
  Add(p->mutable_attributes(), "session.id", "sess-otel-1");
  Add(p->mutable_attributes(), "model", "claude-opus-4-6");
  auto* tokens = sm->add_metrics();
  tokens->set_name("claude_code.token.usage");
  auto* t = tokens->mutable_sum()->add_data_points();
  t->set_as_int(1200);
  Add(t->mutable_attributes(), "type", "input");
  auto* lines = sm->add_metrics();
  lines->set_name("claude_code.lines_of_code.count");
  lines->mutable_gauge()->add_data_points()->set_as_int(7);
  auto* hist = sm->add_metrics();
  hist->set_name("latency");
  auto* h = hist->mutable_histogram()->add_data_points();
  h->set_count(3);
  h->set_sum(30.5);
  h->add_bucket_counts(1);
  h->add_bucket_counts(2);
  h->add_explicit_bounds(10);
  sm->add_metrics()->set_name("empty.metric");  // no data: rejected
  auto* no_value = sm->add_metrics();
  no_value->set_name("no.value");
  no_value->mutable_gauge()->add_data_points();  // a point without a value: rejected
  return req.SerializeAsString();
}

TEST(Otlp, MetricPointsBecomeRecordsAndUnusableOnesAreRejected) {
  auto r = DecodeExport(Signal::kMetrics, Encoding::kProtobuf, MetricsProtobuf(), 5);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->records.size(), 4u);
  EXPECT_EQ(r->rejected, 2u);
  EXPECT_EQ(r->rejected_reason, "metric 'empty.metric' has no data points");
  auto cost = Doc(r->records[0]);
  EXPECT_EQ(json::GetString(cost, "otel"), "metric");
  EXPECT_EQ(json::GetString(cost, "name"), "claude_code.cost.usage");
  EXPECT_EQ(json::GetInt(cost, "time_ms"), 1770912145000);
  EXPECT_EQ(
      json::Serialize(cost["point"]),
      R"({"type":"sum","temporality":"delta","monotonic":true,"start_time_ms":1770912085000,"value":0.25})");
  EXPECT_EQ(json::GetInt(Doc(r->records[1])["point"], "value"), 1200);
  EXPECT_EQ(json::GetString(Doc(r->records[2])["point"], "type"), "gauge");
  EXPECT_EQ(json::Serialize(Doc(r->records[3])["point"]),
            R"({"type":"histogram","temporality":"unspecified","start_time_ms":null,"count":3,)"
            R"("sum":30.5,"bucket_counts":[1,2],"explicit_bounds":[10.0]})");
  SourceRef src{"/d/spool/ingest.jsonl", 1, 2, 0, 1};
  auto e = Doc(NormalizeLine({&src, r->records[0], InputKind::kIngest, 5}));
  EXPECT_EQ(json::GetString(e, "kind"), "otel");
  EXPECT_EQ(json::GetString(e, "event_type"), "claude_code.cost.usage");
  EXPECT_EQ(json::GetString(e, "session_id"), "sess-otel-1");
  EXPECT_EQ(json::GetString(e, "hook_type"), "metric");
}

TEST(Otlp, ResponsesInBothEncodings) {
  EXPECT_EQ(EncodeResponse(Signal::kLogs, Encoding::kJson, 0, ""), "{}");
  EXPECT_EQ(
      EncodeResponse(Signal::kMetrics, Encoding::kJson, 2, "metric 'x' has no data points"),
      R"({"partialSuccess":{"rejectedDataPoints":2,"errorMessage":"metric 'x' has no data points"}})");
  pb_logs::ExportLogsServiceResponse logs;
  ASSERT_TRUE(logs.ParseFromString(EncodeResponse(Signal::kLogs, Encoding::kProtobuf, 3, "why")));
  EXPECT_EQ(logs.partial_success().rejected_log_records(), 3);
  EXPECT_EQ(logs.partial_success().error_message(), "why");
  EXPECT_EQ(EncodeResponse(Signal::kLogs, Encoding::kProtobuf, 0, ""), "");  // empty message
  EXPECT_EQ(MediaType(Encoding::kProtobuf), "application/x-protobuf");
}

TEST(Otlp, HostileProtobufBodiesAreErrors) {
  std::string good = ApiRequestProtobuf();
  std::string huge_varint = "\x08" + std::string(11, '\xff');  // more than 10 varint bytes
  std::string bad_utf8 = [] {
    pb_logs::ExportLogsServiceRequest req;
    req.add_resource_logs()->add_scope_logs()->mutable_scope()->set_name("ok");
    std::string b = req.SerializeAsString();
    b.back() = '\xff';  // the scope name's one byte: not UTF-8
    return b;
  }();
  std::string deep;  // AnyValue arrays nested 200 deep (libprotobuf's limit is 100)
  {
    opentelemetry::proto::common::v1::AnyValue v;
    v.set_string_value("leaf");
    for (int i = 0; i < 200; ++i) {
      opentelemetry::proto::common::v1::AnyValue outer;
      *outer.mutable_array_value()->add_values() = v;
      v = outer;
    }
    pb_logs::ExportLogsServiceRequest req;
    *req.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body() = v;
    deep = req.SerializeAsString();
  }
  for (const std::string& body :
       {good.substr(0, good.size() / 2), good.substr(0, good.size() - 1), huge_varint,
        std::string("\x0a\xff\xff\xff\xff\x0f", 6),  // a length far past the end
        std::string("\x0f", 1),                      // field 1, wire type 7 (none such)
        bad_utf8, deep}) {
    auto r = DecodeExport(Signal::kLogs, Encoding::kProtobuf, body, 1);
    EXPECT_FALSE(r.ok()) << body.size();
  }
  EXPECT_FALSE(DecodeExport(Signal::kMetrics, Encoding::kProtobuf, good.substr(0, 9), 1).ok());
}

TEST(Otlp, WrongWireTypeOfAKnownFieldIsSkippedAsUnknown) {
  // resource_logs (field 1) sent as a varint: libprotobuf keeps it as an
  // unknown field, so the request is valid and empty, as the spec requires.
  auto r = DecodeExport(Signal::kLogs, Encoding::kProtobuf, std::string("\x08\x05", 2), 1);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->records.empty());
  auto empty = DecodeExport(Signal::kLogs, Encoding::kProtobuf, "", 1);  // an empty request
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->records.empty());
}

TEST(Otlp, HostileJsonBodiesAreErrors) {
  std::string deep = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":)" +
                     std::string(600, '[') + std::string(600, ']') + "}]}]}]}";
  for (std::string body : {std::string(), std::string("{"), std::string("[]"), std::string("42"),
                           std::string(R"({"resourceLogs":{}})"),
                           std::string(R"({"resourceLogs":[{"scopeLogs":"x"}]})"),
                           std::string(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":7}]}]})"),
                           std::string(R"({"resourceLogs":[5]})"),
                           std::string("{\"resourceLogs\":[],\"x\":\"\xff\"}"), deep}) {
    auto r = DecodeExport(Signal::kLogs, Encoding::kJson, body, 1);
    EXPECT_FALSE(r.ok()) << body.substr(0, 60);
  }
  auto r =
      DecodeExport(Signal::kMetrics, Encoding::kJson,
                   R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[3,{"name":"x"}]}]}]})", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected, 2u);  // not an object; no data
  EXPECT_TRUE(r->records.empty());
}

TEST(Otlp, OddLeafValuesAreKeptNotFatal) {
  auto r = DecodeExport(Signal::kLogs, Encoding::kJson,
                        R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
      {"timeUnixNano":"soon","attributes":[{"key":"k"},{"value":{"stringValue":"no key"}},
        {"key":"k","value":{"stringValue":"dup"}},{"key":"n","value":{"doubleValue":"NaN"}},
        {"key":"big","value":{"intValue":"99999999999999999999"}}],"body":{"bytesValue":"AAEC"}},
      {}]}]}]})",
                        3);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->records.size(), 2u);
  auto d = Doc(r->records[0]);
  EXPECT_TRUE(d["time_ms"].IsNull());
  EXPECT_EQ(json::Serialize(d["attributes"]), R"({"k":null,"n":null,"big":null})");
  EXPECT_EQ(json::GetString(d, "body"), "AAEC");
  EXPECT_EQ(json::GetString(Doc(r->records[1]), "event_name"), "otel.log");
}

}  // namespace
}  // namespace trace::otlp
