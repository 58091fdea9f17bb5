// See http_client.h. Poco's HTTPClientSession does the protocol (keep-alive,
// chunked or sized responses); every Poco exception becomes a Status here.
#include "common/http/http_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>
#include <strings.h>

#include <charconv>
#include <istream>
#include <ostream>

namespace trace::http {

namespace {

Status BadUrl(std::string_view text, const char* why) {
  return Status::Error("bad URL '" + std::string(text) + "': " + why);
}

// "host", "host:port", "[v6]" or "[v6]:port" -> host and port.
Status SplitAuthority(std::string_view text, std::string_view authority, Url* out) {
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(text, "unclosed '[' in the host");
    out->host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return BadUrl(text, "junk after ']'");
    if (!rest.empty()) port = rest.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    out->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out->host.empty()) return BadUrl(text, "no host");
  if (authority.find('@') != std::string_view::npos)
    return BadUrl(text, "credentials in the URL (use a header)");
  if (port.empty()) return Status::Ok();
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
    return BadUrl(text, "port is not 1..65535");
  out->port = static_cast<uint16_t>(value);
  return Status::Ok();
}

}  // namespace

Result<Url> ParseUrl(std::string_view text) {
  constexpr std::string_view kHttp = "http://";
  if (text.substr(0, 8) == "https://")
    return BadUrl(text, "https is not supported (no TLS); use http:// to a trusted collector");
  if (text.substr(0, kHttp.size()) != kHttp) return BadUrl(text, "not an http:// URL");
  for (char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return BadUrl(text, "space or control");
  std::string_view rest = text.substr(kHttp.size());
  size_t slash = rest.find_first_of("/?");
  Url url;
  if (Status s = SplitAuthority(text, rest.substr(0, slash), &url); !s) return s;
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  if (url.path.front() == '?') url.path = std::string("/").append(url.path);
  return url;
}

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return "";
}

struct HttpClient::Session {
  Poco::Net::HTTPClientSession poco;
};

HttpClient::HttpClient(Options options) : options_(std::move(options)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<ClientResponse> HttpClient::Post(std::string_view content_type, std::string_view body) {
  try {
    if (!session_) {
      session_ = std::make_unique<Session>();
      session_->poco.setHost(options_.url.host);
      session_->poco.setPort(options_.url.port);
      session_->poco.setTimeout(
          Poco::Timespan(Poco::Timespan::TimeDiff(options_.timeout_ms) * 1000));
      session_->poco.setKeepAlive(true);
    }
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, options_.url.path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : options_.headers) request.set(k, v);
    request.setContentType(std::string(content_type));
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.setKeepAlive(true);
    std::ostream& out = session_->poco.sendRequest(request);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->poco.receiveResponse(response);
    ClientResponse result;
    result.status = static_cast<int>(response.getStatus());
    for (const auto& [k, v] : response) result.headers.emplace_back(k, v);
    char buf[16384];
    while (in.read(buf, sizeof buf), in.gcount() > 0) {
      size_t room = options_.max_response_body - result.body.size();
      result.body.append(buf, std::min(room, static_cast<size_t>(in.gcount())));
    }
    if (!response.getKeepAlive()) session_.reset();
    return result;
  } catch (const Poco::Exception& e) {
    session_.reset();
    return Status::Error("POST " + options_.url.host + ":" + std::to_string(options_.url.port) +
                         options_.url.path + ": " + e.displayText());
  } catch (const std::exception& e) {
    session_.reset();
    return Status::Error(std::string("POST: ") + e.what());
  }
}

}  // namespace trace::http
