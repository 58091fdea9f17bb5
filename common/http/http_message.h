// The gateway's HTTP request/response values, independent of the server so the
// handlers, the router and the URL parser are testable as plain functions.
// Also the strict request-target parser: hostile percent-encoding, control
// bytes and oversized targets become a Status, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace trace::http {

using Params = std::vector<std::pair<std::string, std::string>>;

// The SSE filter a client asked for; empty strings match everything.
struct StreamFilter {
  std::string session_id, task_id, tool_name, event_type;
  std::string user, host;  // the event's user / host
};

// Set by a handler that wants the connection turned into an SSE stream.
struct StreamStart {
  StreamFilter filter;
  uint64_t last_event_id = 0;  // 0: live only
};

struct Request {
  std::string method;
  std::string path;  // percent-decoded, then normalized (NormalizePath)
  Params query;      // percent-decoded, in order
  Params route;      // {name} segments of the matched route
  std::string body;
  std::string last_event_id_header;
  std::string if_none_match;
  // X-Claude-Trace-User / X-Claude-Trace-Host: who sent it, from where.
  std::string trace_user, trace_host;
  std::string remote;                          // peer address (rate limiting key)
  std::string content_type, content_encoding;  // as sent (request_policy.h checked them)

  // First query parameter with that name, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
  // A route parameter ("" when absent).
  std::string_view Route(std::string_view name) const;
};

// The rest of a response body too large to build at once. The server calls
// Next on a worker thread each time the previous part has been written, so a
// slow reader holds one part, never a worker. Parts go out with chunked
// transfer coding (HTTP/1.1) or until the close (HTTP/1.0).
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Appends the next part to *out; false once this was the last part. An
  // error ends the response early (the connection is closed).
  virtual Result<bool> Next(std::string* out) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;  // with more: the first part
  Params headers;
  std::unique_ptr<StreamStart> stream;  // non-null: become an SSE stream
  std::shared_ptr<BodySource> more;     // non-null: body continues from here
};

// Where a streaming response goes (the gateway's SSE streamer): the server
// hands the socket over, so a stream holds no worker thread. Reserve and
// Unreserve are called from worker threads, Run from a worker (live only) or
// from a thread of its own (replay), which the server joins on Stop.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Claims a stream slot; false when every slot is taken (the client gets 429).
  virtual bool Reserve() = 0;
  // Gives back a slot claimed by Reserve that no stream will use.
  virtual void Unreserve() = 0;
  // Takes fd (connected, slot reserved) with the extra response headers
  // (CORS); returns when the stream runs elsewhere or the client is gone.
  virtual void Run(int fd, const StreamStart& start, const Params& headers) = 0;
};

// {"error":{"code":...,"message":...}} with the given status.
Response Error(int status, std::string_view code, std::string_view message);
// 200 (or status) with a JSON body.
Response Json(std::string body, int status = 200);
// The reason phrase for a status code ("Not Found").
std::string_view Reason(int status);

// Decodes %XX escapes (and '+' as space when plus_is_space). Fails on a
// truncated or non-hex escape, or a decoded NUL byte.
Status PercentDecode(std::string_view in, bool plus_is_space, std::string* out);
// The one spelling of a decoded path that the token check, the router and
// the static files all see: repeated slashes collapsed, "." segments
// dropped, ".." removing the segment before it (never above the root, as in
// RFC 3986 5.2.4), no trailing slash except for the root itself. So
// "//api/./x/../sessions/" is "/api/sessions".
std::string NormalizePath(std::string_view path);
// Splits "/path?a=1&b=2" into a decoded, normalized (NormalizePath) path and
// query parameters. Fails on bad escapes, a target that does not start with
// '/', or control bytes.
Status ParseTarget(std::string_view target, std::string* path, Params* query);

}  // namespace trace::http
