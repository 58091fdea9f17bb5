// See json.h.
#include "common/json/json.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/base/clock.h"

namespace trace::json {

std::string Serialize(const rapidjson::Value& v) {
  StringWriter w;
  w.Value(v);
  return w.Take();
}

const rapidjson::Value* Find(const rapidjson::Value& obj, std::string_view key) {
  if (!obj.IsObject()) return nullptr;
  // The store looks up ~30 keys per event: compare length and first byte
  // inline before memcmp (first match wins, as with FindMember).
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    const rapidjson::Value& name = it->name;
    if (name.GetStringLength() != key.size()) continue;
    const char* s = name.GetString();
    if (key.empty() || (s[0] == key[0] && std::memcmp(s, key.data(), key.size()) == 0))
      return &it->value;
  }
  return nullptr;
}

std::optional<std::string_view> GetString(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = Find(obj, key);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

namespace {

// A double's integer part, or nullopt when no int64 holds it (converting
// such a double is undefined behaviour, not a wrap).
std::optional<int64_t> ToInt64(double x) {
  if (!(x >= -0x1p63 && x < 0x1p63)) return std::nullopt;
  return static_cast<int64_t>(x);
}

}  // namespace

std::optional<int64_t> GetInt(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = Find(obj, key);
  if (!v) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
  if (v->IsDouble()) return ToInt64(v->GetDouble());
  return std::nullopt;
}

std::optional<bool> GetBool(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = Find(obj, key);
  if (!v || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

MemberSet::MemberSet(std::initializer_list<std::string_view> names) : names_(names) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].size() > kMaxLength) std::abort();  // a programming error, caught by any test
    by_length_[names_[i].size()].push_back(static_cast<uint8_t>(i));
  }
}

void MemberSet::Find(const rapidjson::Value& obj, const rapidjson::Value** found) const {
  std::fill(found, found + names_.size(), nullptr);
  if (!obj.IsObject()) return;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    size_t len = it->name.GetStringLength();
    if (len > kMaxLength) continue;
    const char* s = it->name.GetString();
    for (uint8_t i : by_length_[len]) {
      if (!found[i] && std::memcmp(s, names_[i].data(), len) == 0) {
        found[i] = &it->value;
        break;
      }
    }
  }
}

std::optional<int64_t> TimestampMs(const rapidjson::Value& v) {
  auto scale = [](double x) { return ToInt64(x < 1e11 ? x * 1000.0 : x); };  // seconds vs ms
  if (v.IsInt64()) return scale(static_cast<double>(v.GetInt64()));
  if (v.IsUint64()) return scale(static_cast<double>(v.GetUint64()));
  if (v.IsDouble()) return scale(v.GetDouble());
  if (v.IsString())
    return trace::ParseRfc3339Ms(std::string_view(v.GetString(), v.GetStringLength()));
  return std::nullopt;
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SeqLen(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned min;
  unsigned cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  // trace-tail checks every line: skip ASCII eight bytes at a time and
  // check multi-byte sequences inline (RFC 3629: no overlongs, no
  // surrogates, nothing above U+10FFFF).
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  while (i < n) {
    uint64_t word;
    if (i + 8 <= n && (std::memcpy(&word, p + i, 8), (word & 0x8080808080808080ULL) == 0)) {
      i += 8;
      continue;
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
    } else if (c >= 0xC2 && c <= 0xDF) {
      if (!cont(1)) return false;
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(1) || !cont(2)) return false;
      if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] > 0x9F)) return false;
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return false;
      if ((c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] > 0x8F)) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SeqLen(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace trace::json
