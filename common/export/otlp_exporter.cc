// See otlp_exporter.h. The loop: fill the batch from the store, send it when
// it is full or old enough, then act on the collector's answer (accepted,
// retry later, rejected). Everything but stop_ is the exporter thread's own.
#include "common/export/otlp_exporter.h"

#include <algorithm>
#include <cctype>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/export/export_position.h"
#include "common/export/log_mapping.h"
#include "common/otlp/otlp_export.h"

namespace trace::exporter {

namespace {

http::HttpClient::Options ClientOptions(const OtlpExporter::Options& o) {
  http::HttpClient::Options c;
  c.url = o.url;
  c.timeout_ms = o.timeout_ms;
  c.headers = o.headers;
  return c;
}

std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 200;
  return std::string(body.substr(0, kMax));
}

}  // namespace

OtlpExporter::OtlpExporter(Options options, ReadFn read)
    : options_(std::move(options)),
      read_(std::move(read)),
      client_(ClientOptions(options_)),
      schedule_(options_.retry, NowMs),
      batch_bytes_(std::max<size_t>(1, options_.batch_bytes)) {
  options_.batch_events = std::max<size_t>(1, options_.batch_events);
}

OtlpExporter::~OtlpExporter() { Stop(); }

Status OtlpExporter::Start() {
  auto position = LoadPosition(options_.position_path);
  if (!position) return position.status();
  position_ = *position;
  log::Info("otlp export started",
            {{"url", "http://" + options_.url.host + ":" + std::to_string(options_.url.port) +
                         options_.url.path},
             {"position", *position}});
  thread_ = std::thread([this] {
    Status s = StatusOfCall([this] {
      Run();
      return Status::Ok();
    });
    if (!s) log::Error("otlp export stopped", {{"error", s.message()}});
  });
  return Status::Ok();
}

void OtlpExporter::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

OtlpExporter::Totals OtlpExporter::totals() const {
  return {exported_,        batches_,          retries_, rejected_batches_,
          rejected_events_, partial_rejected_, position_};
}

void OtlpExporter::WaitMs(int64_t ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

void OtlpExporter::Run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    if (Status s = Fill(); !s) {
      log::Warn("otlp export: read store failed", {{"error", s.message()}});
      WaitMs(1000);
    } else if (pending_.empty() || !Due()) {
      WaitMs(options_.poll_ms);
    } else if (int64_t wait = schedule_.WaitMs(); wait > 0) {
      WaitMs(wait);
    } else {
      Send();
    }
  }
}

// Adds committed events after the batch (or the position) until the batch is
// full. A batch already tried is not grown: its retry sends the same bytes.
Status OtlpExporter::Fill() {
  if (!body_.empty() || pending_.size() >= options_.batch_events || pending_bytes_ >= batch_bytes_)
    return Status::Ok();
  uint64_t after = pending_.empty() ? position_.load() : pending_.back().first;
  size_t before = pending_.size();
  auto more =
      read_(after, options_.batch_events - before, batch_bytes_ - pending_bytes_, &pending_);
  for (size_t i = before; i < pending_.size(); ++i) pending_bytes_ += pending_[i].second.size();
  // The store gives at least one event; one that overflows a batch begun
  // waits for the next (it is read again).
  while (pending_.size() > std::max<size_t>(before, 1) && pending_bytes_ > batch_bytes_) {
    pending_bytes_ -= pending_.back().second.size();
    pending_.pop_back();
    full_ = true;
  }
  if (more.ok() && *more) full_ = true;
  if (before == 0 && !pending_.empty()) first_pending_ms_ = NowMs();
  return more.status();
}

bool OtlpExporter::Due() const {
  return !body_.empty() || full_ || pending_.size() >= options_.batch_events ||
         pending_bytes_ >= batch_bytes_ || NowMs() - first_pending_ms_ >= options_.batch_ms;
}

void OtlpExporter::Send() {
  if (body_.empty()) {
    otlp::OutLogs logs = EmptyLogs(options_.host_name);
    logs.records.reserve(pending_.size());
    for (const auto& [seq, json] : pending_) logs.records.push_back(EventToLogRecord(json, seq));
    body_ = otlp::EncodeLogsRequest(logs, options_.encoding);
  }
  auto response = client_.Post(otlp::MediaType(options_.encoding), body_);
  Outcome outcome = Classify(response ? response->status : 0);
  if (outcome == Outcome::kAccepted) {
    Accepted(*response);
  } else if (outcome == Outcome::kRetry) {
    Retry(response);
  } else if (response->status == 413 && pending_.size() > 1) {
    Shrink();
  } else {
    Rejected(*response);
  }
}

