// The request pipeline (policies, routing, response heads) on top of the
// connection loop, and the threads that start replaying streams. Every
// exception stops here and becomes a JSON 500.
#include "common/http/http_server.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/http/connection_loop.h"
#include "common/http/request_policy.h"

namespace trace {

namespace {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool IsRead(const std::string& method) { return method == "GET" || method == "HEAD"; }

// "Tue, 01 Dec 2026 10:00:00 GMT" (RFC 9110 5.6.7), for the Date header.
std::string HttpDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

// How the body's end is marked: its length, the last chunk, or the close.
enum class Framing { kLength, kChunked, kClose };

// One part of a chunked body: "<hex size>\r\n<data>\r\n" (nothing for no data).
void AppendChunk(std::string_view data, std::string* out) {
  if (data.empty()) return;
  char size[20];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out->append(size, static_cast<size_t>(n));
  out->append(data);
  out->append("\r\n");
}

// The status line and header fields of r, with extra (CORS) headers.
std::string ResponseHead(const http::Response& r, const http::Params& extra, size_t body_size,
                         bool close, bool http10_keep_alive, Framing framing = Framing::kLength) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " ";
  head += http::Reason(r.status);
  head += "\r\nServer: trace-gateway\r\nDate: " + HttpDate() + "\r\n";
  for (const http::Params* params : {&r.headers, &extra}) {
    for (const auto& [k, v] : *params) head.append(k).append(": ").append(v).append("\r\n");
  }
  if (!r.content_type.empty()) head += "Content-Type: " + r.content_type + "\r\n";
  if (framing == Framing::kChunked) {
    head += "Transfer-Encoding: chunked\r\n";
  } else if (framing == Framing::kLength && r.status != 204 && r.status != 304) {
    head += "Content-Length: " + std::to_string(body_size) + "\r\n";
  }
  if (close) {
    head += "Connection: close\r\n";
  } else if (http10_keep_alive) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

// error.code of the answers the connection loop gives itself.
std::string_view LoopErrorCode(int status) {
  switch (status) {
    case 408:
      return "timeout";
    case 413:
      return "body_too_large";
    case 414:
      return "uri_too_long";
    case 417:
      return "expectation_failed";
    case 431:
      return "headers_too_large";
    case 501:
      return "not_implemented";
    case 503:
      return "busy";
    case 505:
      return "http_version_not_supported";
    default:
      return "bad_request";
  }
}

}  // namespace

// The replay threads of streams being started (SseStreamer::Run may replay
// for long): counted so that Stop waits for them.
struct HttpServer::StreamThreads {
  std::mutex mu;
  std::condition_variable cv;
  size_t running = 0;
};

// One request through the policies and the router.
class RequestPipeline {
 public:
  RequestPipeline(HttpServer* s, http::RawRequest* raw, const std::string& remote)
      : s_(s), raw_(raw), remote_(remote) {}
  http::Reply Run(int fd);

 private:
  http::Response Handle(http::Request* in);
  http::Response Preflight() const;
  // The request-level refusals (Host, token, Origin), or nullopt to go on.
  std::optional<http::Response> Refusal(const http::Request& in, std::string_view origin) const;
  bool NeedsToken(const http::Request& in) const;
  bool Authorized(const http::Request& in) const;
  http::Response Dispatch(const http::Request& in);
  http::Reply ToReply(http::Response r) const;
  // A reply whose body continues in r.more, part by part.
  http::Reply PartsReply(http::Response r, bool head_only) const;

