// The epoll fan-out loop. Events arrive as ops under mu_; the hub thread
// swaps the op list out, appends each event to the matching clients' queues
// and then flushes every client it touched with one writev.
#include "common/gateway/sse_hub.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/base/shutdown.h"
#include "common/event/event.h"
#include "common/json/json.h"

namespace trace {

struct SseHub::Pending {
  http::StreamFilter filter;
  std::vector<LiveEventPtr> events;
  bool overflowed = false;
};

struct SseHub::Op {
  LiveEventPtr event;  // set: publish; null: attach
  int fd = -1;
  http::StreamFilter filter;
  uint64_t last_seq = 0;
  std::vector<LiveEventPtr> buffered;
};

struct SseHub::Client {
  int fd = -1;
  size_t index = 0;  // position in clients_
  http::StreamFilter filter;
  uint64_t last_seq = 0;
  std::vector<LiveEventPtr> queue;
  size_t head = 0;    // first unsent frame in queue
  size_t offset = 0;  // bytes of queue[head] already sent
  bool want_write = false;
  bool dirty = false;
  bool closed = false;
};

std::string SseFrame(uint64_t seq, std::string_view event_json) {
  std::string frame;
  frame.reserve(event_json.size() + 40);
  frame += "event: trace\nid: ";
  frame += std::to_string(seq);
  frame += "\ndata: ";
  frame += event_json;
  frame += "\n\n";
  return frame;
}

Result<LiveEventPtr> MakeLiveEvent(std::string_view event_json) {
  Result<EventKeys> keys = ParseEventKeys(event_json);
  if (!keys.ok()) return keys.status();
  if (keys->seq == 0) return Status::Error("event has no seq");
  auto e = std::make_shared<LiveEvent>();
  e->seq = keys->seq;
  e->session_id = std::move(keys->session_id);
  e->task_id = std::move(keys->task_id);
  e->tool_name = std::move(keys->tool_name);
  e->event_type = std::move(keys->event_type);
  e->user = std::move(keys->user);
  e->host = std::move(keys->host);
  // Stored JSON is compact (one line); guard anyway: a newline would end the
  // SSE data field early.
  if (event_json.find('\n') != std::string_view::npos) {
    std::string one_line(event_json);
    std::replace(one_line.begin(), one_line.end(), '\n', ' ');
    e->frame = SseFrame(e->seq, one_line);
  } else {
    e->frame = SseFrame(e->seq, event_json);
  }
  return LiveEventPtr(std::move(e));
}

bool FilterMatches(const http::StreamFilter& f, const LiveEvent& e) {
  return (f.session_id.empty() || f.session_id == e.session_id) &&
         (f.task_id.empty() || f.task_id == e.task_id) &&
         (f.tool_name.empty() || f.tool_name == e.tool_name) &&
         (f.event_type.empty() || f.event_type == e.event_type) &&
         (f.user.empty() || f.user == e.user) && (f.host.empty() || f.host == e.host);
}

SseHub::SseHub(Options options) : options_(options) {}

SseHub::~SseHub() { Stop(); }

Status SseHub::Start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Status::Errno("epoll_create1");
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::Errno("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // null marks the wake fd
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) return Status::Errno("epoll_ctl");
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void SseHub::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  epoll_fd_ = wake_fd_ = -1;
}

bool SseHub::Reserve() {
  size_t n = reserved_.load();
  while (n < options_.max_clients) {
    if (reserved_.compare_exchange_weak(n, n + 1)) return true;
  }
  return false;
}

void SseHub::Unreserve() { reserved_.fetch_sub(1); }

void SseHub::Publish(LiveEventPtr event) {
  published_.fetch_add(1, std::memory_order_relaxed);
  bool wake;
  {
    std::lock_guard lock(mu_);
    for (const PendingPtr& p : pendings_) {
      if (!FilterMatches(p->filter, *event)) continue;
      if (p->events.size() < options_.max_pending) {
        p->events.push_back(event);
      } else {
        p->overflowed = true;
      }
    }
    wake = ops_.empty();
    Op op;
    op.event = std::move(event);
    ops_.push_back(std::move(op));
  }
  if (wake) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
}

