// Poco adapter: converts Poco requests into http::Request, applies the
// cross-cutting policies, and writes http::Response back (or detaches the
// socket for SSE). Every exception stops here and becomes a JSON 500.
#include "common/http/http_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/http/request_policy.h"
#include "common/json/json.h"

namespace trace {

namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool IsRead(const std::string& method) { return method == "GET" || method == "HEAD"; }

// Writes head then body with one sendmsg in the usual case (Poco's
// sendBuffer goes through a 4 KB stream buffer: 47 sends for a 190 KB page).
// Throws when the peer is gone or the send timeout expires.
void WriteAll(int fd, std::string_view head, std::string_view body) {
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(body.data()), body.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  while (msg.msg_iovlen > 0) {
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    for (auto left = static_cast<size_t>(n); msg.msg_iovlen > 0;) {
      size_t step = std::min(left, msg.msg_iov->iov_len);
      msg.msg_iov->iov_base = static_cast<char*>(msg.msg_iov->iov_base) + step;
      msg.msg_iov->iov_len -= step;
      left -= step;
      if (msg.msg_iov->iov_len > 0) break;
      ++msg.msg_iov;
      --msg.msg_iovlen;
    }
  }
}

}  // namespace

// The one request handler: policies, routing, response writing.
class GatewayRequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit GatewayRequestHandler(HttpServer* s) : s_(s) {}
  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override;

 private:
  http::Response Handle(HTTPServerRequest& req, http::Request* in);
  http::Response Preflight();
  // The request-level refusals (Host, token, Origin), or nullopt to go on.
  std::optional<http::Response> Refusal(const HTTPServerRequest& req, const http::Request& in,
                                        const std::string& origin) const;
  bool NeedsToken(const http::Request& in) const;
  bool Authorized(const HTTPServerRequest& req, const http::Request& in) const;
  // Reads the body into in->body; a 413 response when it is too large.
  std::optional<http::Response> ReadBody(HTTPServerRequest& req, http::Request* in);
  http::Response Dispatch(const http::Request& in);
  bool StartStream(HTTPServerRequest& req, const http::Response& r);
  void Send(HTTPServerRequest& req, HTTPServerResponse& resp, const http::Response& r, bool head);

  HttpServer* s_;
  bool sent_ = false;  // Send wrote the response itself (Poco's sent() stays false)
  std::string route_ = "unmatched";
  http::Params cors_;
};

