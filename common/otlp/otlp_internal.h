// Internal to common/otlp: both encodings meet in the OTLP/JSON shape (the
// protobuf decoder builds that document from the message), and one mapper
// turns it into records. Only otlp_protobuf.cc knows libprotobuf.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/otlp/otlp.h"

namespace trace::otlp::internal {

// Parses a protobuf Export{Logs,Metrics}ServiceRequest and writes it into
// *out as the OTLP/JSON request (lowerCamelCase names, int64 as numbers,
// bytes as hex ids or base64). Fails on bytes libprotobuf will not parse.
Status ProtobufToJson(Signal signal, std::string_view body, rapidjson::Document* out);

// The protobuf Export{Logs,Metrics}ServiceResponse.
std::string ProtobufResponse(Signal signal, uint64_t rejected, std::string_view message);

// The protobuf google.rpc.Status.
std::string ProtobufStatus(int grpc_code, std::string_view message);

// Maps an OTLP/JSON request to records (proto/otlp.md). Fails when the
// request's shape is wrong (resourceLogs not an array, ...).
Status RecordsFromJson(Signal signal, const rapidjson::Value& request, int64_t received_ms,
                       ExportResult* out);

}  // namespace trace::otlp::internal

namespace trace::otlp {
struct OutLogs;
struct LogsResponse;
}  // namespace trace::otlp

namespace trace::otlp::internal {

// The protobuf ExportLogsServiceRequest of an export (otlp_export.h).
std::string ProtobufLogsRequest(const OutLogs& logs);

// Reads a protobuf ExportLogsServiceResponse.
Status ProtobufLogsResponse(std::string_view body, LogsResponse* out);

}  // namespace trace::otlp::internal
