// Query parameter parsing for the REST handlers.
#include "common/http/api_params.h"

#include <string>

#include "common/base/clock.h"
#include "common/json/json.h"

namespace trace::api {

std::optional<uint64_t> ParseUint(std::string_view s, uint64_t min, uint64_t max) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v < min || v > max) return std::nullopt;
  return v;
}

std::optional<http::Response> UintParam(const http::Request& req, std::string_view name,
                                        uint64_t min, uint64_t max, uint64_t* out) {
  std::optional<std::string_view> raw = req.Query(name);
  if (!raw) return std::nullopt;
  std::optional<uint64_t> v = ParseUint(*raw, min, max);
  if (!v) {
    return http::Error(400, "bad_parameter",
                       std::string(name) + " must be an integer in " + std::to_string(min) + ".." +
                           std::to_string(max));
  }
  *out = *v;
  return std::nullopt;
}

std::optional<http::Response> TimeParam(const http::Request& req, std::string_view name,
                                        std::optional<int64_t>* out) {
  std::optional<std::string_view> raw = req.Query(name);
  if (!raw || raw->empty()) return std::nullopt;
  if (std::optional<uint64_t> ms = ParseUint(*raw, 0, 1ULL << 53)) {
    *out = static_cast<int64_t>(*ms);
    return std::nullopt;
  }
  if (std::optional<int64_t> ms = ParseRfc3339Ms(*raw)) {
    *out = *ms;
    return std::nullopt;
  }
  return http::Error(
      400, "bad_parameter",
      std::string(name) + " must be milliseconds since the epoch or an RFC 3339 time");
}

std::optional<http::Response> StringParam(const http::Request& req, std::string_view name,
                                          std::string* out) {
  std::optional<std::string_view> raw = req.Query(name);
  if (!raw || raw->empty()) return std::nullopt;
  if (raw->size() > 1024) {
    return http::Error(400, "bad_parameter", std::string(name) + " is longer than 1024 bytes");
  }
  *out = std::string(*raw);
  return std::nullopt;
}

}  // namespace trace::api
