// Fuzzes the gateway's HTTP/1.x request parser (common/http/request_parser.h)
// on a byte stream of pipelined requests. Invariants: no crash; Feed never
// consumes more than it is given; a request is complete only when its body
// is within the limit; errors carry one of the documented statuses; and
// feeding the stream in small pieces gives exactly the requests and the
// error that feeding it whole does (the parser is truly incremental).
#include <string>
#include <string_view>
#include <vector>

#include "common/http/request_parser.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

using trace::http::RequestParser;

struct Outcome {
  std::vector<std::string> requests;  // method, target, headers and body of each
  int error_status = 0;
  bool operator==(const Outcome&) const = default;
};

std::string Describe(const trace::http::RawRequest& r) {
  std::string d = r.method + ' ' + r.target + ' ' + std::to_string(r.minor_version) + '\n';
  for (const auto& [name, value] : r.headers) d += name + ':' + value + '\n';
  return d + (r.keep_alive ? "keep\n" : "close\n") + r.body;
}

// Feeds the stream in pieces of at most `piece` bytes.
Outcome Parse(std::string_view stream, size_t piece, const trace::http::ParseLimits& limits) {
  RequestParser parser(limits);
  Outcome out;
  while (!stream.empty()) {
    std::string_view part = stream.substr(0, piece);
    size_t used = parser.Feed(part);
    FUZZ_CHECK(used <= part.size());
    stream.remove_prefix(used);
    switch (parser.state()) {
      case RequestParser::State::kDone:
        FUZZ_CHECK(parser.request().body.size() <= limits.max_body);
        out.requests.push_back(Describe(parser.request()));
        parser.Reset();
        break;
      case RequestParser::State::kError: {
        int s = parser.error_status();
        FUZZ_CHECK(s == 400 || s == 413 || s == 414 || s == 417 || s == 431 || s == 501 ||
                   s == 505);
        FUZZ_CHECK(!parser.error().empty());
        out.error_status = s;
        return out;
      }
      case RequestParser::State::kNeedMore:
        FUZZ_CHECK(used == part.size());  // needing more, it takes all it is given
        break;
      case RequestParser::State::kHeadDone:
        break;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  trace::http::ParseLimits limits;
  limits.max_request_line = 256;  // small, so every limit is reachable
  limits.max_header_bytes = 1024;
  limits.max_headers = 16;
  limits.max_body = 512;
  Outcome whole = Parse(stream, stream.size() + 1, limits);
  FUZZ_CHECK(Parse(stream, 1, limits) == whole);
  FUZZ_CHECK(Parse(stream, 7, limits) == whole);
  return 0;
}
