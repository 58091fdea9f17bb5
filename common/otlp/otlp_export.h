// OTLP/HTTP logs export requests built by claude-trace (trace-index's
// --otlp-export, proto/otlp.md "Export"): a plain model of one
// ExportLogsServiceRequest (one resource, one scope, its log records), its
// bytes in either encoding, and the collector's response read back. No
// protobuf type crosses this header; pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/base/status.h"
#include "common/otlp/otlp.h"

namespace trace::otlp {

// An attribute's AnyValue: string, int64, double or bool.
using Scalar = std::variant<std::string, int64_t, double, bool>;
struct Attribute {
  std::string key;
  Scalar value;
};

struct OutLogRecord {
  uint64_t time_unix_nano = 0;
  uint64_t observed_time_unix_nano = 0;  // 0: unset (the collector fills it)
  int severity_number = 0;               // 9 INFO, 13 WARN, 17 ERROR
  std::string severity_text;
  std::string body;  // a string AnyValue
  std::string event_name;
  std::vector<Attribute> attributes;
};

struct OutLogs {
  std::vector<Attribute> resource;
  std::string scope_name, scope_version;
  std::vector<OutLogRecord> records;
};

// The ExportLogsServiceRequest body. JSON: OTLP/JSON (lowerCamelCase, 64-bit
// integers as decimal strings, as the specification writes them).
// Deterministic: the same input gives the same bytes.
std::string EncodeLogsRequest(const OutLogs& logs, Encoding encoding);

// What a collector's 2xx ExportLogsServiceResponse said.
struct LogsResponse {
  int64_t rejected_log_records = 0;
  std::string error_message;
};
// Reads a response body (empty = nothing rejected). Fails on a body that is
// not such a response in that encoding.
Result<LogsResponse> DecodeLogsResponse(Encoding encoding, std::string_view body);

}  // namespace trace::otlp
