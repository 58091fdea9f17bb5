// Host, Origin and Content-Type checks: strict parsing, nothing guessed.
#include "common/http/request_policy.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace trace::http {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool IsDigits(std::string_view s, size_t max_size) {
  return !s.empty() && s.size() <= max_size &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsPort(std::string_view s) { return IsDigits(s, 5); }

// Exactly four dotted decimal parts of 1-3 digits, each at most 255, the first 127.
bool IsLoopbackIpv4(std::string_view s) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 4 || parts[0] != "127") return false;
  return std::all_of(parts.begin(), parts.end(), [](std::string_view p) {
    return IsDigits(p, 3) && std::stoi(std::string(p)) <= 255;
  });
}

// The host name of "name[:port]" or "[v6][:port]"; false when malformed.
bool HostOf(std::string_view host_port, std::string_view* host) {
  std::string_view port;
  bool has_port = false;
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    if (close == std::string_view::npos) return false;
    *host = host_port.substr(0, close + 1);
    std::string_view rest = host_port.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    has_port = !rest.empty();
    port = has_port ? rest.substr(1) : rest;
  } else {
    size_t colon = host_port.find(':');
    if (colon != std::string_view::npos &&
        host_port.find(':', colon + 1) != std::string_view::npos) {
      return false;  // an IPv6 address must be bracketed
    }
    *host = host_port.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = host_port.substr(colon + 1);
  }
  return !host->empty() && (!has_port || IsPort(port));
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  std::string h = Lower(host);
  return h == "localhost" || h == "[::1]" || IsLoopbackIpv4(h);
}

bool IsLoopbackListenHost(std::string_view host) { return IsLoopbackHost(host) || host == "::1"; }

bool HostAllowed(std::string_view host_header, const std::vector<std::string>& allowed) {
  std::string_view value = Trim(host_header);
  std::string_view host;
  if (!HostOf(value, &host)) return false;
  if (IsLoopbackHost(host)) return true;
  std::string name = Lower(host), whole = Lower(value);
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) {
    std::string entry = Lower(a);
    return entry == name || entry == whole;
  });
}

bool IsLocalOrigin(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.substr(0, scheme.size()) != scheme) continue;
    std::string_view host;
    return HostOf(origin.substr(scheme.size()), &host) && IsLoopbackHost(host);
  }
  return false;
}

bool IsJsonMediaType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';')))) == "application/json";
}

bool IsProtobufMediaType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';')))) == "application/x-protobuf";
}

bool IsGzipEncoding(std::string_view content_encoding) {
  return Lower(Trim(content_encoding)) == "gzip";
}

bool IsOtlpPath(std::string_view path) { return path.substr(0, 4) == "/v1/"; }

std::string UnsupportedBody(std::string_view path, std::string_view content_type,
                            std::string_view content_encoding, bool has_body) {
  if (!has_body) return "";
  bool otlp = IsOtlpPath(path);
  std::string encoding = Lower(Trim(content_encoding));
  if (!encoding.empty() && encoding != "identity" && !(otlp && encoding == "gzip")) {
    return "Content-Encoding '" + encoding.substr(0, 40) + "' is not accepted here" +
           (otlp ? " (gzip or none)" : " (none)");
  }
  if (IsJsonMediaType(content_type)) return "";
  if (otlp && IsProtobufMediaType(content_type)) return "";
  return std::string("request body must be Content-Type: application/json") +
         (otlp ? " or application/x-protobuf" : "") + ", not '" +
         std::string(content_type.substr(0, 100)) + "'";
}

}  // namespace trace::http
