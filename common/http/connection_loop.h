// The HTTP server's connection handling: one thread does all socket I/O on
// epoll — accept, non-blocking reads into a per-connection RequestParser,
// header/body/idle timeouts, non-blocking writes — and hands only complete
// requests to a bounded pool of worker threads. An idle keep-alive connection
// costs a descriptor and a few hundred bytes, never a thread; a slow reader
// never holds a worker. Handler and ErrorReply run on worker threads and the
// loop thread respectively; both must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/http/request_parser.h"

namespace trace::http {

struct LoopOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  int workers = 16;
  size_t max_connections = 20000;  // beyond, new connections are closed at once
  size_t max_queued = 4096;        // complete requests waiting for a worker; then 503
  int idle_timeout_ms = 15000;     // keep-alive, between requests: then closed
  int header_timeout_ms = 10000;   // first byte to end of head: then 408
  int body_timeout_ms = 30000;     // end of head to end of body: then 408
  int write_timeout_ms = 30000;    // a response that makes no progress this long: closed
  ParseLimits limits;
};

// What to send for one request.
struct Reply {
  // The next bytes of a body being produced part by part, called on a worker
  // once the previous bytes are written: appends to *out; false when done.
  // Setting *fail (or throwing) ends the response early: the connection closes.
  using More = std::function<bool(std::string* out, bool* fail)>;
  std::string head;  // status line and header fields, ended by the blank line
  std::string body;
  More more;              // set: more body follows (see More)
  bool close = false;     // close the connection once written
  bool detached = false;  // the handler took the connection over (a dup of fd): forget it
};

struct LoopStats {
  uint64_t open = 0, accepted = 0, refused = 0, timed_out = 0, bad_requests = 0;
};

class ConnectionLoop {
 public:
  // A complete request, on a worker thread. fd is the connection's socket,
  // for a handler that takes it over (dup, then Reply::detached).
  using Handler = std::function<Reply(RawRequest& request, const std::string& remote, int fd)>;
  // The loop's own answers (parse errors, 408, 503), on the loop thread.
  using ErrorReply = std::function<Reply(int status, std::string_view message)>;

  ConnectionLoop(LoopOptions options, Handler handler, ErrorReply error_reply);
  ~ConnectionLoop();
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  // Binds and listens, then starts the loop and worker threads.
  Status Start();
  // Stops accepting, lets requests in flight finish and their responses go
  // out (a few seconds at most), closes every connection, joins the threads.
  void Stop();
  uint16_t port() const { return port_; }
  LoopStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace trace::http
