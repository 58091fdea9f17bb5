// The epoll loop (edge-triggered; one registration per connection for its
// whole life), the worker pool and the hand-over between them: jobs go to
// workers under jobs_mu_, replies come back under done_mu_ with an eventfd
// wake-up. A connection is touched only by the loop thread, except that while
// it is "working" its worker may use the descriptor (never the Conn).
#include "common/http/connection_loop.h"

#include <Poco/Exception.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/base/clock.h"
#include "common/base/log.h"

namespace trace::http {

namespace {

constexpr int kSweepMs = 100;         // timeouts are checked this often
constexpr int kLingerMs = 2000;       // reading what a closed request still sends
constexpr int kStopGraceMs = 5000;    // Stop waits this long for requests in flight
constexpr size_t kReadChunk = 65536;  // one recv

enum class Phase { kReading, kWorking, kWriting, kLingering, kClosed };
enum class Timer { kIdle, kHeader, kBody, kWrite, kLinger };

// Sends what fits now, without blocking; the rest is dropped (short replies
// on a connection about to close: 100 Continue, 408, parse errors).
void SendNow(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string PeerAddress(const sockaddr_storage& ss) {
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&ss), sizeof ss, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST) != 0) {
    return "?";
  }
  return host;
}

}  // namespace

struct Conn {
  explicit Conn(const ParseLimits& limits) : parser(limits) {}
  int fd = -1;
  size_t index = 0;  // in Impl::conns_
  std::string remote;
  RequestParser parser;
  Phase phase = Phase::kReading;
  Timer timer = Timer::kIdle;
  int64_t deadline_ms = 0;
  std::string pending;  // bytes after the request in work (pipelined)
  Reply out;
  size_t out_offset = 0;  // bytes of head + body written
};

struct Job {
  Conn* conn;
  int fd;
  RawRequest request;
  Reply::More more;          // set: produce the next part of a body instead
  bool close_after = false;  // with more: the response's close flag
};

struct Done {
  Conn* conn;
  Reply reply;
};

class ConnectionLoop::Impl {
 public:
  Impl(LoopOptions options, Handler handler, ErrorReply error_reply)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        error_reply_(std::move(error_reply)) {}
  ~Impl() { CloseFds(); }

  Status Listen(uint16_t* port);
  void StartThreads();
  void Stop();
  LoopStats stats() const;

 private:
  void Run();
  void RunWorker();
  void AcceptAll();
  void Accept(int fd, const sockaddr_storage& peer);
  void OnEvent(Conn* c, uint32_t events);
  void ReadAll(Conn* c);
  // Feeds data to c's parser; false once c stopped reading (request complete or error).
  bool Consume(Conn* c, std::string_view data);
  void OnEof(Conn* c);
  void Dispatch(Conn* c);
  void RefuseNow(Conn* c, int status, std::string_view message);
  void TakeReplies();
  void StartWrite(Conn* c, Reply reply);
  void Write(Conn* c);
  void FinishResponse(Conn* c);
  void ProduceMore(Conn* c);
  void Linger(Conn* c);
  void SetTimer(Conn* c, Timer t, int ms);
  void Sweep(int64_t now);
  void Close(Conn* c);
  void Forget(Conn* c);
  void Reap();
  void CloseFds();

  const LoopOptions options_;
  const Handler handler_;
  const ErrorReply error_reply_;
  Poco::Net::ServerSocket listener_;  // listen_fd_ is its descriptor
  int listen_fd_ = -1, epoll_fd_ = -1, wake_fd_ = -1, spare_fd_ = -1;
  std::thread loop_thread_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_{false};

  std::mutex jobs_mu_;  // guards jobs_, workers_stop_
  std::condition_variable jobs_cv_;
  std::deque<Job> jobs_;
  bool workers_stop_ = false;

  std::mutex done_mu_;  // guards done_
  std::vector<Done> done_;

  // Loop thread only.
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> closed_;
  size_t working_ = 0;
  std::vector<char> read_buf_ = std::vector<char>(kReadChunk);

  std::atomic<uint64_t> open_{0}, accepted_{0}, refused_{0}, timed_out_{0}, bad_requests_{0};
};

