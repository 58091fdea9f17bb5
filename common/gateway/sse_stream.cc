// SSE stream start-up: head, replay, hand-over to the hub.
#include "common/gateway/sse_stream.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/base/log.h"
#include "common/base/shutdown.h"

namespace trace {

namespace {
// Replay pages: at most kMaxPage events, fewer when events are large, so that
// a page holds about kPageBytes whatever the event sizes (issue 13: a page of
// 500 events of 1 MB held 2 GB for one resuming client).
constexpr size_t kMaxPage = 500;
constexpr size_t kFirstPage = 8;  // event sizes are not known yet
constexpr size_t kPageBytes = 512 << 10;
constexpr size_t kWriteBytes = 64 << 10;

// The next page's event count from the last page's average event size.
size_t NextPageSize(size_t events, size_t bytes) {
  if (events == 0 || bytes == 0) return kMaxPage;
  size_t avg = std::max<size_t>(1, bytes / events);
  return std::clamp<size_t>(kPageBytes / avg, 1, kMaxPage);
}
}  // namespace

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data.remove_prefix(static_cast<size_t>(w));
  }
  return true;
}

SseStreamer::SseStreamer(SseHub* hub, Replay replay, LastSeq last_seq, Options options)
    : hub_(hub), replay_(std::move(replay)), last_seq_(std::move(last_seq)), options_(options) {}

bool SseStreamer::Reserve() { return hub_->Reserve(); }

void SseStreamer::Unreserve() { hub_->Unreserve(); }

void SseStreamer::Run(int fd, const http::StreamStart& start, const http::Params& headers) {
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{options_.write_timeout_ms / 1000,
             static_cast<suseconds_t>(options_.write_timeout_ms % 1000) * 1000};
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
  for (const auto& [k, v] : headers) head.append(k).append(": ").append(v).append("\r\n");
  head += "\r\nretry: " + std::to_string(options_.retry_ms) + "\n\n";
  uint64_t last = start.last_event_id;
  SseHub::PendingPtr pending;
  bool ok = WriteAll(fd, head);
  while (ok) {
    if (start.last_event_id == 0 || !replay_) break;  // live only
    pending = hub_->StartBuffering(start.filter);
    // Buffering started first: live events committed after the store's last
    // seq is read are in pending, so the reset is followed with no gap.
    if (ResetIfAhead(fd, start.last_event_id, &last, &ok)) break;
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

bool SseStreamer::ResetIfAhead(int fd, uint64_t after, uint64_t* last, bool* ok) {
  if (!last_seq_ || after != *last) return false;  // only before the first replayed event
  Result<uint64_t> top = last_seq_();
  if (!top.ok() || after <= *top) return false;
  *last = *top;
  resets_++;
  std::string id = std::to_string(*top);
  *ok = WriteAll(fd, "event: reset\nid: " + id + "\ndata: {\"last_seq\":" + id +
                         ",\"last_event_id\":" + std::to_string(after) + "}\n\n");
  return true;
}

bool SseStreamer::ReplayFrom(int fd, const http::StreamFilter& filter, uint64_t* last) {
  size_t page_size = kFirstPage;
  for (;;) {
    if (shutdown::Requested()) return false;
    Result<std::vector<std::string>> page = replay_(*last, filter, page_size);
    if (!page.ok()) {
      log::Warn("sse replay failed", {{"error", page.status().message()}});
      return false;
    }
    // Frames go out in writes of about kWriteBytes; each stored event is
    // freed once framed, so a page is held about once.
    size_t bytes = 0;
    std::string out;
    for (std::string& json : *page) {
      bytes += json.size();
      Result<LiveEventPtr> e = MakeLiveEvent(json);
      std::string().swap(json);
      if (!e.ok() || (*e)->seq <= *last) continue;
      out += (*e)->frame;
      *last = (*e)->seq;
      replayed_++;
      if (out.size() >= kWriteBytes) {
        if (!WriteAll(fd, out)) return false;
        out.clear();
      }
    }
    if (!out.empty() && !WriteAll(fd, out)) return false;
    if (page->size() < page_size) return true;
    page_size = NextPageSize(page->size(), bytes);
  }
}

}  // namespace trace
