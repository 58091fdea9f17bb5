// See index_loop.h.
#include "common/index/index_loop.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <vector>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/base/shutdown.h"
#include "common/index/catchup.h"
#include "common/json/json.h"
#include "common/progress/reporter.h"

namespace trace {

namespace {

constexpr size_t kReadChunk = 1 << 20;
// A pipe is often empty for a moment under bulk load (the producer is not
// scheduled yet); committing then makes tiny batches, each with its fsyncs.
// Only a pause this long ends a batch early (--batch-ms still bounds a
// steady trickle).
constexpr int kIdleGapMs = 5;
// How often a subscriber with pending lines checks their age.
constexpr long kPendingPollMs = 5;

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

// Adds the complete lines of buf[*start, end) to the indexer; *start moves
// to the unfinished tail.
void TakeLines(const std::vector<char>& buf, size_t* start, size_t end, Indexer& indexer,
               int64_t now_ms) {
  std::string_view text(buf.data() + *start, end - *start);
  size_t at = 0;
  for (size_t nl; (nl = text.find('\n', at)) != std::string_view::npos; at = nl + 1) {
    std::string_view line = text.substr(at, nl - at);
    if (!Blank(line)) indexer.Add(line, true, now_ms);
  }
  *start += at;
}

Status FlushAndSync(Indexer& indexer,
                    const std::map<std::string, PublisherPosition>& positions = {}) {
  if (Status st = indexer.Flush(positions); !st) return st;
  return indexer.Sync();
}

}  // namespace

Status RunStdinLoop(int fd, Indexer& indexer) {
  // buf[start, end): read, not yet added (an unfinished line). Reads go
  // straight to the free space after it.
  std::vector<char> buf(2 * kReadChunk);
  size_t start = 0, end = 0;
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {shutdown::Fd(), POLLIN, 0}};
    int timeout = indexer.pending() ? kIdleGapMs : -1;
    int n = ::poll(fds, 2, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Errno("poll stdin");
    if (shutdown::Requested()) return FlushAndSync(indexer);
    if (n == 0) {  // input paused: commit what we have
      if (Status st = indexer.Flush({}); !st) return st;
      continue;
    }
    if (buf.size() - end < kReadChunk) {  // make room: move the tail to the front, or grow
      std::copy(buf.begin() + static_cast<ptrdiff_t>(start),
                buf.begin() + static_cast<ptrdiff_t>(end), buf.begin());
      end -= start;
      start = 0;
      if (buf.size() - end < kReadChunk) buf.resize(end + 2 * kReadChunk);
    }
    ssize_t got = ::read(fd, buf.data() + end, kReadChunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::Errno("read stdin");
    if (got == 0) {
      std::string_view last(buf.data() + start, end - start);
      if (!Blank(last)) indexer.Add(last, true, NowMs());
      return FlushAndSync(indexer);
    }
    end += static_cast<size_t>(got);
    int64_t now = NowMs();
    TakeLines(buf, &start, end, indexer, now);
    if (indexer.Due(now)) {
      if (Status st = indexer.Flush({}); !st) return st;
    }
  }
}

namespace {

// The subscribe loop's state, one object so each step is a small method.
class SubscribeLoop {
 public:
  SubscribeLoop(wire::Context& ctx, const SubscribeOptions& o, Indexer& indexer)
      : o_(o),
        indexer_(indexer),
        sub_(ctx),
        listen_sub_(ctx),
        catchup_on_(!o.control_endpoints.empty() || !o.listen_control.empty()),
        catchup_(ctx, o.control_endpoints, CatchUpOptions(o),
                 [this] { return CommitForRewind(); }) {}

  Status Run() {
    for (const auto& ep : o_.sub_endpoints) {
      if (Status st = sub_.Connect(ep); !st) return st;
    }
    sub_.SubscribeTo("");
    if (Status st = Listen(); !st) return st;
    if (Status st = catchup_.Connect(); !st) return st;
    while (!shutdown::Requested()) {
      if (Status st = Turn(); !st) return st;
    }
    return FlushAndSync(indexer_, catchup_.Positions());
  }

 private:
  static CatchUp::Options CatchUpOptions(const SubscribeOptions& o) {
    CatchUp::Options c;
    c.silence_ms = o.silence_ms;
    c.reply_timeout_ms = 3000;
    c.credit_window = o.credit_window;
    c.index_id = o.index_id;
    return c;
  }