// Poco Net resolves the address and owns the listening socket; accepts and
// every connection's I/O are this loop's own, on epoll (Poco's HTTPServer
// would hold a thread per connection, which is what this loop replaces).
Status ConnectionLoop::Impl::Listen(uint16_t* port) {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  try {
    Poco::Net::SocketAddress address(options_.host.empty() ? "0.0.0.0" : options_.host,
                                     options_.port);
    listener_.bind(address, /*reuseAddress=*/true);
    listener_.listen(4096);
    listener_.setBlocking(false);
    *port = listener_.address().port();
  } catch (const Poco::Exception& e) {
    return Status::Error("listen on " + where + ": " + e.displayText());
  }
  listen_fd_ = listener_.impl()->sockfd();
  if (fcntl(listen_fd_, F_SETFD, FD_CLOEXEC) != 0) return Status::Errno("fcntl");
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Status::Errno("epoll_create1");
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::Errno("eventfd");
  // The listen socket and the wake fd are level-triggered; their data.ptr is
  // the loop or null, which no Conn can be.
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = this;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0) return Status::Errno("epoll_ctl");
  ev.data.ptr = nullptr;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) return Status::Errno("epoll_ctl");
  // Kept for EMFILE: closed to accept and drop one connection, then reopened.
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return Status::Ok();
}

void ConnectionLoop::Impl::StartThreads() {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { RunWorker(); });
  }
  loop_thread_ = std::thread([this] { Run(); });
}

void ConnectionLoop::Impl::Stop() {
  if (!loop_thread_.joinable()) return;
  stopping_ = true;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  loop_thread_.join();
  {
    std::lock_guard lock(jobs_mu_);
    workers_stop_ = true;
    jobs_.clear();
  }
  jobs_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  for (auto& c : conns_) {
    if (c->phase != Phase::kClosed) close(c->fd);
  }
  conns_.clear();
  open_ = 0;
}

LoopStats ConnectionLoop::Impl::stats() const {
  return {open_.load(), accepted_.load(), refused_.load(), timed_out_.load(), bad_requests_.load()};
}

void ConnectionLoop::Impl::CloseFds() {
  if (listen_fd_ >= 0) listener_.close();
  listen_fd_ = -1;
  for (int* fd : {&epoll_fd_, &wake_fd_, &spare_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

void ConnectionLoop::Impl::Run() {
  std::vector<epoll_event> events(512);
  int64_t stop_deadline = 0;
  int64_t next_sweep = NowMs() + kSweepMs;
  for (;;) {
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), kSweepMs);
    if (n < 0 && errno != EINTR) {
      log::Error("http loop stopped", {{"error", Status::Errno("epoll_wait").message()}});
      break;
    }
    for (int i = 0; i < n; ++i) {
      void* p = events[i].data.ptr;
      if (p == this) {
        AcceptAll();
      } else if (p == nullptr) {
        uint64_t v;
        (void)!read(wake_fd_, &v, sizeof v);
      } else {
        OnEvent(static_cast<Conn*>(p), events[i].events);
      }
    }
    TakeReplies();
    int64_t now = NowMs();
    if (now >= next_sweep) {
      Sweep(now);
      next_sweep = now + kSweepMs;
    }
    Reap();
    if (stopping_) {
      if (stop_deadline == 0) {
        stop_deadline = now + kStopGraceMs;
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        listener_.close();
        listen_fd_ = -1;
      }
      bool busy = working_ > 0 || std::any_of(conns_.begin(), conns_.end(), [](const auto& c) {
                    return c->phase == Phase::kWriting;
                  });
      if (!busy || now >= stop_deadline) break;
    }
  }
  // Workers may still hold connections in work: Stop joins them before the
  // descriptors are closed.
}

void ConnectionLoop::Impl::RunWorker() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(jobs_mu_);
      jobs_cv_.wait(lock, [this] { return workers_stop_ || !jobs_.empty(); });
      if (workers_stop_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Reply reply;
    try {
      if (job.more) {
        bool fail = false;
        reply.close = job.close_after;
        if (job.more(&reply.body, &fail)) reply.more = std::move(job.more);
        if (fail) reply = Reply{"", "", nullptr, true, false};  // cut short: close
      } else {
        reply = handler_(job.request, job.conn->remote, job.fd);
      }
    } catch (const std::exception& e) {
      // The handler turns its own exceptions into 500s; this is the last guard.
      log::Error("http handler threw", {{"error", e.what()}});
      reply = Reply{"", "", nullptr, true, false};
    }
    bool wake;
    {
      std::lock_guard lock(done_mu_);
      wake = done_.empty();
      done_.push_back({job.conn, std::move(reply)});
    }
    if (wake) {
      uint64_t one = 1;
      (void)!write(wake_fd_, &one, sizeof one);
    }
  }
}

