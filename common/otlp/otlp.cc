// DecodeExport and the responses: the JSON body is parsed depth-limited
// (json_parse.h), the protobuf one by otlp_protobuf.cc; both are mapped by
// otlp_records.cc.
#include "common/otlp/otlp.h"

#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/otlp/otlp_internal.h"

namespace trace::otlp {

Result<ExportResult> DecodeExport(Signal signal, Encoding encoding, std::string_view body,
                                  int64_t received_ms) {
  rapidjson::Document doc;
  if (encoding == Encoding::kJson) {
    if (Status s = json::Parse(&doc, body); !s.ok()) return s.Wrap("invalid JSON");
    if (!json::IsValidUtf8(body)) return Status::Error("body is not valid UTF-8");
  } else if (Status s = internal::ProtobufToJson(signal, body, &doc); !s.ok()) {
    return s;
  }
  ExportResult out;
  if (Status s = internal::RecordsFromJson(signal, doc, received_ms, &out); !s.ok()) return s;
  return out;
}

std::string EncodeResponse(Signal signal, Encoding encoding, uint64_t rejected,
                           std::string_view message) {
  std::string clean = json::SanitizeUtf8(message);
  if (encoding == Encoding::kProtobuf) return internal::ProtobufResponse(signal, rejected, clean);
  json::StringWriter w;
  w.StartObject();
  if (rejected > 0) {
    w.Key("partialSuccess");
    w.StartObject();
    w.Key(signal == Signal::kLogs ? "rejectedLogRecords" : "rejectedDataPoints");
    w.Int64(static_cast<int64_t>(rejected));
    w.Key("errorMessage");
    w.String(clean);
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

std::string EncodeStatus(int grpc_code, std::string_view message) {
  return internal::ProtobufStatus(grpc_code, json::SanitizeUtf8(message));
}

std::string_view MediaType(Encoding encoding) {
  return encoding == Encoding::kJson ? "application/json" : "application/x-protobuf";
}

}  // namespace trace::otlp
