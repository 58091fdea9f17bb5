// libprotobuf for the export side: an OutLogs into ExportLogsServiceRequest
// bytes, and the collector's ExportLogsServiceResponse read back. Strings are
// made valid UTF-8 first (proto3 refuses to parse anything else).
#include "common/json/json.h"
#include "common/otlp/otlp_export.h"
#include "common/otlp/otlp_internal.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace trace::otlp::internal {

namespace {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_logs = opentelemetry::proto::logs::v1;
namespace pb_collector = opentelemetry::proto::collector::logs::v1;

void SetScalar(const Scalar& value, pb_common::AnyValue* out) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    out->set_string_value(json::SanitizeUtf8(*s));
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    out->set_int_value(*i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    out->set_double_value(*d);
  } else {
    out->set_bool_value(std::get<bool>(value));
  }
}

void AddAttributes(const std::vector<Attribute>& attributes,
                   google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out) {
  for (const Attribute& a : attributes) {
    pb_common::KeyValue* kv = out->Add();
    kv->set_key(json::SanitizeUtf8(a.key));
    SetScalar(a.value, kv->mutable_value());
  }
}

void SetRecord(const OutLogRecord& r, pb_logs::LogRecord* out) {
  out->set_time_unix_nano(r.time_unix_nano);
  out->set_observed_time_unix_nano(r.observed_time_unix_nano);
  out->set_severity_number(static_cast<pb_logs::SeverityNumber>(r.severity_number));
  out->set_severity_text(r.severity_text);
  out->mutable_body()->set_string_value(json::SanitizeUtf8(r.body));
  AddAttributes(r.attributes, out->mutable_attributes());
  out->set_event_name(json::SanitizeUtf8(r.event_name));
}

}  // namespace

std::string ProtobufLogsRequest(const OutLogs& logs) {
  pb_collector::ExportLogsServiceRequest req;
  pb_logs::ResourceLogs* rl = req.add_resource_logs();
  AddAttributes(logs.resource, rl->mutable_resource()->mutable_attributes());
  pb_logs::ScopeLogs* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name(json::SanitizeUtf8(logs.scope_name));
  sl->mutable_scope()->set_version(json::SanitizeUtf8(logs.scope_version));
  for (const OutLogRecord& r : logs.records) SetRecord(r, sl->add_log_records());
  std::string out;
  req.SerializeToString(&out);
  return out;
}

Status ProtobufLogsResponse(std::string_view body, LogsResponse* out) {
  pb_collector::ExportLogsServiceResponse resp;
  if (body.size() > static_cast<size_t>(INT32_MAX) ||
      !resp.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return Status::Error("response is not a protobuf ExportLogsServiceResponse");
  out->rejected_log_records = resp.partial_success().rejected_log_records();
  out->error_message = resp.partial_success().error_message();
  return Status::Ok();
}

}  // namespace trace::otlp::internal
