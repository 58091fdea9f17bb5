// A strict, incremental HTTP/1.x request parser (RFC 9112): bytes in as they
// arrive, a complete request out, or an error with the status to answer
// (400, 413, 414, 417, 431, 501, 505). Only a complete body is ever a request: a
// short Content-Length body or a chunked body without its last chunk stays
// "need more" until the connection ends. One parser per connection; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/http/http_message.h"

namespace trace::http {

struct ParseLimits {
  size_t max_request_line = 8192;   // then 414
  size_t max_header_bytes = 65536;  // the whole head; then 431
  size_t max_headers = 100;         // then 431
  size_t max_body = 1 << 20;        // declared or received; then 413
};

// One parsed request: method, target and headers as sent (names lower-cased).
struct RawRequest {
  std::string method;
  std::string target;
  int minor_version = 1;  // HTTP/1.<minor>
  Params headers;         // lower-case names, values without surrounding blanks
  std::string body;       // de-chunked
  bool keep_alive = true;
  bool expect_continue = false;  // "Expect: 100-continue"

  // The first header with that lower-case name, or "".
  std::string_view Header(std::string_view name) const;
};

class RequestParser {
 public:
  enum class State { kNeedMore, kHeadDone, kDone, kError };

  explicit RequestParser(ParseLimits limits);
  // Consumes bytes of data up to the end of one request; returns how many
  // (the rest belongs to the next, pipelined request). kHeadDone is reported
  // once, when the head is complete and a body follows (the caller may send
  // 100 Continue); call Feed again with the rest.
  size_t Feed(std::string_view data);
  State state() const { return state_; }
  // True once any byte of the current request has arrived.
  bool started() const { return started_; }
  // True while the head is complete and the body is being read.
  bool in_body() const;
  // On kError: the status to answer (400, 413, 414, 417, 431, 501, 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error() const { return error_; }
  // On kDone (or kHeadDone: all but the body): the request. Take it, then Reset.
  RawRequest& request() { return request_; }
  // Ready for the next request on the same connection.
  void Reset();

 private:
  enum class Phase { kHead, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailer, kDone };
  size_t FeedHead(std::string_view data);
  size_t FeedBody(std::string_view data);
  size_t FeedChunked(std::string_view data);
  // Reads one CRLF-ended line of a chunked body into line_ (up to max bytes).
  // Returns bytes consumed; *complete when the line is whole (line_ without CRLF).
  size_t FeedLine(std::string_view data, size_t max, bool* complete);
  bool ParseHead();
  bool ParseRequestLine(std::string_view line);
  bool ParseHeaderLine(std::string_view line);
  bool ParseFraming();
  bool Fail(int status, std::string message);
  size_t FailAt(int status, std::string message, size_t used);  // Fail, then used

  const ParseLimits limits_;
  State state_ = State::kNeedMore;
  Phase phase_ = Phase::kHead;
  bool started_ = false;
  std::string head_;        // bytes of the head so far
  std::string line_;        // a chunk-size or trailer line so far
  uint64_t remaining_ = 0;  // body or chunk bytes still to come
  RawRequest request_;
  int error_status_ = 0;
  std::string error_;
};

}  // namespace trace::http
