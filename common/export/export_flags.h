// trace-index's --otlp-export-* flags and the exporter's life in the tool:
// the flag definitions, the options they give, starting the exporter on the
// writer's snapshots and stopping it with a log line of its totals. Kept
// here so trace-index's main only wires (proto/otlp.md "Export").
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/cli/cli.h"
#include "common/export/otlp_exporter.h"
#include "common/store/store_writer.h"

namespace trace::exporter {

// Adds --otlp-export URL and its -protocol/-header/-batch*/-timeout-ms/-state.
void DescribeExportFlags(cli::po::options_description& options);

// The exporter's options, or nullopt without --otlp-export; an error names
// the flag that is wrong (a bad URL, protocol or header).
Result<std::optional<OtlpExporter::Options>> ExportOptionsFrom(const cli::po::variables_map& vm,
                                                               const std::string& db);

// Starts the exporter (null without options). It reads committed events
// through writer's snapshots: the one LMDB environment of this process.
Result<std::unique_ptr<OtlpExporter>> StartExport(
    const std::optional<OtlpExporter::Options>& options, StoreWriter& writer);

// Stops the exporter and logs what it exported, retried and skipped.
void StopAndLog(OtlpExporter& e);

}  // namespace trace::exporter