void ConnectionLoop::Impl::AcceptAll() {
  for (int i = 0; i < 256 && listen_fd_ >= 0; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    int fd =
        accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      Accept(fd, peer);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if ((errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
      // Out of descriptors: the listen socket would stay readable and spin
      // the loop. Take the connection with the spare descriptor and drop it.
      close(spare_fd_);
      refused_++;
      int drop = accept(listen_fd_, nullptr, nullptr);
      if (drop >= 0) close(drop);
      spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
      continue;
    }
    return;  // EAGAIN, or an error that the next readiness retries
  }
}

void ConnectionLoop::Impl::Accept(int fd, const sockaddr_storage& peer) {
  if (conns_.size() >= options_.max_connections || stopping_) {
    refused_++;  // before the close: a client that saw it can read the count
    close(fd);
    return;
  }
  // A response's tail must not wait for a delayed ACK.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto c = std::make_unique<Conn>(options_.limits);
  c->fd = fd;
  c->remote = PeerAddress(peer);
  c->index = conns_.size();
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = c.get();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    close(fd);
    return;
  }
  SetTimer(c.get(), Timer::kIdle, options_.idle_timeout_ms);
  conns_.push_back(std::move(c));
  accepted_++;
  open_++;
}

void ConnectionLoop::Impl::OnEvent(Conn* c, uint32_t events) {
  switch (c->phase) {
    case Phase::kReading:
      if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ReadAll(c);
      break;
    case Phase::kWriting:
      if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) Write(c);
      break;
    case Phase::kLingering:
      Linger(c);
      break;
    case Phase::kWorking:  // read after the reply (edge-triggered: ReadAll then)
    case Phase::kClosed:
      break;
  }
}

void ConnectionLoop::Impl::ReadAll(Conn* c) {
  while (c->phase == Phase::kReading) {
    ssize_t n = recv(c->fd, read_buf_.data(), read_buf_.size(), 0);
    if (n > 0) {
      if (!Consume(c, std::string_view(read_buf_.data(), static_cast<size_t>(n)))) return;
      continue;
    }
    if (n == 0) return OnEof(c);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) Close(c);
    return;
  }
}

bool ConnectionLoop::Impl::Consume(Conn* c, std::string_view data) {
  RequestParser& p = c->parser;
  while (!data.empty()) {
    data.remove_prefix(p.Feed(data));
    if (c->timer == Timer::kIdle && p.started()) {
      SetTimer(c, Timer::kHeader, options_.header_timeout_ms);
    }
    switch (p.state()) {
      case RequestParser::State::kNeedMore:
        break;
      case RequestParser::State::kHeadDone:
        SetTimer(c, Timer::kBody, options_.body_timeout_ms);
        if (p.request().expect_continue) SendNow(c->fd, "HTTP/1.1 100 Continue\r\n\r\n");
        break;
      case RequestParser::State::kError:
        bad_requests_++;
        RefuseNow(c, p.error_status(), p.error());
        return false;
      case RequestParser::State::kDone:
        c->pending.assign(data);
        Dispatch(c);
        return false;
    }
  }
  return true;
}

void ConnectionLoop::Impl::OnEof(Conn* c) {
  // Half a request and then the end: never a request. Say so (the client may
  // have only shut down its sending side), then close.
  if (c->parser.started()) {
    bad_requests_++;
    Reply r = error_reply_(400, "connection closed before the request was complete");
    SendNow(c->fd, r.head + r.body);
  }
  Close(c);
}

void ConnectionLoop::Impl::Dispatch(Conn* c) {
  c->phase = Phase::kWorking;
  bool full;
  {
    std::lock_guard lock(jobs_mu_);
    full = jobs_.size() >= options_.max_queued;
    if (!full) jobs_.push_back({c, c->fd, std::move(c->parser.request()), nullptr, false});
  }
  if (full) {
    StartWrite(c, error_reply_(503, "server busy: too many requests waiting"));
    return;
  }
  ++working_;
  jobs_cv_.notify_one();
}

void ConnectionLoop::Impl::RefuseNow(Conn* c, int status, std::string_view message) {
  Reply r = error_reply_(status, message);
  r.close = true;
  StartWrite(c, std::move(r));
}

void ConnectionLoop::Impl::TakeReplies() {
  std::vector<Done> done;
  {
    std::lock_guard lock(done_mu_);
    done.swap(done_);
  }
  for (Done& d : done) {
    --working_;
    if (d.reply.detached) {
      Forget(d.conn);
    } else {
      StartWrite(d.conn, std::move(d.reply));
    }
  }
}

void ConnectionLoop::Impl::StartWrite(Conn* c, Reply reply) {
  c->phase = Phase::kWriting;
  c->out = std::move(reply);
  c->out_offset = 0;
  SetTimer(c, Timer::kWrite, options_.write_timeout_ms);
  Write(c);
}

