// Fuzzes the two JSON entry points every input goes through (json_parse.h,
// json_insitu.h). Invariants: no crash or stack overflow at any depth, the
// depth limit holds, and a document ParseLine accepts re-serializes to JSON
// that Parse accepts again as the same values.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "common/json/json_insitu.h"
#include "common/json/json_parse.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

unsigned Depth(const rapidjson::Value& v) {
  // Recursion is bounded: the parser has already refused anything deeper.
  unsigned deepest = 0;
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) deepest = std::max(deepest, Depth(e));
    return deepest + 1;
  }
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) deepest = std::max(deepest, Depth(m.value));
    return deepest + 1;
  }
  return 0;
}

// Equal values, doubles up to rounding: RapidJSON's default (fast) number
// parsing may land one ulp away from what its writer printed.
bool Same(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsDouble() && b.IsDouble()) {
    double x = a.GetDouble(), y = b.GetDouble();
    return x == y || std::fabs(x - y) <= 1e-15 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.GetType() != b.GetType()) return false;
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!Same(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (auto m = a.MemberBegin(), n = b.MemberBegin(); m != a.MemberEnd(); ++m, ++n) {
      if (m->name != n->name || !Same(m->value, n->value)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr unsigned kLimit = 64;  // small, so the limit itself gets exercised
  rapidjson::Document copied;
  bool copied_ok = trace::json::Parse(&copied, text, kLimit).ok();
  if (copied_ok) FUZZ_CHECK(Depth(copied) <= kLimit);

  static trace::json::InsituBuffer buffer;
  rapidjson::Document in_place;
  if (!trace::json::ParseLine(&in_place, &buffer, text, kLimit).ok()) return 0;
  FUZZ_CHECK(Depth(in_place) <= kLimit);
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  FUZZ_CHECK(in_place.Accept(writer));
  rapidjson::Document again;
  FUZZ_CHECK(
      trace::json::Parse(&again, std::string_view(out.GetString(), out.GetSize()), kLimit).ok());
  FUZZ_CHECK(Same(again, in_place));
  return 0;
}
