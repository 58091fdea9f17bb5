// The request parser's state machine: head (request line and header fields,
// found by the blank line), then a Content-Length or chunked body. Framing is
// checked before any body byte is read, so an ambiguous message is refused
// whole (no request smuggling through a second reader's interpretation).
#include "common/http/request_parser.h"

#include <algorithm>

namespace trace::http {

namespace {

constexpr size_t kMaxChunkLine = 1024;

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal of at most 18 digits (no sign, no blanks); false otherwise.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// True when the comma-separated list s holds token (case-insensitive).
bool ListHas(std::string_view s, std::string_view token) {
  while (!s.empty()) {
    size_t comma = s.find(',');
    if (Lower(Trim(s.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string_view RawRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

RequestParser::RequestParser(ParseLimits limits) : limits_(limits) {}

void RequestParser::Reset() {
  state_ = State::kNeedMore;
  phase_ = Phase::kHead;
  started_ = false;
  std::string().swap(head_);
  line_.clear();
  remaining_ = 0;
  request_ = RawRequest();
  error_status_ = 0;
  error_.clear();
}

bool RequestParser::in_body() const {
  return phase_ != Phase::kHead && phase_ != Phase::kDone && state_ != State::kError;
}

bool RequestParser::Fail(int status, std::string message) {
  state_ = State::kError;
  error_status_ = status;
  error_ = std::move(message);
  return false;
}

size_t RequestParser::Feed(std::string_view data) {
  if (state_ == State::kDone || state_ == State::kError) return 0;
  if (state_ == State::kHeadDone) state_ = State::kNeedMore;
  size_t used = 0;
  if (phase_ == Phase::kHead) {
    used = FeedHead(data);
    if (state_ != State::kNeedMore || phase_ == Phase::kHead) return used;
  }
  data.remove_prefix(used);
  if (phase_ == Phase::kBody) return used + FeedBody(data);
  return used + FeedChunked(data);
}

namespace {

// How many bytes at the end of text are a proper prefix of terminator: the
// start of a terminator that has not fully arrived.
size_t PendingEnd(std::string_view text, std::string_view terminator) {
  for (size_t n = std::min(terminator.size() - 1, text.size()); n > 0; --n) {
    if (text.substr(text.size() - n) == terminator.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

size_t RequestParser::FeedHead(std::string_view data) {
  // Blank lines before a request are ignored (RFC 9112 2.2), as are they
  // between keep-alive requests.
  size_t skipped = 0;
  if (head_.empty()) {
    while (skipped < data.size() && (data[skipped] == '\r' || data[skipped] == '\n')) ++skipped;
    data.remove_prefix(skipped);
    if (data.empty()) return skipped;
  }
  started_ = true;
  size_t old = head_.size();
  size_t room = limits_.max_header_bytes + 4 - old;
  head_.append(data.substr(0, room));
  size_t from = old >= 3 ? old - 3 : 0;
  size_t end = head_.find("\r\n\r\n", from);
  if (end == std::string::npos) {
    // The limits count neither the line's CRLF nor the head's final CRLFCRLF,
    // so the start of one at the end is not yet over them: fed in pieces or
    // whole, a request gets the same answer.
    size_t line_end = head_.find("\r\n");
    if (line_end == std::string::npos
            ? head_.size() - PendingEnd(head_, "\r\n") > limits_.max_request_line
            : line_end > limits_.max_request_line) {
      Fail(414, "request line longer than " + std::to_string(limits_.max_request_line) + " bytes");
    } else if (head_.size() - PendingEnd(head_, "\r\n\r\n") > limits_.max_header_bytes) {
      Fail(431, "request head larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
    }
    return skipped + (head_.size() - old);
  }
  size_t used = end + 4 - old;
  head_.resize(end + 2);  // keep the last header line's CRLF
  if (!ParseHead()) return skipped + used;
  std::string().swap(head_);
  if (phase_ == Phase::kDone) {
    state_ = State::kDone;
  } else {
    state_ = State::kHeadDone;
  }
  return skipped + used;
}

bool RequestParser::ParseHead() {
  std::string_view head = head_;
  size_t eol = head.find("\r\n");
  if (eol > limits_.max_request_line) {
    return Fail(414,
                "request line longer than " + std::to_string(limits_.max_request_line) + " bytes");
  }
  if (head.size() - 2 > limits_.max_header_bytes) {  // head_ ends with the last line's CRLF
    return Fail(431,
                "request head larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
  }
  if (!ParseRequestLine(head.substr(0, eol))) return false;
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    eol = head.find("\r\n");
    if (!ParseHeaderLine(head.substr(0, eol))) return false;
    head.remove_prefix(eol + 2);
  }
  return ParseFraming();
}

bool RequestParser::ParseRequestLine(std::string_view line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Fail(400, "malformed method");
  if (target.empty()) return Fail(400, "empty request target");
  for (unsigned char c : target) {
    if (c <= 0x20 || c == 0x7f) return Fail(400, "control byte in request target");
  }
  // HTTP-version = "HTTP/" DIGIT "." DIGIT; only 1.0 and 1.1 are served.
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Fail(400, "malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Fail(505, "HTTP version " + std::string(version.substr(5)) + " not supported");
  }
  request_.method = std::string(method);
  request_.target = std::string(target);
  request_.minor_version = version[7] - '0';
  return true;
}

bool RequestParser::ParseHeaderLine(std::string_view line) {
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    return Fail(400, "obsolete header line folding");
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
    return Fail(400, "malformed header field");
  }
  std::string_view value = Trim(line.substr(colon + 1));
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return Fail(400, "control byte in header field");
  }
  if (request_.headers.size() >= limits_.max_headers) {
    return Fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
  }
  request_.headers.emplace_back(Lower(line.substr(0, colon)), std::string(value));
  return true;
}

bool RequestParser::ParseFraming() {
  bool has_length = false, chunked = false;
  uint64_t length = 0;
  int hosts = 0;
  for (const auto& [name, value] : request_.headers) {
    if (name == "content-length") {
      // Repeated (or listed) values must all be the same number.
      std::string_view rest = value;
      while (true) {
        size_t comma = rest.find(',');
        uint64_t v = 0;
        if (!ParseDecimal(Trim(rest.substr(0, comma)), &v)) {
          return Fail(400, "Content-Length '" + value.substr(0, 40) + "' is not a number");
        }
        if (has_length && v != length) return Fail(400, "conflicting Content-Length values");
        has_length = true;
        length = v;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (name == "transfer-encoding") {
      if (chunked || Lower(value) != "chunked") {
        return Fail(501, "Transfer-Encoding '" + value.substr(0, 40) + "' not supported");
      }
      chunked = true;
    } else if (name == "host") {
      ++hosts;
    } else if (name == "connection") {
      if (ListHas(value, "close")) request_.keep_alive = false;
      if (ListHas(value, "keep-alive") && request_.minor_version == 0) request_.keep_alive = true;
    } else if (name == "expect") {
      if (Lower(value) != "100-continue") return Fail(417, "Expect '" + value.substr(0, 40) + "'");
      request_.expect_continue = request_.minor_version == 1;
    }
  }
  if (request_.minor_version == 0 && request_.Header("connection").empty()) {
    request_.keep_alive = false;
  }
  if (hosts > 1) return Fail(400, "more than one Host header");
  if (hosts == 0 && request_.minor_version == 1) return Fail(400, "HTTP/1.1 request without Host");
  if (chunked && has_length) return Fail(400, "both Content-Length and Transfer-Encoding");
  if (chunked && request_.minor_version == 0) return Fail(400, "chunked body in HTTP/1.0");
  if (has_length && length > limits_.max_body) {
    return Fail(413, "request body larger than " + std::to_string(limits_.max_body) + " bytes");
  }
  if (chunked) {
    phase_ = Phase::kChunkSize;
  } else if (length > 0) {
    phase_ = Phase::kBody;
    remaining_ = length;
    request_.body.reserve(length);
  } else {
    phase_ = Phase::kDone;
  }
  if (phase_ == Phase::kDone) request_.expect_continue = false;
  return true;
}

size_t RequestParser::FailAt(int status, std::string message, size_t used) {
  Fail(status, std::move(message));
  return used;
}

size_t RequestParser::FeedBody(std::string_view data) {
  size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
  request_.body.append(data.substr(0, n));
  remaining_ -= n;
  if (remaining_ == 0) {
    phase_ = Phase::kDone;
    state_ = State::kDone;
  }
  return n;
}

size_t RequestParser::FeedLine(std::string_view data, size_t max, bool* complete) {
  *complete = false;
  size_t nl = data.find('\n');
  size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  line_.append(data.substr(0, take));
  if (line_.size() > max + 2) {
    Fail(400, "chunk line too long");
    return take;
  }
  if (nl == std::string_view::npos) return take;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    Fail(400, "chunk line not ended by CRLF");
    return take;
  }
  line_.resize(line_.size() - 2);
  *complete = true;
  return take;
}

size_t RequestParser::FeedChunked(std::string_view data) {
  size_t used = 0;
  while (state_ == State::kNeedMore && used < data.size()) {
    std::string_view rest = data.substr(used);
    bool complete = false;
    switch (phase_) {
      case Phase::kChunkSize: {
        used += FeedLine(rest, kMaxChunkLine, &complete);
        if (!complete) break;
        // chunk-size [ chunk-ext ]: the size in hex; extensions are ignored.
        std::string_view size = Trim(std::string_view(line_).substr(0, line_.find(';')));
        uint64_t v = 0;
        if (size.empty() || size.size() > 15) return FailAt(400, "bad chunk size", used);
        for (char c : size) {
          int d = (c >= '0' && c <= '9')   ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                           : -1;
          if (d < 0) return FailAt(400, "bad chunk size", used);
          v = v * 16 + static_cast<uint64_t>(d);
        }
        line_.clear();
        if (v > limits_.max_body - request_.body.size()) {
          return FailAt(
              413, "request body larger than " + std::to_string(limits_.max_body) + " bytes", used);
        }
        remaining_ = v;
        phase_ = v == 0 ? Phase::kTrailer : Phase::kChunkData;
        break;
      }
      case Phase::kChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        request_.body.append(rest.substr(0, n));
        remaining_ -= n;
        used += n;
        if (remaining_ == 0) phase_ = Phase::kChunkEnd;
        break;
      }
      case Phase::kChunkEnd:
        used += FeedLine(rest, kMaxChunkLine, &complete);
        if (complete && !line_.empty()) return FailAt(400, "chunk data longer than its size", used);
        if (complete) phase_ = Phase::kChunkSize;
        break;
      case Phase::kTrailer:
        // Trailer fields are read and dropped; the empty line ends the body.
        used += FeedLine(rest, kMaxChunkLine, &complete);
        if (!complete) break;
        remaining_ += line_.size() + 2;  // trailer bytes so far
        if (remaining_ > limits_.max_header_bytes) return FailAt(431, "trailer too large", used);
        if (line_.empty()) {
          phase_ = Phase::kDone;
          state_ = State::kDone;
        }
        line_.clear();
        break;
      default:
        return used;
    }
  }
  return used;
}

}  // namespace trace::http
