// Strict parsing of REST query parameters. A bad value is a 400 whose message
// names the parameter ("limit must be an integer in 1..1000"), never a silent
// default; an absent parameter keeps the caller's default.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/http/http_message.h"

namespace trace::api {

// Digits only, within [min, max].
std::optional<uint64_t> ParseUint(std::string_view s, uint64_t min, uint64_t max);

// Sets *out from parameter name if present. On a bad value returns the 400.
std::optional<http::Response> UintParam(const http::Request& req, std::string_view name,
                                        uint64_t min, uint64_t max, uint64_t* out);
// A time bound: integer ms since the epoch or RFC 3339.
std::optional<http::Response> TimeParam(const http::Request& req, std::string_view name,
                                        std::optional<int64_t>* out);
// A string filter: copied when present and non-empty; 400 when longer than 1 KB.
std::optional<http::Response> StringParam(const http::Request& req, std::string_view name,
                                          std::string* out);

}  // namespace trace::api
