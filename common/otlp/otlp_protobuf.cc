// The only libprotobuf code: OTLP protobuf requests into the OTLP/JSON shape,
// and the protobuf responses. Generated classes from common/otlp/proto/.
#include <google/protobuf/stubs/logging.h>

#include <mutex>

#include "common/otlp/otlp_internal.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace trace::otlp::internal {

namespace {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_logs = opentelemetry::proto::logs::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;
using Alloc = rapidjson::Document::AllocatorType;
using rapidjson::Value;

// libprotobuf logs parse failures (invalid UTF-8 in a string field) to
// stderr; a hostile body must not fill the gateway's log.
void SilenceProtobufLog() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(nullptr); });
}

Value Str(const std::string& s, Alloc& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Value Attributes(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& kvs, Alloc& a);

Value Any(const pb_common::AnyValue& v, Alloc& a) {
  Value out(rapidjson::kObjectType);
  switch (v.value_case()) {
    case pb_common::AnyValue::kStringValue:
      out.AddMember("stringValue", Str(v.string_value(), a), a);
      break;
    case pb_common::AnyValue::kBoolValue:
      out.AddMember("boolValue", v.bool_value(), a);
      break;
    case pb_common::AnyValue::kIntValue:
      out.AddMember("intValue", static_cast<int64_t>(v.int_value()), a);
      break;
    case pb_common::AnyValue::kDoubleValue:
      out.AddMember("doubleValue", v.double_value(), a);
      break;
    case pb_common::AnyValue::kArrayValue: {
      Value values(rapidjson::kArrayType);
      for (const auto& e : v.array_value().values()) values.PushBack(Any(e, a), a);
      Value arr(rapidjson::kObjectType);
      arr.AddMember("values", values, a);
      out.AddMember("arrayValue", arr, a);
      break;
    }
    case pb_common::AnyValue::kKvlistValue: {
      Value list(rapidjson::kObjectType);
      list.AddMember("values", Attributes(v.kvlist_value().values(), a), a);
      out.AddMember("kvlistValue", list, a);
      break;
    }
    case pb_common::AnyValue::kBytesValue:
      out.AddMember("bytesValue", Str(Base64(v.bytes_value()), a), a);
      break;
    case pb_common::AnyValue::VALUE_NOT_SET:
      break;
  }
  return out;
}

Value Attributes(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& kvs, Alloc& a) {
  Value out(rapidjson::kArrayType);
  for (const auto& kv : kvs) {
    Value e(rapidjson::kObjectType);
    e.AddMember("key", Str(kv.key(), a), a);
    if (kv.has_value()) e.AddMember("value", Any(kv.value(), a), a);
    out.PushBack(e, a);
  }
  return out;
}

Value Scope(const pb_common::InstrumentationScope& s, Alloc& a) {
  Value out(rapidjson::kObjectType);
  out.AddMember("name", Str(s.name(), a), a);
  out.AddMember("version", Str(s.version(), a), a);
  out.AddMember("attributes", Attributes(s.attributes(), a), a);
  return out;
}

template <typename R>
Value Resource(const R& r, Alloc& a) {
  Value out(rapidjson::kObjectType);
  out.AddMember("attributes", Attributes(r.resource().attributes(), a), a);
  return out;
}

Value LogRecord(const pb_logs::LogRecord& r, Alloc& a) {
  Value out(rapidjson::kObjectType);
  out.AddMember("timeUnixNano", static_cast<uint64_t>(r.time_unix_nano()), a);
  out.AddMember("observedTimeUnixNano", static_cast<uint64_t>(r.observed_time_unix_nano()), a);
  out.AddMember("severityNumber", static_cast<int>(r.severity_number()), a);
  out.AddMember("severityText", Str(r.severity_text(), a), a);
  if (r.has_body()) out.AddMember("body", Any(r.body(), a), a);
  out.AddMember("attributes", Attributes(r.attributes(), a), a);
  if (!r.trace_id().empty()) out.AddMember("traceId", Str(Hex(r.trace_id()), a), a);
  if (!r.span_id().empty()) out.AddMember("spanId", Str(Hex(r.span_id()), a), a);
  out.AddMember("eventName", Str(r.event_name(), a), a);
  return out;
}

// The resource -> scope -> item nesting both signals share, under the OTLP
// JSON names of each level.
struct NestingNames {
  const char* resources;
  const char* scopes;
  const char* items;
};

template <typename Resources, typename ScopesOf, typename ItemsOf, typename ItemToJson>
void NestedToJson(const Resources& resources_in, ScopesOf scopes_of, ItemsOf items_of,
                  ItemToJson item_to_json, NestingNames names, rapidjson::Document* out) {
  Alloc& a = out->GetAllocator();
  Value resources(rapidjson::kArrayType);
  for (const auto& resource : resources_in) {
    Value scopes(rapidjson::kArrayType);
    for (const auto& scope : scopes_of(resource)) {
      Value items(rapidjson::kArrayType);
      for (const auto& item : items_of(scope)) items.PushBack(item_to_json(item, a), a);
      Value s(rapidjson::kObjectType);
      s.AddMember("scope", Scope(scope.scope(), a), a);
      s.AddMember(rapidjson::StringRef(names.items), items, a);
      scopes.PushBack(s, a);
    }
    Value r(rapidjson::kObjectType);
    r.AddMember("resource", Resource(resource, a), a);
    r.AddMember(rapidjson::StringRef(names.scopes), scopes, a);
    resources.PushBack(r, a);
  }
  out->SetObject();
  out->AddMember(rapidjson::StringRef(names.resources), resources, a);
}

void LogsToJson(const opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& req,
                rapidjson::Document* out) {
  NestedToJson(
      req.resource_logs(), [](const auto& rl) -> const auto& { return rl.scope_logs(); },
      [](const auto& sl) -> const auto& { return sl.log_records(); },
      [](const auto& r, Alloc& a) { return LogRecord(r, a); },
      {"resourceLogs", "scopeLogs", "logRecords"}, out);
}

// The fields every data point kind shares.
template <typename P>
Value PointBase(const P& p, Alloc& a) {
  Value out(rapidjson::kObjectType);
  out.AddMember("attributes", Attributes(p.attributes(), a), a);
  out.AddMember("startTimeUnixNano", static_cast<uint64_t>(p.start_time_unix_nano()), a);
  out.AddMember("timeUnixNano", static_cast<uint64_t>(p.time_unix_nano()), a);
  return out;
}

Value NumberPoint(const pb_metrics::NumberDataPoint& p, Alloc& a) {
  Value out = PointBase(p, a);
  if (p.value_case() == pb_metrics::NumberDataPoint::kAsDouble) {
    out.AddMember("asDouble", p.as_double(), a);
  } else if (p.value_case() == pb_metrics::NumberDataPoint::kAsInt) {
    out.AddMember("asInt", static_cast<int64_t>(p.as_int()), a);
  }
  return out;
}

// count, sum, min, max of the distribution kinds.
template <typename P>
Value DistributionPoint(const P& p, Alloc& a) {
  Value out = PointBase(p, a);
  out.AddMember("count", static_cast<uint64_t>(p.count()), a);
  if (p.has_sum()) out.AddMember("sum", p.sum(), a);
  if (p.has_min()) out.AddMember("min", p.min(), a);
  if (p.has_max()) out.AddMember("max", p.max(), a);
  return out;
}

Value HistogramPoint(const pb_metrics::HistogramDataPoint& p, Alloc& a) {
  Value out = DistributionPoint(p, a);
  Value counts(rapidjson::kArrayType), bounds(rapidjson::kArrayType);
  for (uint64_t c : p.bucket_counts()) counts.PushBack(c, a);
  for (double b : p.explicit_bounds()) bounds.PushBack(b, a);
  out.AddMember("bucketCounts", counts, a);
  out.AddMember("explicitBounds", bounds, a);
  return out;
}

Value SummaryPoint(const pb_metrics::SummaryDataPoint& p, Alloc& a) {
  Value out = PointBase(p, a);
  out.AddMember("count", static_cast<uint64_t>(p.count()), a);
  out.AddMember("sum", p.sum(), a);
  return out;
}

template <typename Points, typename Fn>
Value PointList(const Points& points, Fn fn, Alloc& a) {
  Value out(rapidjson::kArrayType);
  for (const auto& p : points) out.PushBack(fn(p, a), a);
  return out;
}

Value Metric(const pb_metrics::Metric& m, Alloc& a) {
  Value out(rapidjson::kObjectType);
  out.AddMember("name", Str(m.name(), a), a);
  out.AddMember("description", Str(m.description(), a), a);
  out.AddMember("unit", Str(m.unit(), a), a);
  Value data(rapidjson::kObjectType);
  const char* kind = nullptr;
  switch (m.data_case()) {
    case pb_metrics::Metric::kGauge:
      kind = "gauge";
      data.AddMember("dataPoints", PointList(m.gauge().data_points(), NumberPoint, a), a);
      break;
    case pb_metrics::Metric::kSum:
      kind = "sum";
      data.AddMember("dataPoints", PointList(m.sum().data_points(), NumberPoint, a), a);
      data.AddMember("aggregationTemporality", static_cast<int>(m.sum().aggregation_temporality()),
                     a);
      data.AddMember("isMonotonic", m.sum().is_monotonic(), a);
      break;
    case pb_metrics::Metric::kHistogram:
      kind = "histogram";
      data.AddMember("dataPoints", PointList(m.histogram().data_points(), HistogramPoint, a), a);
      data.AddMember("aggregationTemporality",
                     static_cast<int>(m.histogram().aggregation_temporality()), a);
      break;
    case pb_metrics::Metric::kExponentialHistogram:
      kind = "exponentialHistogram";
      data.AddMember("dataPoints",
                     PointList(m.exponential_histogram().data_points(),
                               DistributionPoint<pb_metrics::ExponentialHistogramDataPoint>, a),
                     a);
      data.AddMember("aggregationTemporality",
                     static_cast<int>(m.exponential_histogram().aggregation_temporality()), a);
      break;
    case pb_metrics::Metric::kSummary:
      kind = "summary";
      data.AddMember("dataPoints", PointList(m.summary().data_points(), SummaryPoint, a), a);
      break;
    case pb_metrics::Metric::DATA_NOT_SET:
      break;
  }
  if (kind) out.AddMember(rapidjson::StringRef(kind), data, a);
  return out;
}

void MetricsToJson(
    const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& req,
    rapidjson::Document* out) {
  NestedToJson(
      req.resource_metrics(), [](const auto& rm) -> const auto& { return rm.scope_metrics(); },
      [](const auto& sm) -> const auto& { return sm.metrics(); },
      [](const auto& m, Alloc& a) { return Metric(m, a); },
      {"resourceMetrics", "scopeMetrics", "metrics"}, out);
}

template <typename Message>
Status Parse(std::string_view body, Message* m) {
  SilenceProtobufLog();
  if (body.size() > static_cast<size_t>(INT32_MAX)) return Status::Error("protobuf body too large");
  if (!m->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::Error("not a valid protobuf " + m->GetTypeName() +
                         " (truncated, malformed, invalid UTF-8 in a string, or nested too deep)");
  }
  return Status::Ok();
}

}  // namespace

