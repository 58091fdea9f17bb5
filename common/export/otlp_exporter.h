// trace-index's OTLP logs exporter (--otlp-export, proto/otlp.md "Export"):
// one thread of its own reads committed events by seq (short read
// transactions through ReadFn, never the writer's), sends them in batches as
// ExportLogsServiceRequests, retries with backoff what OTLP calls retryable,
// halves requests a collector finds too large (413), skips (and counts) what
// it refuses, and stores the last acknowledged seq after each batch.
// Indexing never waits for it: a
// collector that is down only makes the exporter fall behind, and it catches
// up from its position when the collector is back. At-least-once: a restart
// re-sends at most the batch in flight when it stopped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/export/retry_policy.h"
#include "common/http/http_client.h"
#include "common/otlp/otlp.h"

namespace trace::exporter {

// Committed events with seq > after, oldest first; true when more follow
// (StoreSnapshot::EventsAfter semantics). Called on the exporter thread.
using ReadFn = std::function<Result<bool>(uint64_t after, size_t max, size_t max_bytes,
                                          std::vector<std::pair<uint64_t, std::string>>* out)>;

class OtlpExporter {
 public:
  struct Options {
    http::Url url;  // the logs endpoint itself (ResolveLogsUrl)
    otlp::Encoding encoding = otlp::Encoding::kProtobuf;
    std::vector<std::pair<std::string, std::string>> headers;  // e.g. Authorization
    size_t batch_events = 512;                                 // events per request at most
    // Event JSON bytes per request at most (one bigger event goes alone):
    // the request stays under 1 MiB, a common receiver limit (ours).
    size_t batch_bytes = 512 << 10;
    int batch_ms = 200;      // an event waits at most this long for a fuller batch
    int poll_ms = 20;        // how often the store is looked at while idle
    int timeout_ms = 10000;  // per request
    RetrySchedule::Options retry;
    std::string position_path;  // the stored position (export_position.h)
    std::string host_name;      // resource host.name
  };
  struct Totals {
    uint64_t exported = 0;          // events acknowledged by the collector
    uint64_t batches = 0;           // requests acknowledged
    uint64_t retries = 0;           // attempts that will be repeated
    uint64_t rejected_batches = 0;  // refused (4xx but 429) and skipped
    uint64_t rejected_events = 0;   // events in those
    uint64_t partial_rejected = 0;  // partial_success.rejected_log_records summed
    uint64_t position = 0;          // last acknowledged (or skipped) seq
  };

  OtlpExporter(Options options, ReadFn read);
  ~OtlpExporter();  // Stop()s

  // Loads the position and starts the thread. Fails on an unreadable position.
  Status Start();
  // Lets the request in flight finish (at most timeout_ms), then joins.
  void Stop();
  Totals totals() const;

 private:
  void Run();
  Status Fill();
  bool Due() const;
  void Send();
  void Accepted(const http::ClientResponse& response);
  void Retry(const Result<http::ClientResponse>& response);
  void Rejected(const http::ClientResponse& response);
  void Shrink();
  void Advance();
  void WaitMs(int64_t ms);

  Options options_;
  ReadFn read_;
  http::HttpClient client_;
  RetrySchedule schedule_;
  std::thread thread_;
  std::mutex mu_;  // guards stop_ for cv_
  std::condition_variable cv_;
  bool stop_ = false;

  // The batch being built or sent; exporter thread only.
  size_t batch_bytes_;  // options_.batch_bytes, halved by each 413 for the run
  std::vector<std::pair<uint64_t, std::string>> pending_;
  size_t pending_bytes_ = 0;
  int64_t first_pending_ms_ = 0;
  bool full_ = false;  // a limit cut the last read: send without waiting
  std::string body_;   // the encoded batch once tried: a retry sends the same
  bool failing_ = false;

  std::atomic<uint64_t> exported_{0}, batches_{0}, retries_{0}, rejected_batches_{0},
      rejected_events_{0}, partial_rejected_{0}, position_{0};
};

// The URL requests go to: an endpoint with no path (or "/") gets OTLP's
// "/v1/logs", as OTEL_EXPORTER_OTLP_ENDPOINT does; any other path is used as is.
Result<http::Url> ResolveLogsUrl(std::string_view text);

// "http/json" or "http/protobuf" (OTEL_EXPORTER_OTLP_PROTOCOL's names).
Result<otlp::Encoding> ParseProtocol(std::string_view name);

// "Key=Value" (OTEL_EXPORTER_OTLP_HEADERS' form) into a header; the key must
// be a token, the value free of CR/LF.
Result<std::pair<std::string, std::string>> ParseHeader(std::string_view text);

}  // namespace trace::exporter