SseHub::PendingPtr SseHub::StartBuffering(const http::StreamFilter& filter) {
  auto p = std::make_shared<Pending>();
  p->filter = filter;
  std::lock_guard lock(mu_);
  pendings_.push_back(p);
  return p;
}

bool SseHub::Overflowed(const PendingPtr& pending) {
  std::lock_guard lock(mu_);
  return pending->overflowed;
}

void SseHub::CancelBuffering(const PendingPtr& pending) {
  std::lock_guard lock(mu_);
  pendings_.erase(std::remove(pendings_.begin(), pendings_.end(), pending), pendings_.end());
}

void SseHub::Attach(int fd, http::StreamFilter filter, uint64_t last_seq, PendingPtr pending) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (pending) {
      pendings_.erase(std::remove(pendings_.begin(), pendings_.end(), pending), pendings_.end());
    }
    if (stopped_) {
      close(fd);
      reserved_.fetch_sub(1);
      return;
    }
    Op op;
    op.fd = fd;
    op.filter = std::move(filter);
    op.last_seq = last_seq;
    if (pending) op.buffered = std::move(pending->events);
    wake = ops_.empty();
    ops_.push_back(std::move(op));
  }
  if (wake) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
}

SseHub::Stats SseHub::GetStats() const {
  Stats s;
  s.clients = reserved_.load();
  s.published = published_.load();
  s.delivered = delivered_.load();
  s.dropped_slow = dropped_slow_.load();
  s.disconnected = disconnected_.load();
  std::lock_guard lock(mu_);
  s.by_session = by_session_;
  return s;
}

void SseHub::Run() {
  Status st = StatusOfCall([this] { return Loop(); });
  if (st.ok()) return;
  failed_ = true;
  log::Error("sse hub stopped", {{"error", st.message()}});
  try {
    CloseAll();
  } catch (...) {
    // The streams' sockets are closed by the OS at exit, which shutdown brings.
  }
  shutdown::Request();
}

Status SseHub::Loop() {
  int64_t next_heartbeat = NowMs() + options_.heartbeat_ms;
  std::vector<epoll_event> events(256);
  for (;;) {
    int timeout = -1;
    if (options_.heartbeat_ms > 0) {
      timeout = static_cast<int>(std::max<int64_t>(0, next_heartbeat - NowMs()));
    }
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0 && errno != EINTR) return Status::Errno("epoll_wait");
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Client*>(events[i].data.ptr);
      if (c == nullptr) {
        uint64_t v;
        (void)!read(wake_fd_, &v, sizeof v);
        continue;
      }
      if (c->closed) continue;
      if (events[i].events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP | EPOLLIN)) OnReadable(c);
      if (!c->closed && (events[i].events & EPOLLOUT)) Flush(c);
    }
    {
      std::lock_guard lock(mu_);
      if (stopped_) break;
    }
    ProcessOps();
    if (options_.heartbeat_ms > 0 && NowMs() >= next_heartbeat) {
      Heartbeat();
      next_heartbeat = NowMs() + options_.heartbeat_ms;
    }
    // Closed clients are removed only here, after every pointer in this
    // round's epoll events has been looked at.
    for (size_t i = 0; i < clients_.size();) {
      if (clients_[i]->closed) {
        clients_[i] = std::move(clients_.back());
        clients_[i]->index = i;
        clients_.pop_back();
      } else {
        ++i;
      }
    }
  }
  ProcessOps();
  CloseAll();
  return Status::Ok();
}

void SseHub::ProcessOps() {
  std::vector<Op> ops;
  {
    std::lock_guard lock(mu_);
    ops.swap(ops_);
  }
  for (Op& op : ops) {
    if (op.event) {
      Deliver(op.event);
    } else {
      AddClient(op);
    }
  }
  for (Client* c : dirty_) {
    c->dirty = false;
    if (!c->closed) Flush(c);
  }
  dirty_.clear();
}