Status ProtobufToJson(Signal signal, std::string_view body, rapidjson::Document* out) {
  if (signal == Signal::kLogs) {
    opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest req;
    if (Status s = Parse(body, &req); !s.ok()) return s;
    LogsToJson(req, out);
  } else {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
    if (Status s = Parse(body, &req); !s.ok()) return s;
    MetricsToJson(req, out);
  }
  return Status::Ok();
}

std::string ProtobufResponse(Signal signal, uint64_t rejected, std::string_view message) {
  std::string out;
  if (signal == Signal::kLogs) {
    opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse resp;
    if (rejected > 0) {
      resp.mutable_partial_success()->set_rejected_log_records(static_cast<int64_t>(rejected));
      resp.mutable_partial_success()->set_error_message(std::string(message));
    }
    resp.SerializeToString(&out);
  } else {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse resp;
    if (rejected > 0) {
      resp.mutable_partial_success()->set_rejected_data_points(static_cast<int64_t>(rejected));
      resp.mutable_partial_success()->set_error_message(std::string(message));
    }
    resp.SerializeToString(&out);
  }
  return out;
}

std::string ProtobufStatus(int grpc_code, std::string_view message) {
  google::rpc::Status status;
  status.set_code(grpc_code);
  status.set_message(std::string(message));
  std::string out;
  status.SerializeToString(&out);
  return out;
}

}  // namespace trace::otlp::internal
