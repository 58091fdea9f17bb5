// A small blocking HTTP/1.1 client for the exporters (trace-index's OTLP
// export): POST a body with headers to one base URL, get the status, the body
// and the headers back as a Result. Poco Net stays behind this header (the
// layering rule); one kept-alive connection per client. Not thread-safe: one
// thread owns a client.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace trace::http {

// An http:// URL split for the client. https is refused (no TLS library is
// wrapped yet): point the exporter at a collector on loopback or a trusted
// network, or at a local collector that forwards with TLS.
struct Url {
  std::string host;
  uint16_t port = 80;
  std::string path = "/";  // with the query, if any
};
// Parses "http://host[:port][/path]" ([v6] hosts too). Errors say what is wrong.
Result<Url> ParseUrl(std::string_view text);

struct ClientResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  // The value of the first header named name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  struct Options {
    Url url;
    int timeout_ms = 10000;              // connect, send and each receive
    size_t max_response_body = 1 << 20;  // a longer body is cut (the status still counts)
    std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
  };
  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // POSTs body to the URL's path. An error is a transport failure (cannot
  // connect, timeout, connection reset): any HTTP status is a response.
  // After an error the connection is reopened by the next call.
  Result<ClientResponse> Post(std::string_view content_type, std::string_view body);

 private:
  struct Session;
  Options options_;
  std::unique_ptr<Session> session_;
};

}  // namespace trace::http