void SseHub::AddClient(Op& op) {
  auto c = std::make_unique<Client>();
  c->fd = op.fd;
  c->filter = std::move(op.filter);
  c->last_seq = op.last_seq;
  c->index = clients_.size();
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = c.get();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
    close(c->fd);
    reserved_.fetch_sub(1);
    return;
  }
  {
    std::lock_guard lock(mu_);
    by_session_[c->filter.session_id]++;
  }
  Client* raw = c.get();
  clients_.push_back(std::move(c));
  for (const LiveEventPtr& e : op.buffered) {
    if (raw->closed) break;
    if (e->seq <= raw->last_seq) continue;  // already replayed from the store
    raw->last_seq = e->seq;
    Enqueue(raw, e);
  }
}

void SseHub::Deliver(const LiveEventPtr& e) {
  for (auto& c : clients_) {
    if (c->closed || e->seq <= c->last_seq || !FilterMatches(c->filter, *e)) continue;
    c->last_seq = e->seq;
    Enqueue(c.get(), e);
  }
}

bool SseHub::Enqueue(Client* c, const LiveEventPtr& e) {
  if (c->queue.size() - c->head >= options_.max_queue) {
    // A burst may fill the queue before this round's flush: let the socket
    // take what it can first; only a client that still cannot is slow.
    Flush(c);
    if (c->closed) return false;
    if (c->queue.size() - c->head >= options_.max_queue) {
      CloseClient(c, /*slow=*/true);
      return false;
    }
  }
  c->queue.push_back(e);
  if (!c->dirty) {
    c->dirty = true;
    dirty_.push_back(c);
  }
  return true;
}

void SseHub::Flush(Client* c) {
  while (c->head < c->queue.size()) {
    iovec iov[64];
    int n = 0;
    for (size_t i = c->head; i < c->queue.size() && n < 64; ++i, ++n) {
      const std::string& f = c->queue[i]->frame;
      size_t skip = i == c->head ? c->offset : 0;
      iov[n].iov_base = const_cast<char*>(f.data() + skip);
      iov[n].iov_len = f.size() - skip;
    }
    ssize_t w = writev(c->fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return SetWantWrite(c, true);
      return CloseClient(c, false);
    }
    size_t left = static_cast<size_t>(w);
    while (left > 0) {
      size_t rest = c->queue[c->head]->frame.size() - c->offset;
      if (left < rest) {
        c->offset += left;
        break;
      }
      left -= rest;
      c->offset = 0;
      if (c->queue[c->head]->seq != 0) delivered_.fetch_add(1, std::memory_order_relaxed);
      c->queue[c->head++].reset();
    }
  }
  c->queue.clear();
  c->head = 0;
  if (c->queue.capacity() > 64) c->queue.shrink_to_fit();
  SetWantWrite(c, false);
}

void SseHub::SetWantWrite(Client* c, bool want) {
  if (c->want_write == want) return;
  c->want_write = want;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (want ? uint32_t{EPOLLOUT} : 0u);
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &ev);
}

void SseHub::OnReadable(Client* c) {
  // Clients have nothing to say on an event stream: drain and discard, and
  // notice the close (read 0) or reset right away.
  char buf[512];
  for (;;) {
    ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r > 0) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (r < 0 && errno == EINTR) continue;
    return CloseClient(c, false);
  }
}

void SseHub::CloseClient(Client* c, bool slow) {
  if (c->closed) return;
  c->closed = true;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  close(c->fd);
  c->queue.clear();
  c->queue.shrink_to_fit();
  reserved_.fetch_sub(1);
  (slow ? dropped_slow_ : disconnected_).fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  auto it = by_session_.find(c->filter.session_id);
  if (it != by_session_.end() && --it->second == 0) by_session_.erase(it);
}

void SseHub::Heartbeat() {
  auto hb = std::make_shared<LiveEvent>();
  hb->frame = "event: heartbeat\ndata: {\"ts\":" + std::to_string(NowMs()) + "}\n\n";
  LiveEventPtr shared = std::move(hb);
  for (auto& c : clients_) {
    if (!c->closed) Enqueue(c.get(), shared);
  }
  for (Client* c : dirty_) {
    c->dirty = false;
    if (!c->closed) Flush(c);
  }
  dirty_.clear();
}

void SseHub::CloseAll() {
  for (auto& c : clients_) {
    if (c->closed) continue;
    Flush(c.get());
    if (c->closed) continue;
    ::shutdown(c->fd, SHUT_WR);
    CloseClient(c.get(), false);
  }
  clients_.clear();
}

}  // namespace trace
