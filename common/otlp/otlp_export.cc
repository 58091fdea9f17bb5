// See otlp_export.h. The OTLP/JSON request is written here with the JSON
// writer; the protobuf one by otlp_protobuf_export.cc (libprotobuf).
#include "common/otlp/otlp_export.h"

#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/otlp/otlp_internal.h"

namespace trace::otlp {

namespace {

using json::StringWriter;

void WriteScalar(const Scalar& value, StringWriter& w) {
  w.StartObject();
  if (const auto* s = std::get_if<std::string>(&value)) {
    w.Key("stringValue");
    w.String(json::SanitizeUtf8(*s));
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    w.Key("intValue");
    w.String(std::to_string(*i));  // proto3 JSON: 64-bit integers as strings
  } else if (const auto* d = std::get_if<double>(&value)) {
    w.Key("doubleValue");
    w.Double(*d);
  } else {
    w.Key("boolValue");
    w.Bool(std::get<bool>(value));
  }
  w.EndObject();
}

void WriteAttributes(const std::vector<Attribute>& attributes, StringWriter& w) {
  w.Key("attributes");
  w.StartArray();
  for (const Attribute& a : attributes) {
    w.StartObject();
    w.Key("key");
    w.String(json::SanitizeUtf8(a.key));
    w.Key("value");
    WriteScalar(a.value, w);
    w.EndObject();
  }
  w.EndArray();
}

void WriteRecord(const OutLogRecord& r, StringWriter& w) {
  w.StartObject();
  w.Key("timeUnixNano");
  w.String(std::to_string(r.time_unix_nano));
  if (r.observed_time_unix_nano) {
    w.Key("observedTimeUnixNano");
    w.String(std::to_string(r.observed_time_unix_nano));
  }
  w.Key("severityNumber");
  w.Int64(r.severity_number);
  w.Key("severityText");
  w.String(r.severity_text);
  w.Key("body");
  WriteScalar(r.body, w);
  WriteAttributes(r.attributes, w);
  w.Key("eventName");
  w.String(json::SanitizeUtf8(r.event_name));
  w.EndObject();
}

std::string JsonLogsRequest(const OutLogs& logs) {
  StringWriter w;
  w.StartObject();
  w.Key("resourceLogs");
  w.StartArray();
  w.StartObject();
  w.Key("resource");
  w.StartObject();
  WriteAttributes(logs.resource, w);
  w.EndObject();
  w.Key("scopeLogs");
  w.StartArray();
  w.StartObject();
  w.Key("scope");
  w.StartObject();
  w.Key("name");
  w.String(logs.scope_name);
  w.Key("version");
  w.String(logs.scope_version);
  w.EndObject();
  w.Key("logRecords");
  w.StartArray();
  for (const OutLogRecord& r : logs.records) WriteRecord(r, w);
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Status JsonLogsResponse(std::string_view body, LogsResponse* out) {
  rapidjson::Document doc;
  if (Status s = json::Parse(&doc, body); !s) return s.Wrap("response is not JSON");
  if (!doc.IsObject()) return Status::Error("response is not a JSON object");
  const rapidjson::Value* partial = json::Find(doc, "partialSuccess");
  if (partial == nullptr || !partial->IsObject()) return Status::Ok();
  if (const rapidjson::Value* n = json::Find(*partial, "rejectedLogRecords")) {
    if (n->IsInt64()) out->rejected_log_records = n->GetInt64();
    if (n->IsString()) out->rejected_log_records = std::atoll(n->GetString());
  }
  if (auto m = json::GetString(*partial, "errorMessage")) out->error_message = std::string(*m);
  return Status::Ok();
}

}  // namespace

std::string EncodeLogsRequest(const OutLogs& logs, Encoding encoding) {
  return encoding == Encoding::kJson ? JsonLogsRequest(logs) : internal::ProtobufLogsRequest(logs);
}

Result<LogsResponse> DecodeLogsResponse(Encoding encoding, std::string_view body) {
  LogsResponse out;
  if (body.empty()) return out;
  Status s = encoding == Encoding::kJson ? JsonLogsResponse(body, &out)
                                         : internal::ProtobufLogsResponse(body, &out);
  if (!s) return s;
  return out;
}

}  // namespace trace::otlp
