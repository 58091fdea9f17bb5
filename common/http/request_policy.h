// Which requests the gateway serves at all, as plain functions of header
// values (HttpServer applies them; tests call them directly): loopback Host
// names against DNS rebinding, local Origins for CORS and for writes, and
// JSON bodies only. Statuses and flags are in the README's HTTP section.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trace::http {

// True for a loopback host name without port: localhost, an IPv4 address in
// 127.0.0.0/8 (dotted decimal) or [::1]; case-insensitive.
bool IsLoopbackHost(std::string_view host);

// True when a Host header value ("name", "name:port", "[v6]:port") names a
// loopback host or one of allowed (each a name, any port, or an exact
// "name:port"; case-insensitive). An empty or malformed value is false.
bool HostAllowed(std::string_view host_header, const std::vector<std::string>& allowed);

// True for http(s)://<loopback host>[:port] (IsLoopbackHost), nothing after.
bool IsLocalOrigin(std::string_view origin);

// True when a Content-Type value is application/json (parameters such as
// "; charset=utf-8" allowed, case-insensitive).
bool IsJsonMediaType(std::string_view content_type);

}  // namespace trace::http
