// Request bodies sent with Content-Encoding: gzip (the OTLP exporters' default
// compression), inflated with a cap on the output so a gzip bomb costs at most
// the cap. zlib behind a plain function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace::http {

struct Inflated {
  std::string body;
  bool too_large = false;  // the output passed max_bytes (the caller answers 413)
};

// Inflates one gzip member (RFC 1952) into at most max_bytes. An error means
// the input is not one whole, valid gzip member (truncated, bad CRC, not gzip,
// bytes after its end).
Result<Inflated> Gunzip(std::string_view gzip, size_t max_bytes);

}  // namespace trace::http
