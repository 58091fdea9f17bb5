// SSE stream start-up: head, replay, hand-over to the hub.
#include "common/gateway/sse_stream.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include "common/base/log.h"

namespace trace {

namespace {
constexpr size_t kReplayPage = 500;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data.remove_prefix(static_cast<size_t>(w));
  }
  return true;
}

SseStreamer::SseStreamer(SseHub* hub, Replay replay, Options options)
    : hub_(hub), replay_(std::move(replay)), options_(options) {}

bool SseStreamer::Reserve() { return hub_->Reserve(); }

void SseStreamer::Unreserve() { hub_->Unreserve(); }

void SseStreamer::Run(int fd, const http::StreamStart& start, const http::Params& headers) {
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{options_.write_timeout_ms / 1000, (options_.write_timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // Events are small and must go out now: without TCP_NODELAY, Nagle holds a
  // frame back until the previous one is acknowledged (delayed ACK: ~40 ms).
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (options_.send_buffer > 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &options_.send_buffer, sizeof options_.send_buffer);
  }

  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
      "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  head += "\r\nretry: " + std::to_string(options_.retry_ms) + "\n\n";
  uint64_t last = start.last_event_id;
  SseHub::PendingPtr pending;
  bool ok = WriteAll(fd, head);
  while (ok) {
    if (start.last_event_id == 0 || !replay_) break;  // live only
    pending = hub_->StartBuffering(start.filter);
    ok = ReplayFrom(fd, start.filter, &last);
    if (!ok || !hub_->Overflowed(pending)) break;
    // Live events came faster than the replay: the store has them all, so
    // drop the buffer and replay again from where we are.
    hub_->CancelBuffering(pending);
    pending.reset();
  }
  if (!ok) {
    if (pending) hub_->CancelBuffering(pending);
    close(fd);
    hub_->Unreserve();
    return;
  }
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  hub_->Attach(fd, start.filter, last, std::move(pending));
}

bool SseStreamer::ReplayFrom(int fd, const http::StreamFilter& filter, uint64_t* last) {
  for (;;) {
    Result<std::vector<std::string>> page = replay_(*last, filter, kReplayPage);
    if (!page.ok()) {
      log::Warn("sse replay failed", {{"error", page.status().message()}});
      return false;
    }
    std::string out;
    for (const std::string& json : *page) {
      Result<LiveEventPtr> e = MakeLiveEvent(json);
      if (!e.ok() || (*e)->seq <= *last) continue;
      out += (*e)->frame;
      *last = (*e)->seq;
      replayed_++;
    }
    if (!out.empty() && !WriteAll(fd, out)) return false;
    if (page->size() < kReplayPage) return true;
  }
}

}  // namespace trace
