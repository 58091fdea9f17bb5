// See export_flags.h.
#include "common/export/export_flags.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/base/log.h"
#include "common/base/process.h"
#include "common/export/log_mapping.h"

namespace trace::exporter {

namespace po = cli::po;

void DescribeExportFlags(po::options_description& options) {
  options.add_options()(
      "otlp-export", po::value<std::string>()->value_name("URL"),
      "also export committed events as OTLP logs to this collector (http://host:port; no path "
      "means /v1/logs), from a thread of its own that never holds indexing up")(
      "otlp-export-protocol", po::value<std::string>()->default_value("http/protobuf"),
      "http/protobuf or http/json")(
      "otlp-export-header", po::value<std::vector<std::string>>()->value_name("K=V")->composing(),
      "header sent with every export request, e.g. 'Authorization=Bearer T' (repeatable)")(
      "otlp-export-batch", po::value<size_t>()->default_value(512),
      "max events per export request")(
      "otlp-export-batch-kb", po::value<size_t>()->default_value(512),
      "max event JSON per export request (one larger event goes alone)")(
      "otlp-export-batch-ms", po::value<int>()->default_value(200),
      "max wait of a committed event for a fuller export request")(
      "otlp-export-timeout-ms", po::value<int>()->default_value(10000), "per export request")(
      "otlp-export-state", po::value<std::string>()->value_name("FILE"),
      "where the last exported seq is kept (default <db>/otlp-export.json; delete it to export "
      "everything again)");
}

Result<std::optional<OtlpExporter::Options>> ExportOptionsFrom(const po::variables_map& vm,
                                                               const std::string& db) {
  if (!vm.count("otlp-export")) return std::optional<OtlpExporter::Options>();
  OtlpExporter::Options o;
  auto url = ResolveLogsUrl(vm["otlp-export"].as<std::string>());
  if (!url) return url.status();
  o.url = *url;
  auto encoding = ParseProtocol(vm["otlp-export-protocol"].as<std::string>());
  if (!encoding) return encoding.status();
  o.encoding = *encoding;
  std::vector<std::string> headers;
  if (vm.count("otlp-export-header"))
    headers = vm["otlp-export-header"].as<std::vector<std::string>>();
  for (const auto& text : headers) {
    auto header = ParseHeader(text);
    if (!header) return header.status();
    o.headers.push_back(*header);
  }
  o.batch_events = std::max<size_t>(1, vm["otlp-export-batch"].as<size_t>());
  o.batch_bytes = std::max<size_t>(1, vm["otlp-export-batch-kb"].as<size_t>()) << 10;
  o.batch_ms = std::max(0, vm["otlp-export-batch-ms"].as<int>());
  o.timeout_ms = std::max(1, vm["otlp-export-timeout-ms"].as<int>());
  o.position_path = vm.count("otlp-export-state") ? vm["otlp-export-state"].as<std::string>()
                                                  : db + "/otlp-export.json";
  o.host_name = process::HostName();
  return std::optional<OtlpExporter::Options>(std::move(o));
}

Result<std::unique_ptr<OtlpExporter>> StartExport(
    const std::optional<OtlpExporter::Options>& options, StoreWriter& writer) {
  if (!options) return std::unique_ptr<OtlpExporter>();
  auto read = [&writer](uint64_t after, size_t max, size_t max_bytes, auto* out) -> Result<bool> {
    auto snapshot = writer.Snapshot();
    if (!snapshot) return snapshot.status();
    return (*snapshot)->EventsAfter(after, max, max_bytes, out);
  };
  auto e = std::make_unique<OtlpExporter>(*options, read);
  if (Status st = e->Start(); !st) return st;
  return e;
}

void StopAndLog(OtlpExporter& e) {
  e.Stop();
  const OtlpExporter::Totals x = e.totals();
  log::Info("otlp export stopped", {{"exported", x.exported},
                                    {"batches", x.batches},
                                    {"retries", x.retries},
                                    {"rejected_batches", x.rejected_batches},
                                    {"rejected_events", x.rejected_events},
                                    {"partial_rejected", x.partial_rejected},
                                    {"position", x.position}});
}

}  // namespace trace::exporter
