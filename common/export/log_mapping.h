// How a committed event becomes an OTLP LogRecord (proto/otlp.md "Export"):
// the body is the event JSON, the normalized fields become attributes, and
// the resource names claude-trace. Deterministic (no clock): the same event
// always gives the same record, so a re-sent event is byte-identical and a
// collector that hashes records (ours does) drops the repeat.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/otlp/otlp_export.h"

namespace trace::exporter {

// The LogRecord of one stored event. An event that is not a JSON object (a
// store never holds one, but the exporter must not stop on it) becomes a
// record with severity ERROR, the text as body and attribute parse_error.
otlp::OutLogRecord EventToLogRecord(std::string_view event_json, uint64_t seq);

// The resource (service.name=claude-trace, service.version, host.name of this
// machine) and the scope every export request carries.
otlp::OutLogs EmptyLogs(const std::string& host_name);

}  // namespace trace::exporter