  HttpServer* s_;
  http::RawRequest* raw_;
  const std::string& remote_;
  std::string route_ = "unmatched";
  http::Params cors_;
};

http::Reply RequestPipeline::Run(int fd) {
  auto t0 = std::chrono::steady_clock::now();
  http::Response r;
  http::Reply reply;
  int status = 0;
  try {
    http::Request in;
    r = Handle(&in);
    if (r.stream && s_->streams_->Reserve()) {
      int dup_fd = dup(fd);
      if (dup_fd < 0) {
        s_->streams_->Unreserve();
        throw std::runtime_error("dup of the stream socket failed");
      }
      s_->RunStream(dup_fd, *r.stream, cors_);
      reply.detached = true;
    } else if (r.stream) {
      r = http::Error(429, "too_many_streams", "SSE connection limit reached");
    }
    status = r.status;
    if (!reply.detached) reply = ToReply(std::move(r));
  } catch (const std::exception& e) {
    log::Error("request failed", {{"path", raw_->target.substr(0, 200)}, {"error", e.what()}});
    status = 500;
    reply = ToReply(http::Error(500, "internal", e.what()));
    reply.close = true;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s_->metrics_->ObserveRequest(route_, status, secs);
  return reply;
}

http::Reply RequestPipeline::ToReply(http::Response r) const {
  http::Reply reply;
  reply.close = !raw_->keep_alive;
  bool head_only = raw_->method == "HEAD" || r.status == 204 || r.status == 304;
  if (r.more) return PartsReply(std::move(r), head_only);
  reply.head = ResponseHead(r, cors_, r.body.size(), reply.close,
                            raw_->keep_alive && raw_->minor_version == 0);
  if (!head_only) reply.body = std::move(r.body);
  return reply;
}

http::Reply RequestPipeline::PartsReply(http::Response r, bool head_only) const {
  http::Reply reply;
  // HTTP/1.0 has no chunked coding: the close ends the body.
  bool chunked = raw_->minor_version == 1;
  reply.close = !raw_->keep_alive || !chunked;
  reply.head =
      ResponseHead(r, cors_, 0, reply.close, false, chunked ? Framing::kChunked : Framing::kClose);
  if (head_only) return reply;  // HEAD: the head a GET would get, no body
  if (chunked) {
    AppendChunk(r.body, &reply.body);
  } else {
    reply.body = std::move(r.body);
  }
  std::shared_ptr<http::BodySource> source = std::move(r.more);
  reply.more = [source, chunked](std::string* out, bool* fail) {
    std::string part;
    Result<bool> again = source->Next(&part);
    if (!again.ok()) {
      log::Warn("response body cut short", {{"error", again.status().message()}});
      *fail = true;
      return false;
    }
    if (!chunked) {
      *out = std::move(part);
      return *again;
    }
    AppendChunk(part, out);
    if (!*again) out->append("0\r\n\r\n");
    return *again;
  };
  return reply;
}

http::Response RequestPipeline::Handle(http::Request* in) {
  in->method = raw_->method;
  const std::string origin(raw_->Header("origin"));
  if (!origin.empty() && s_->OriginAllowed(origin)) {
    cors_ = {{"Access-Control-Allow-Origin", origin}, {"Vary", "Origin"}};
  }
  // The path is normalized here, once: the checks below and the router see the same spelling.
  Status target = http::ParseTarget(raw_->target, &in->path, &in->query);
  if (!target.ok()) return http::Error(400, "bad_request", target.message());
  if (auto refused = Refusal(*in, origin)) return std::move(*refused);
  if (in->method == "OPTIONS") return Preflight();
  in->remote = remote_;
  if (!s_->limiter_.Allow(in->remote, NowMs())) {
    http::Response r = http::Error(429, "rate_limited", "too many requests from " + in->remote);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (in->method == "POST" || in->method == "PUT" || in->method == "PATCH") {
    in->body = std::move(raw_->body);
  }
  // Every body the gateway takes is typed; requiring the type also makes a
  // browser preflight any cross-site write (an HTML form cannot send it).
  // The OTLP receivers also take protobuf and gzip (request_policy.h).
  in->content_type = std::string(raw_->Header("content-type"));
  in->content_encoding = std::string(raw_->Header("content-encoding"));
  std::string refused =
      http::UnsupportedBody(in->path, in->content_type, in->content_encoding, !in->body.empty());
  if (!refused.empty()) return http::Error(415, "unsupported_media_type", refused);
  in->last_event_id_header = std::string(raw_->Header("last-event-id"));
  in->if_none_match = std::string(raw_->Header("if-none-match"));
  in->trace_user = std::string(raw_->Header("x-claude-trace-user"));
  in->trace_host = std::string(raw_->Header("x-claude-trace-host"));
  return Dispatch(*in);
}

http::Response RequestPipeline::Preflight() const {
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  if (!cors_.empty()) {
    r.headers = {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                 {"Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID"},
                 {"Access-Control-Max-Age", "600"}};
  }
  return r;
}

std::optional<http::Response> RequestPipeline::Refusal(const http::Request& in,
                                                       std::string_view origin) const {
  // Without a token, the loopback Host check is what stops DNS rebinding: a
  // page whose name resolves to 127.0.0.1 still sends its own name.
  if (s_->options_.token.empty()) {
    const std::string_view host = raw_->Header("host");
    if (!http::HostAllowed(host, s_->options_.allowed_hosts)) {
      return http::Error(421, "host_not_allowed",
                         "Host '" + std::string(host.substr(0, 100)) +
                             "' is not a loopback name (see --allowed-host, or set a token)");
    }
  }
  if (in.method == "OPTIONS") return std::nullopt;  // a preflight grants nothing by itself
  if (NeedsToken(in) && !Authorized(in)) {
    http::Response r = http::Error(401, "unauthorized", "missing or wrong bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!IsRead(in.method) && !origin.empty() && !s_->OriginAllowed(std::string(origin))) {
    return http::Error(403, "origin_not_allowed",
                       "cross-origin " + in.method + " from '" +
                           std::string(origin.substr(0, 100)) + "' refused (see --cors-origin)");
  }
  return std::nullopt;
}

// Every route but /health needs the token, whatever its method, and so does
// anything under /api/. Only GETs that match no route are public: the web
// UI's static files hold no data and must load before the page can ask for
// the token (a browser cannot send a Bearer header on navigation).
bool RequestPipeline::NeedsToken(const http::Request& in) const {
  if (in.path == "/health") return false;
  if (!IsRead(in.method) || in.path == "/api" || in.path.rfind("/api/", 0) == 0) return true;
  return s_->router_->Find(in.method, in.path).status != 404;
}

bool RequestPipeline::Authorized(const http::Request& in) const {
  const std::string& token = s_->options_.token;
  if (token.empty()) return true;
  const std::string_view auth = raw_->Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.substr(0, kBearer.size()) == kBearer) {
    return ConstantTimeEquals(auth.substr(kBearer.size()), token);
  }
  std::optional<std::string_view> param = in.Query("access_token");
  return param && ConstantTimeEquals(*param, token);
}

http::Response RequestPipeline::Dispatch(const http::Request& in) {
  http::Router::Match m = s_->router_->Find(in.method, in.path);
  if (m.status == 200) {
    route_ = m.pattern;
    http::Request routed = in;
    routed.route = std::move(m.params);
    return (*m.handler)(routed);
  }
  bool is_api = in.path.rfind("/api/", 0) == 0;
  if (!is_api && IsRead(in.method) && s_->files_) {
    if (auto file = s_->files_->Serve(in.path, in.if_none_match)) {
      route_ = "static";
      return std::move(*file);
    }
  }
  if (m.status == 405) {
    route_ = m.pattern;
    http::Response r =
        http::Error(405, "method_not_allowed",
                    in.method + " is not allowed on " + in.path + " (allowed: " + m.allow + ")");
    r.headers.emplace_back("Allow", m.allow);
    return r;
  }
  return http::Error(404, "not_found", "no route for " + in.path);
}

HttpServer::HttpServer(HttpServerOptions options, const http::Router* router, Metrics* metrics,
                       http::StreamSink* streams, const StaticFiles* files)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      streams_(streams),
      files_(files),
      limiter_(options_.rate_limit,
               options_.rate_burst > 0 ? options_.rate_burst : 2 * options_.rate_limit),
      stream_threads_(std::make_unique<StreamThreads>()) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::OriginAllowed(const std::string& origin) const {
  if (http::IsLocalOrigin(origin)) return true;
  for (const std::string& o : options_.cors_origins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

http::Reply HttpServer::Serve(http::RawRequest& raw, const std::string& remote, int fd) {
  return RequestPipeline(this, &raw, remote).Run(fd);
}

void HttpServer::RunStream(int fd, const http::StreamStart& start, const http::Params& headers) {
  if (start.last_event_id == 0) {
    streams_->Run(fd, start, headers);  // head written, then straight to the hub
    return;
  }
  {
    std::lock_guard lock(stream_threads_->mu);
    stream_threads_->running++;
  }
  std::thread([this, fd, start, headers] {
    try {
      streams_->Run(fd, start, headers);
    } catch (const std::exception& e) {
      log::Error("stream start failed", {{"error", e.what()}});
    }
    std::lock_guard lock(stream_threads_->mu);
    if (--stream_threads_->running == 0) stream_threads_->cv.notify_all();
  }).detach();
}

Status HttpServer::Start() {
  http::LoopOptions o;
  o.host = options_.host;
  o.port = options_.port;
  o.workers = options_.max_threads;
  o.max_connections = options_.max_connections;
  o.idle_timeout_ms = options_.keep_alive_timeout_s * 1000;
  o.header_timeout_ms = options_.header_timeout_ms;
  o.body_timeout_ms = options_.body_timeout_ms;
  o.limits.max_body = options_.max_body;
  Metrics* metrics = metrics_;
  auto error_reply = [metrics](int status, std::string_view message) {
    metrics->ObserveRequest("unmatched", status, 0);
    http::Response r = http::Error(status, LoopErrorCode(status), message);
    http::Reply reply;
    reply.close = status != 503;
    reply.head = ResponseHead(r, {}, r.body.size(), reply.close, false);
    reply.body = std::move(r.body);
    return reply;
  };
  loop_ = std::make_unique<http::ConnectionLoop>(
      o,
      [this](http::RawRequest& raw, const std::string& remote, int fd) {
        return Serve(raw, remote, fd);
      },
      error_reply);
  Status st = loop_->Start();
  if (!st.ok()) {
    loop_.reset();
    return Status::Error("listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                         st.message());
  }
  port_ = loop_->port();
  http::ConnectionLoop* loop = loop_.get();
  metrics_->Register("trace_gateway_http_connections", "Open HTTP connections (streams excluded).",
                     "gauge", [loop] { return static_cast<double>(loop->stats().open); });
  metrics_->Register("trace_gateway_http_connections_refused_total",
                     "Connections closed at accept: connection cap or no descriptor left.",
                     "counter", [loop] { return static_cast<double>(loop->stats().refused); });
  metrics_->Register("trace_gateway_http_timeouts_total",
                     "Connections closed for a slow request head, body or response.", "counter",
                     [loop] { return static_cast<double>(loop->stats().timed_out); });
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!loop_) return;
  loop_->Stop();  // kept: the metrics registered at Start read it
  std::unique_lock lock(stream_threads_->mu);
  stream_threads_->cv.wait(lock, [this] { return stream_threads_->running == 0; });
}

}  // namespace trace
