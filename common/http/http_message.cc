// Request-target parsing and the JSON error/response helpers.
#include "common/http/http_message.h"

#include <algorithm>

#include "common/json/json.h"

namespace trace::http {

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view Request::Route(std::string_view name) const {
  for (const auto& [k, v] : route) {
    if (k == name) return v;
  }
  return {};
}

Response Error(int status, std::string_view code, std::string_view message) {
  json::StringWriter w;
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code);
  w.Key("message");
  w.String(json::SanitizeUtf8(message));
  w.EndObject();
  w.EndObject();
  Response r;
  r.status = status;
  r.body = w.Take();
  return r;
}

Response Json(std::string body, int status) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else if (c != '%') {
      out->push_back(c);
    } else {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return Status::Error("bad percent-encoding at byte " + std::to_string(i));
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return Status::Error("percent-encoded NUL byte");
      out->push_back(decoded);
      i += 2;
    }
  }
  return Status::Ok();
}

namespace {

Status ParseQuery(std::string_view q, Params* query) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    Status s = PercentDecode(pair.substr(0, eq), true, &key);
    if (s.ok() && eq != std::string_view::npos)
      s = PercentDecode(pair.substr(eq + 1), true, &value);
    if (!s.ok()) return s.Wrap("query parameter");
    query->emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

}  // namespace

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  for (size_t start = 0; start <= path.size();) {
    size_t slash = std::min(path.find('/', start), path.size());
    std::string_view seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = slash + 1;
  }
  std::string out;
  out.reserve(path.size() + 1);
  for (std::string_view seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  return out.empty() ? "/" : out;
}

Status ParseTarget(std::string_view target, std::string* path, Params* query) {
  if (target.empty() || target[0] != '/')
    return Status::Error("request target must start with '/'");
  for (unsigned char c : target) {
    if (c < 0x20 || c == 0x7f) return Status::Error("control byte in request target");
  }
  size_t qpos = target.find('?');
  std::string_view raw_path = target.substr(0, qpos);
  size_t hash = raw_path.find('#');
  if (hash != std::string_view::npos) raw_path = raw_path.substr(0, hash);
  std::string decoded;
  Status s = PercentDecode(raw_path, false, &decoded);
  if (!s.ok()) return s.Wrap("path");
  *path = NormalizePath(decoded);
  query->clear();
  if (qpos == std::string_view::npos) return Status::Ok();
  std::string_view q = target.substr(qpos + 1);
  q = q.substr(0, q.find('#'));
  return ParseQuery(q, query);
}

}  // namespace trace::http
