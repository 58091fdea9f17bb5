// Fuzzes the request-target parsing every HTTP request goes through before
// the token check and the router (http_message.h). Invariants: no crash, and
// the normalized path is canonical: absolute, no empty, "." or ".."
// segments, no trailing slash but the root, and normalizing it again
// changes nothing (so no spelling of a path can slip past the token check).
#include <string>
#include <string_view>

#include "common/http/http_message.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

void CheckCanonical(const std::string& path) {
  FUZZ_CHECK(!path.empty() && path[0] == '/');
  FUZZ_CHECK(path.find("//") == std::string::npos);
  FUZZ_CHECK(path == "/" || path.back() != '/');
  FUZZ_CHECK(path.find("/./") == std::string::npos && path.find("/../") == std::string::npos);
  FUZZ_CHECK(!path.ends_with("/.") && !path.ends_with("/.."));
  FUZZ_CHECK(trace::http::NormalizePath(path) == path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  if (!target.empty() && target[0] == '/') CheckCanonical(trace::http::NormalizePath(target));
  std::string path;
  trace::http::Params query;
  if (trace::http::ParseTarget(target, &path, &query).ok()) CheckCanonical(path);
  std::string decoded;
  (void)trace::http::PercentDecode(target, true, &decoded);
  return 0;
}
