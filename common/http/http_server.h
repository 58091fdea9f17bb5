// The gateway's HTTP front: a Poco::Net::HTTPServer whose one request handler
// applies, in order, request-target parsing and path normalization, CORS, the
// loopback Host check (without a token), bearer-token auth, the Origin check
// on writes, the per-client rate limit, the body cap and the JSON body type,
// then routes (http_router.h). JSON errors for everything that fails; static
// files for unknown non-API GETs.
// A handler that returns Response::stream gets its socket detached from Poco
// and handed to the StreamSink (http_message.h), so streams cost no thread.
// Handlers run on Poco's thread pool (max_threads); they must be thread-safe.
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

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace trace {

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
  size_t max_body = 1 << 20;  // bytes; larger bodies get 413
  double rate_limit = 0;      // requests/s per client address; 0 = off
  double rate_burst = 0;      // defaults to 2 x rate_limit
  int max_threads = 32;       // Poco handler threads (keep-alive connections hold one)
  int keep_alive_timeout_s = 15;
};

class HttpServer {
 public:
  // router, metrics, streams and files must outlive the server.
  HttpServer(HttpServerOptions options, const http::Router* router, Metrics* metrics,
             http::StreamSink* streams, const StaticFiles* files);
  ~HttpServer();
  Status Start();
  // Stops accepting and waits for in-flight requests.
  void Stop();
  uint16_t port() const { return port_; }

  // True when origin may read responses (CORS).
  bool OriginAllowed(const std::string& origin) const;

 private:
  friend class GatewayRequestHandler;
  HttpServerOptions options_;
  const http::Router* router_;
  Metrics* metrics_;
  http::StreamSink* streams_;
  const StaticFiles* files_;
  RateLimiter limiter_;
  std::unique_ptr<Poco::ThreadPool> pool_;  // outlives server_
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

}  // namespace trace