  // Once a second: the tails' backlog and what was stored, to the log (while
  // behind) and to progress.json for the gateway and trace-query. A tail's
  // first report is taken at once, so a short backfill shows too.
  void ReportProgress(int64_t now) {
    progress::Progress p;
    wire::Backlog b = catchup_.TailBacklog(now, &p.tails);
    if (p.tails == progress_.current().tails && now - last_progress_ms_ < 1000) return;
    last_progress_ms_ = now;
    p.files = b.files;
    p.files_behind = b.files_behind;
    p.bytes_total = b.bytes_total;
    p.bytes_left = b.bytes_left;
    p.events = indexer_.totals().stored;
    progress_.Update(now, p);
    if (progress_.LogDue(now)) progress_.Log();
    if (o_.progress_dir.empty()) return;
    if (Status st = progress::Write(o_.progress_dir, progress_.current()); !st && !warned_) {
      log::Warn("progress file", {{"error", st.message()}});
      warned_ = true;
    }
  }

  // Remote tails' sockets: a SUB of its own (CURVE is per socket, and the
  // dialed SUB talks plain to local tails) and the control ROUTER.
  Status Listen() {
    const std::string& key = o_.curve_secret_key;
    if (!o_.listen_events.empty()) {
      if (Status st = listen_sub_.UseHeartbeats(wire::kRemoteHeartbeatMs); !st) return st;
      if (!key.empty()) {
        if (Status st = listen_sub_.UseCurveServer(key); !st) return st.Wrap("listen events");
      }
      if (Status st = listen_sub_.Bind(o_.listen_events); !st) return st.Wrap("listen events");
      listen_sub_.SubscribeTo("");
    }
    if (!o_.listen_control.empty()) return catchup_.Listen(o_.listen_control, key);
    return Status::Ok();
  }

  Result<std::map<std::string, SourceOffset>> CommitForRewind() {
    if (Status st = FlushAndSync(indexer_, catchup_.Positions()); !st) return st;
    return indexer_.sources();
  }

  Status Turn() {
    int64_t now = NowMs();
    if (catchup_on_) {
      if (Status st = catchup_.Tick(now); !st) return st;
    }
    if (Status st = Wait(); !st) return st;
    bool drained = Drain();
    now = NowMs();
    if (indexer_.ShouldFlush(now, drained)) {
      if (Status st = indexer_.Flush(catchup_.Positions()); !st) return st;
    }
    // Holes are taken only when a rewind may go out: ones seen during the
    // pause stay counted (a burst of them may be the last input for a while).
    if (now - last_hole_rewind_ms_ >= o_.hole_rewind_interval_ms && indexer_.TakeHoles()) {
      last_hole_rewind_ms_ = now;
      catchup_.RequestRewindAll();
    }
    ReportProgress(now);
    return catchup_.HandleReplies(now);
  }

  Status Wait() {
    wire::Poller poller;
    poller.Add(sub_);
    poller.Add(listen_sub_);
    for (wire::Socket* s : catchup_.sockets()) poller.Add(*s);
    poller.AddFd(shutdown::Fd());
    size_t wake = poller.AddFd(indexer_.wake_fd());
    // Pending lines wait for the commit thread (wake_fd) or their age limit.
    int timeout = indexer_.pending() ? kPendingPollMs : 100;
    if (Status st = poller.Wait(timeout); !st) return st;
    if (poller.Ready(wake)) indexer_.ClearWake();
    return Status::Ok();
  }

  // Receives what is waiting on both SUBs, up to a batch; true when both
  // queues ran dry.
  bool Drain() { return Drain(sub_) & Drain(listen_sub_); }

  bool Drain(wire::Subscriber& sub) {
    while (!indexer_.Full()) {
      wire::Message msg;
      auto got = sub.Receive(&msg, 0);
      if (!got) {
        log::Warn("dropped malformed message", {{"error", got.status().message()}});
        continue;
      }
      if (!*got) return true;
      bool trust = !catchup_on_ || catchup_.Observe(msg.header);
      indexer_.Add(msg.body, trust, NowMs());
    }
    return false;
  }

  const SubscribeOptions& o_;
  Indexer& indexer_;
  wire::Subscriber sub_;
  wire::Subscriber listen_sub_;  // bound only with listen_events
  const bool catchup_on_;
  CatchUp catchup_;
  int64_t last_hole_rewind_ms_ = 0;
  progress::ProgressReporter progress_;
  int64_t last_progress_ms_ = 0;
  bool warned_ = false;
};

}  // namespace

Status RunSubscribeLoop(wire::Context& ctx, const SubscribeOptions& options, Indexer& indexer) {
  SubscribeLoop loop(ctx, options, indexer);
  return loop.Run();
}

}  // namespace trace