void GatewayRequestHandler::handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) {
  auto t0 = std::chrono::steady_clock::now();
  http::Response r;
  bool streamed = false;
  try {
    http::Request in;
    r = Handle(req, &in);
    if (r.stream) {
      streamed = StartStream(req, r);
      if (!streamed) r = http::Error(429, "too_many_streams", "SSE connection limit reached");
    }
    if (!streamed) Send(req, resp, r, req.getMethod() == "HEAD");
  } catch (const std::exception& e) {
    log::Error("request failed", {{"path", req.getURI()}, {"error", e.what()}});
    r = http::Error(500, "internal", e.what());
    if (sent_) resp.setKeepAlive(false);  // part of a response is out: close the connection
    try {
      if (!resp.sent() && !sent_) Send(req, resp, r, false);
    } catch (const std::exception&) {
      // The client is gone; nothing left to tell it.
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s_->metrics_->ObserveRequest(route_, r.status, secs);
}

http::Response GatewayRequestHandler::Handle(HTTPServerRequest& req, http::Request* in) {
  // No per-request TCP_NODELAY here: Poco's TCPServer sets it on every
  // accepted socket (a large body's tail must not wait for a delayed ACK).
  in->method = req.getMethod();
  // Copies: Poco's get() returns its default argument (a temporary here) by reference.
  const std::string origin = req.get("Origin", "");
  if (!origin.empty() && s_->OriginAllowed(origin)) {
    cors_ = {{"Access-Control-Allow-Origin", origin}, {"Vary", "Origin"}};
  }
  // The path is normalized here, once: the checks below and the router see the same spelling.
  Status target = http::ParseTarget(req.getURI(), &in->path, &in->query);
  if (!target.ok()) return http::Error(400, "bad_request", target.message());
  if (auto refused = Refusal(req, *in, origin)) return std::move(*refused);
  if (in->method == "OPTIONS") return Preflight();
  in->remote = req.clientAddress().host().toString();
  if (!s_->limiter_.Allow(in->remote, NowMs())) {
    http::Response r = http::Error(429, "rate_limited", "too many requests from " + in->remote);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (auto too_large = ReadBody(req, in)) return std::move(*too_large);
  // Every body the gateway takes is typed; requiring the type also makes a
  // browser preflight any cross-site write (an HTML form cannot send it).
  // The OTLP receivers also take protobuf and gzip (request_policy.h).
  in->content_type = req.get("Content-Type", "");
  in->content_encoding = req.get("Content-Encoding", "");
  std::string refused =
      http::UnsupportedBody(in->path, in->content_type, in->content_encoding, !in->body.empty());
  if (!refused.empty()) return http::Error(415, "unsupported_media_type", refused);
  in->last_event_id_header = req.get("Last-Event-ID", "");
  in->if_none_match = req.get("If-None-Match", "");
  return Dispatch(*in);
}

http::Response GatewayRequestHandler::Preflight() {
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

std::optional<http::Response> GatewayRequestHandler::Refusal(const HTTPServerRequest& req,
                                                             const http::Request& in,
                                                             const std::string& origin) const {
  // Without a token, the loopback Host check is what stops DNS rebinding: a
  // page whose name resolves to 127.0.0.1 still sends its own name.
  if (s_->options_.token.empty()) {
    const std::string host = req.get("Host", "");
    if (!http::HostAllowed(host, s_->options_.allowed_hosts)) {
      return http::Error(421, "host_not_allowed",
                         "Host '" + host.substr(0, 100) +
                             "' is not a loopback name (see --allowed-host, or set a token)");
    }
  }
  if (in.method == "OPTIONS") return std::nullopt;  // a preflight grants nothing by itself
  if (NeedsToken(in) && !Authorized(req, in)) {
    http::Response r = http::Error(401, "unauthorized", "missing or wrong bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!IsRead(in.method) && !origin.empty() && !s_->OriginAllowed(origin)) {
    return http::Error(403, "origin_not_allowed",
                       "cross-origin " + in.method + " from '" + origin.substr(0, 100) +
                           "' refused (see --cors-origin)");
  }
  return std::nullopt;
}

// Every route but /health needs the token, whatever its method, and so does
// anything under /api/. Only GETs that match no route are public: the web
// UI's static files hold no data and must load before the page can ask for
// the token (a browser cannot send a Bearer header on navigation).
bool GatewayRequestHandler::NeedsToken(const http::Request& in) const {
  if (in.path == "/health") return false;
  if (!IsRead(in.method) || in.path == "/api" || in.path.rfind("/api/", 0) == 0) return true;
  return s_->router_->Find(in.method, in.path).status != 404;
}

bool GatewayRequestHandler::Authorized(const HTTPServerRequest& req,
                                       const http::Request& in) const {
  const std::string& token = s_->options_.token;
  if (token.empty()) return true;
  // A copy: Poco's get() returns its default argument (a temporary here) by reference.
  const std::string auth = req.get("Authorization", "");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.compare(0, kBearer.size(), kBearer) == 0) {
    return ConstantTimeEquals(std::string_view(auth).substr(kBearer.size()), token);
  }
  std::optional<std::string_view> param = in.Query("access_token");
  return param && ConstantTimeEquals(*param, token);
}

std::optional<http::Response> GatewayRequestHandler::ReadBody(HTTPServerRequest& req,
                                                              http::Request* in) {
  size_t max = s_->options_.max_body;
  auto too_large = [&] {
    return http::Error(413, "body_too_large",
                       "request body larger than " + std::to_string(max) + " bytes");
  };
  if (req.getContentLength() != HTTPServerRequest::UNKNOWN_CONTENT_LENGTH &&
      static_cast<uint64_t>(req.getContentLength()) > max) {
    return too_large();
  }
  if (in->method != "POST" && in->method != "PUT" && in->method != "PATCH") return std::nullopt;
  std::istream& is = req.stream();
  char buf[16384];
  while (is) {
    is.read(buf, sizeof buf);
    in->body.append(buf, static_cast<size_t>(is.gcount()));
    if (in->body.size() > max) return too_large();
  }
  return std::nullopt;
}

http::Response GatewayRequestHandler::Dispatch(const http::Request& in) {
  http::Router::Match m = s_->router_->Find(in.method, in.path);
  if (m.status == 200) {
    route_ = m.pattern;
    http::Request routed = in;
    routed.route = std::move(m.params);
    return (*m.handler)(routed);
  }
  bool is_api = in.path.rfind("/api/", 0) == 0;
  if (!is_api && (in.method == "GET" || in.method == "HEAD") && s_->files_) {
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

bool GatewayRequestHandler::StartStream(HTTPServerRequest& req, const http::Response& r) {
  if (!s_->streams_->Reserve()) return false;
  auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(req);
  int fd = -1;
  {
    Poco::Net::StreamSocket socket = impl.detachSocket();
    fd = dup(socket.impl()->sockfd());
  }  // Poco closes its descriptor; the dup keeps the connection open.
  if (fd < 0) {
    s_->streams_->Unreserve();
    throw std::runtime_error("dup of the stream socket failed");
  }
  s_->streams_->Run(fd, *r.stream, cors_);
  return true;
}

void GatewayRequestHandler::Send(HTTPServerRequest& req, HTTPServerResponse& resp,
                                 const http::Response& r, bool head) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status),
                          std::string(http::Reason(r.status)));
  for (const auto& [k, v] : r.headers) resp.set(k, v);
  for (const auto& [k, v] : cors_) resp.set(k, v);
  if (r.status == 413) resp.setKeepAlive(false);  // the unread body is still on the wire
  if (!r.content_type.empty()) resp.setContentType(r.content_type);
  resp.setContentLength(static_cast<std::streamsize>(r.body.size()));
  if (head || r.status == 304 || r.status == 204) {
    resp.send();
  } else {
    std::ostringstream head_text;
    resp.write(head_text);  // status line, headers, blank line: what send() would write
    sent_ = true;           // even a failed write must not be followed by a second response
    auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(req);
    WriteAll(impl.socket().impl()->sockfd(), head_text.str(), r.body);
  }
}

class GatewayHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit GatewayHandlerFactory(HttpServer* s) : s_(s) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new GatewayRequestHandler(s_);
  }

 private:
  HttpServer* s_;
};

HttpServer::HttpServer(HttpServerOptions options, const http::Router* router, Metrics* metrics,
                       http::StreamSink* streams, const StaticFiles* files)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      streams_(streams),
      files_(files),
      limiter_(options_.rate_limit,
               options_.rate_burst > 0 ? options_.rate_burst : 2 * options_.rate_limit) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::OriginAllowed(const std::string& origin) const {
  if (http::IsLocalOrigin(origin)) return true;
  for (const std::string& o : options_.cors_origins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

Status HttpServer::Start() {
  try {
    Poco::Net::SocketAddress address(options_.host, options_.port);
    Poco::Net::ServerSocket socket(address, 256);
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options_.max_threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(options_.keep_alive_timeout_s, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    params->setServerName("trace-gateway");
    pool_ = std::make_unique<Poco::ThreadPool>(2, options_.max_threads + 2);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new GatewayHandlerFactory(this), *pool_,
                                                      socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    return Status::Error("listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                         e.displayText());
  } catch (const std::exception& e) {
    return Status::Error("listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                         e.what());
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!server_) return;
  server_->stopAll(true);
  server_.reset();
}

}  // namespace trace
