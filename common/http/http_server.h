// The gateway's HTTP front: an event-driven server (connection_loop.h: epoll,
// strict parser, timeouts, a bounded worker pool) whose one request pipeline
// applies, in order, request-target parsing and path normalization, CORS, the
// loopback Host check (without a token), bearer-token auth, the Origin check
// on writes, the per-client rate limit and the JSON body type, then routes
// (http_router.h). JSON errors for everything that fails; static files for
// unknown non-API GETs. A handler that returns Response::stream gets the
// socket handed to the StreamSink (http_message.h), so streams cost no
// worker. Handlers run on the worker threads; they must be thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/http/http_router.h"
#include "common/http/metrics.h"
#include "common/http/rate_limit.h"
#include "common/http/static_files.h"

namespace trace {

namespace http {
class ConnectionLoop;
struct RawRequest;
struct Reply;
}  // namespace http

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see HttpServer::port)
  std::string token;     // non-empty: Bearer auth on all but /health
  // Without a token, Host names served besides loopback ones (request_policy.h);
  // others get 421.
  std::vector<std::string> allowed_hosts;
  // Origins allowed by CORS and for writes (else 403) besides loopback ones
  // (http(s)://localhost|127.x.y.z|[::1][:port]); "*" allows any origin.
  std::vector<std::string> cors_origins;
  size_t max_body = 1 << 20;       // bytes; larger bodies get 413
  double rate_limit = 0;           // requests/s per client address; 0 = off
  double rate_burst = 0;           // defaults to 2 x rate_limit
  int max_threads = 16;            // worker threads running complete requests
  size_t max_connections = 20000;  // open connections; beyond, new ones are closed
  int keep_alive_timeout_s = 15;   // an idle keep-alive connection is closed after
  int header_timeout_ms = 10000;   // a request head not complete by then: 408
  int body_timeout_ms = 30000;     // a body not complete this long after its head: 408
};

class HttpServer {
 public:
  // router, metrics, streams and files must outlive the server.
  HttpServer(HttpServerOptions options, const http::Router* router, Metrics* metrics,
             http::StreamSink* streams, const StaticFiles* files);
  ~HttpServer();
  // Listens and registers the connection metrics (call before serving /metrics).
  Status Start();
  // Stops accepting, finishes the requests in flight and the stream start-ups
  // (replays) under way.
  void Stop();
  uint16_t port() const { return port_; }

  // True when origin may read responses (CORS).
  bool OriginAllowed(const std::string& origin) const;

 private:
  friend class RequestPipeline;
  http::Reply Serve(http::RawRequest& raw, const std::string& remote, int fd);
  // Runs a stream on fd (a dup the sink owns): inline when live only, else on
  // a thread of its own that Stop joins.
  void RunStream(int fd, const http::StreamStart& start, const http::Params& headers);

  HttpServerOptions options_;
  const http::Router* router_;
  Metrics* metrics_;
  http::StreamSink* streams_;
  const StaticFiles* files_;
  RateLimiter limiter_;
  std::unique_ptr<http::ConnectionLoop> loop_;
  uint16_t port_ = 0;
  struct StreamThreads;
  std::unique_ptr<StreamThreads> stream_threads_;
};

}  // namespace trace