// 413: the collector takes smaller requests. Halve the byte budget of this
// and every later request of the run (bytes are what collectors limit), keep
// the events of the batch that fit it and send them now; the rest is read
// again from the store. Only a single event too large alone is refused.
void OtlpExporter::Shrink() {
  batch_bytes_ = std::max<size_t>(1, pending_bytes_ / 2);
  size_t keep = 0, bytes = 0;
  while (keep < pending_.size() &&
         (keep == 0 || bytes + pending_[keep].second.size() <= batch_bytes_))
    bytes += pending_[keep++].second.size();
  pending_.resize(keep);
  pending_bytes_ = bytes;
  full_ = true;
  body_.clear();
  log::Warn("otlp export: request too large for the collector, batches halved",
            {{"batch_bytes", batch_bytes_}, {"events", pending_.size()}});
}

void OtlpExporter::Accepted(const http::ClientResponse& response) {
  auto partial = otlp::DecodeLogsResponse(options_.encoding, response.body);
  if (!partial) {
    log::Warn("otlp export: unreadable response", {{"error", partial.status().message()}});
  } else if (partial->rejected_log_records > 0 || !partial->error_message.empty()) {
    partial_rejected_ += static_cast<uint64_t>(std::max<int64_t>(0, partial->rejected_log_records));
    log::Warn("otlp export: partial success",
              {{"rejected", partial->rejected_log_records}, {"message", partial->error_message}});
  }
  if (failing_) log::Info("otlp export: collector accepts again", {{"retries", retries_.load()}});
  failing_ = false;
  exported_ += pending_.size();
  ++batches_;
  Advance();
}

void OtlpExporter::Retry(const Result<http::ClientResponse>& response) {
  std::optional<int64_t> retry_after;
  if (response) retry_after = ParseRetryAfterMs(response->Header("Retry-After"), NowMs());
  schedule_.Failed(retry_after);
  ++retries_;
  std::string why =
      response ? "status " + std::to_string(response->status) : response.status().message();
  // The first failure of a run is a warning; its repeats, every 2^n s, are debug.
  log::Write(failing_ ? log::Level::kDebug : log::Level::kWarn, "otlp export: will retry",
             {{"error", why}, {"events", pending_.size()}, {"in_ms", schedule_.WaitMs()}});
  failing_ = true;
}

void OtlpExporter::Rejected(const http::ClientResponse& response) {
  log::Error("otlp export: collector refused a batch, skipped",
             {{"status", response.status},
              {"events", pending_.size()},
              {"first_seq", pending_.front().first},
              {"last_seq", pending_.back().first},
              {"body", Excerpt(response.body)}});
  ++rejected_batches_;
  rejected_events_ += pending_.size();
  failing_ = false;
  Advance();
}

// The batch is done with (acknowledged or skipped): store the position so a
// restart starts after it. A failed write is logged, not fatal: the worst
// case is a re-send after a restart.
void OtlpExporter::Advance() {
  uint64_t last = pending_.back().first;
  if (Status s = SavePosition(options_.position_path, last); !s)
    log::Error("otlp export: position not stored", {{"error", s.message()}});
  position_ = last;  // after the file: totals().position is on disk
  pending_.clear();
  pending_bytes_ = 0;
  full_ = false;
  body_.clear();
  schedule_.Succeeded();
}

Result<http::Url> ResolveLogsUrl(std::string_view text) {
  auto url = http::ParseUrl(text);
  if (!url) return url.status();
  if (url->path == "/") url->path = "/v1/logs";
  return url;
}

Result<otlp::Encoding> ParseProtocol(std::string_view name) {
  if (name == "http/json") return otlp::Encoding::kJson;
  if (name == "http/protobuf") return otlp::Encoding::kProtobuf;
  return Status::Error("unknown protocol '" + std::string(name) +
                       "' (http/json or http/protobuf; grpc is not supported)");
}

Result<std::pair<std::string, std::string>> ParseHeader(std::string_view text) {
  size_t eq = text.find('=');
  std::string bad = "bad header '" + std::string(text) + "' (want Key=Value)";
  if (eq == 0 || eq == std::string_view::npos) return Status::Error(bad);
  std::string key(text.substr(0, eq)), value(text.substr(eq + 1));
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
      return Status::Error(bad + ": the key is not an HTTP token");
  if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos)
    return Status::Error(bad + ": CR, LF or NUL in the value");
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return std::make_pair(key, value);
}

}  // namespace trace::exporter