void ConnectionLoop::Impl::Write(Conn* c) {
  const std::string& head = c->out.head;
  const std::string& body = c->out.body;
  size_t total = head.size() + body.size();
  while (c->out_offset < total) {
    iovec iov[2];
    int n = 0;
    size_t off = c->out_offset;
    if (off < head.size()) {
      iov[n++] = {const_cast<char*>(head.data() + off), head.size() - off};
      off = 0;
    } else {
      off -= head.size();
    }
    if (off < body.size()) iov[n++] = {const_cast<char*>(body.data() + off), body.size() - off};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // EPOLLOUT resumes
    if (w <= 0) return Close(c);
    c->out_offset += static_cast<size_t>(w);
    SetTimer(c, Timer::kWrite, options_.write_timeout_ms);  // progress
  }
  FinishResponse(c);
}

void ConnectionLoop::Impl::FinishResponse(Conn* c) {
  if (c->out.more) return ProduceMore(c);
  bool close_after = c->out.close || stopping_;
  c->out = Reply();
  c->out_offset = 0;
  if (close_after) {
    // Shut down our side and read what the client still sends, so unread
    // input (a refused body) does not turn the close into a reset that
    // destroys the response before the client has read it.
    shutdown(c->fd, SHUT_WR);
    c->phase = Phase::kLingering;
    SetTimer(c, Timer::kLinger, kLingerMs);
    Linger(c);
    return;
  }
  c->parser.Reset();
  c->phase = Phase::kReading;
  SetTimer(c, Timer::kIdle, options_.idle_timeout_ms);
  std::string pending = std::move(c->pending);
  c->pending.clear();
  if (!pending.empty() && !Consume(c, pending)) return;
  ReadAll(c);  // edge-triggered: what arrived while working is still unread
}

void ConnectionLoop::Impl::ProduceMore(Conn* c) {
  // Like a request: the worker makes the next part, the loop writes it.
  c->phase = Phase::kWorking;
  {
    std::lock_guard lock(jobs_mu_);
    jobs_.push_back({c, c->fd, RawRequest(), std::move(c->out.more), c->out.close});
  }
  c->out = Reply();
  c->out_offset = 0;
  ++working_;
  jobs_cv_.notify_one();
}

void ConnectionLoop::Impl::Linger(Conn* c) {
  for (;;) {
    ssize_t n = recv(c->fd, read_buf_.data(), read_buf_.size(), 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    return Close(c);
  }
}

void ConnectionLoop::Impl::SetTimer(Conn* c, Timer t, int ms) {
  c->timer = t;
  c->deadline_ms = NowMs() + ms;
}

void ConnectionLoop::Impl::Sweep(int64_t now) {
  for (auto& owned : conns_) {
    Conn* c = owned.get();
    if (c->phase == Phase::kWorking || c->phase == Phase::kClosed || now < c->deadline_ms) {
      continue;
    }
    if (c->timer == Timer::kHeader || c->timer == Timer::kBody) {
      timed_out_++;
      Reply r = error_reply_(408, c->timer == Timer::kHeader ? "request head not received in time"
                                                             : "request body not received in time");
      SendNow(c->fd, r.head + r.body);
    } else if (c->timer == Timer::kWrite) {
      timed_out_++;
    }
    Close(c);
  }
}

void ConnectionLoop::Impl::Close(Conn* c) {
  if (c->phase == Phase::kClosed) return;
  // Deregister before close: a dup held elsewhere would keep the registration.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  close(c->fd);
  c->phase = Phase::kClosed;
  closed_.push_back(c);
  open_--;
}

void ConnectionLoop::Impl::Forget(Conn* c) {
  // The handler owns a dup of the socket: closing ours does not end the
  // connection (no shutdown here).
  Close(c);
}

void ConnectionLoop::Impl::Reap() {
  for (Conn* c : closed_) {
    size_t i = c->index;
    conns_[i] = std::move(conns_.back());
    conns_[i]->index = i;
    conns_.pop_back();
  }
  closed_.clear();
}

ConnectionLoop::ConnectionLoop(LoopOptions options, Handler handler, ErrorReply error_reply)
    : impl_(
          std::make_unique<Impl>(std::move(options), std::move(handler), std::move(error_reply))) {}

ConnectionLoop::~ConnectionLoop() { Stop(); }

Status ConnectionLoop::Start() {
  Status st = impl_->Listen(&port_);
  if (!st.ok()) return st;
  impl_->StartThreads();
  return Status::Ok();
}

void ConnectionLoop::Stop() { impl_->Stop(); }

LoopStats ConnectionLoop::stats() const { return impl_->stats(); }

}  // namespace trace::http
