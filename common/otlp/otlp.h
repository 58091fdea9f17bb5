// OTLP/HTTP export requests (logs and metrics, JSON or protobuf) decoded into
// claude-trace's OTel spool records, one per log record or data point, and the
// OTLP response bodies (proto/otlp.md). Pure functions of the body: no
// protobuf type crosses this header; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace trace::otlp {

enum class Signal { kLogs, kMetrics };
enum class Encoding { kJson, kProtobuf };

struct ExportResult {
  std::vector<std::string> records;  // spool lines (compact JSON, no newline)
  uint64_t rejected = 0;             // log records / data points not taken
  std::string rejected_reason;       // why the first of them was not
};

// Decodes one Export{Logs,Metrics}ServiceRequest. An error means the body is
// not such a request at all (not JSON or invalid UTF-8, nested deeper than
// json::kMaxDepth, a truncated or malformed protobuf, a wrong shape): the
// caller answers 400 and stores nothing. Items that are well-formed but
// unusable (a metric without data) are counted in `rejected` instead.
Result<ExportResult> DecodeExport(Signal signal, Encoding encoding, std::string_view body,
                                  int64_t received_ms);

// The Export{Logs,Metrics}ServiceResponse body in that encoding; with
// rejected > 0 it carries partial_success {rejected_*, error_message}.
std::string EncodeResponse(Signal signal, Encoding encoding, uint64_t rejected,
                           std::string_view message);

// A google.rpc.Status message (gRPC status code and message), the protobuf
// body of OTLP error responses.
std::string EncodeStatus(int grpc_code, std::string_view message);

// The media type of each encoding ("application/json", "application/x-protobuf").
std::string_view MediaType(Encoding encoding);

}  // namespace trace::otlp
