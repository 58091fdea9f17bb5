// Which requests the gateway serves at all, as plain functions of header
// values (HttpServer applies them; tests call them directly): loopback Host
// names against DNS rebinding, local Origins for CORS and for writes, and
// JSON bodies (protobuf and gzip too on the OTLP receivers, /v1/...).
// Statuses and flags are in the README's HTTP section.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trace::http {

// True for a loopback host name without port: localhost, an IPv4 address in
// 127.0.0.0/8 (dotted decimal) or [::1]; case-insensitive.
bool IsLoopbackHost(std::string_view host);
// True for an address to listen on that only this machine reaches: a
// loopback host (IsLoopbackHost) or ::1 without brackets. "" (any) is not.
bool IsLoopbackListenHost(std::string_view host);

// True when a Host header value ("name", "name:port", "[v6]:port") names a
// loopback host or one of allowed (each a name, any port, or an exact
// "name:port"; case-insensitive). An empty or malformed value is false.
bool HostAllowed(std::string_view host_header, const std::vector<std::string>& allowed);

// True for http(s)://<loopback host>[:port] (IsLoopbackHost), nothing after.
bool IsLocalOrigin(std::string_view origin);

// True when a Content-Type value is application/json (parameters such as
// "; charset=utf-8" allowed, case-insensitive).
bool IsJsonMediaType(std::string_view content_type);
// The same for application/x-protobuf.
bool IsProtobufMediaType(std::string_view content_type);

// True for Content-Encoding: gzip (case-insensitive, spaces around allowed).
bool IsGzipEncoding(std::string_view content_encoding);

// True for the paths of the OTLP/HTTP receivers (/v1/logs, /v1/metrics, any /v1/...).
bool IsOtlpPath(std::string_view path);

// Why a request body of this type and encoding is refused on path (the
// caller answers 415), or "" when it is taken: JSON everywhere; protobuf and
// Content-Encoding gzip only on IsOtlpPath; no other encoding. A request
// without a body is never refused for its type.
std::string UnsupportedBody(std::string_view path, std::string_view content_type,
                            std::string_view content_encoding, bool has_body);

}  // namespace trace::http
