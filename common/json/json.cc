// See json.h.
#include "common/json/json.h"

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>

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
    if (key.empty() || (s[0] == key[0] && std::memcmp(s, key.data(), key.size()) == 0)) return &it->value;
  }
  return nullptr;
}

std::optional<std::string_view> GetString(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = Find(obj, key);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> GetInt(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = Find(obj, key);
  if (!v) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
  if (v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
  return std::nullopt;
}

std::optional<bool> GetBool(const rapidjson::Value& obj, std::string_view key) {
  const rapidjson::Value* v = Find(obj, key);
  if (!v || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

const rapidjson::Value* GetPath(const rapidjson::Value& v,
                                std::initializer_list<std::string_view> path) {
  const rapidjson::Value* cur = &v;
  for (std::string_view k : path) {
    cur = Find(*cur, k);
    if (!cur) return nullptr;
  }
  return cur;
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

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<int64_t> ParseRfc3339Ms(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) ms *= 10;
  }
  int64_t offset_min = 0;
  if (pos < s.size()) {
    char c = s[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() + 0 || s.size() < pos + 6 ||
          s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om)) {
        return std::nullopt;
      }
      offset_min = (oh * 60 + om) * (c == '+' ? 1 : -1);
      pos += 6;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return secs * 1000 + ms;
}

std::optional<int64_t> TimestampMs(const rapidjson::Value& v) {
  auto scale = [](double x) -> int64_t {
    return static_cast<int64_t>(x < 1e11 ? x * 1000.0 : x);  // seconds vs ms
  };
  if (v.IsInt64()) return scale(static_cast<double>(v.GetInt64()));
  if (v.IsUint64()) return scale(static_cast<double>(v.GetUint64()));
  if (v.IsDouble()) return scale(v.GetDouble());
  if (v.IsString()) return ParseRfc3339Ms(std::string_view(v.GetString(), v.GetStringLength()));
  return std::nullopt;
}

std::string FormatRfc3339Ms(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int frac = static_cast<int>(ms - secs * 1000);
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
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
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; min = 0x10000; }
  else return 0;
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
