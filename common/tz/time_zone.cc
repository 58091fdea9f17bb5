// See time_zone.h. TZif layout (RFC 8536 §3): a 44-byte header with six
// counts, the v1 (32-bit) data block, and for v2+ a second header, the
// 64-bit block and a "\n<POSIX TZ>\n" footer for times past the table.
#include "common/tz/time_zone.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace trace {
namespace {

constexpr size_t kHeaderSize = 44;

struct TzifCounts {
  uint32_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
  // Bytes of the data block for 4- or 8-byte times.
  size_t BlockSize(size_t time_size) const {
    return time * time_size + time + size_t{type} * 6 + chars + leap * (time_size + 4) + isstd +
           isut;
  }
};

uint32_t Be32(std::string_view b, size_t at) {
  return (uint32_t(uint8_t(b[at])) << 24) | (uint32_t(uint8_t(b[at + 1])) << 16) |
         (uint32_t(uint8_t(b[at + 2])) << 8) | uint32_t(uint8_t(b[at + 3]));
}

int64_t BeSigned(std::string_view b, size_t at, size_t size) {
  if (size == 4) return static_cast<int32_t>(Be32(b, at));
  return static_cast<int64_t>((uint64_t(Be32(b, at)) << 32) | Be32(b, at + 4));
}

Result<TzifCounts> ReadHeader(std::string_view b, size_t at, char* version) {
  if (b.size() < at + kHeaderSize || b.substr(at, 4) != "TZif") {
    return Status::Error("not a TZif file");
  }
  *version = b[at + 4];
  TzifCounts c{Be32(b, at + 20), Be32(b, at + 24), Be32(b, at + 28),
               Be32(b, at + 32), Be32(b, at + 36), Be32(b, at + 40)};
  if (c.type == 0 || (c.isut != 0 && c.isut != c.type) || (c.isstd != 0 && c.isstd != c.type)) {
    return Status::Error("bad TZif counts");
  }
  if (b.size() < at + kHeaderSize + c.BlockSize(4)) return Status::Error("truncated TZif file");
  return c;
}

// A name under the zoneinfo directory: letters, digits, "_+-/", no "..".
bool PlausibleZoneName(std::string_view n) {
  if (n.empty() || n.size() > 128 || n.front() == '/' || n.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(n.begin(), n.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '+' || ch == '-' || ch == '/';
  });
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) return std::nullopt;
  return ss.str();
}

std::string ZoneDir() {
  const char* dir = std::getenv("TZDIR");  // NOLINT(concurrency-mt-unsafe): read, never set
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

Result<TimeZone> LoadNamed(const std::string& name) {
  if (!PlausibleZoneName(name)) return Status::Error("unknown time zone '" + name + "'");
  auto bytes = ReadSmallFile(ZoneDir() + "/" + name);
  if (!bytes) return Status::Error("unknown time zone '" + name + "'");
  auto tz = TimeZone::FromTzif(name, *bytes);
  if (!tz) return tz.status().Wrap("time zone '" + name + "'");
  return tz;
}

// $TZ (":Name", "Name" or a POSIX rule), else /etc/localtime, else UTC.
Result<TimeZone> LoadLocal() {
  const char* env = std::getenv("TZ");  // NOLINT(concurrency-mt-unsafe): read, never set
  if (env && *env) {
    std::string tz = env[0] == ':' ? env + 1 : env;
    if (auto named = LoadNamed(tz)) return named;
    if (auto rule = TimeZone::FromPosixRule(tz)) return rule;
  }
  if (auto bytes = ReadSmallFile("/etc/localtime")) {
    std::string name = "localtime";
    if (auto tz = TimeZone::FromTzif(name, *bytes)) return tz;
  }
  return TimeZone::Utc();
}

}  // namespace

TimeZone TimeZone::Utc() {
  TimeZone tz;
  tz.name_ = "UTC";
  return tz;
}

Result<TimeZone> TimeZone::FromPosixRule(std::string spec) {
  auto rule = PosixTzRule::Parse(spec);
  if (!rule) return rule.status();
  TimeZone tz;
  tz.name_ = std::move(spec);
  tz.initial_offset_ = rule->OffsetAt(0);
  tz.footer_ = *rule;
  return tz;
}

Result<TimeZone> TimeZone::FromTzif(std::string name, std::string_view b) {
  char version = 0;
  auto v1 = ReadHeader(b, 0, &version);
  if (!v1) return v1.status();
  size_t at = kHeaderSize, time_size = 4;
  TzifCounts c = *v1;
  if (version >= '2') {
    at += v1->BlockSize(4);
    auto v2 = ReadHeader(b, at, &version);
    if (!v2) return v2.status();
    c = *v2;
    at += kHeaderSize;
    time_size = 8;
    if (b.size() < at + c.BlockSize(8)) return Status::Error("truncated TZif file");
  }
  TimeZone tz;
  tz.name_ = std::move(name);
  size_t types_at = at + c.time * time_size + c.time;
  auto offset_of = [&](size_t type) { return static_cast<int32_t>(Be32(b, types_at + type * 6)); };
  tz.initial_offset_ = offset_of(0);  // RFC 8536: time type 0 before the first transition
  for (uint32_t i = 0; i < c.time; ++i) {
    uint8_t type = static_cast<uint8_t>(b[at + c.time * time_size + i]);
    if (type >= c.type) return Status::Error("bad TZif transition type");
    int64_t t = BeSigned(b, at + i * time_size, time_size);
    if (!tz.transitions_.empty() && t <= tz.transitions_.back()) {
      return Status::Error("TZif transitions out of order");
    }
    tz.transitions_.push_back(t);
    tz.offsets_.push_back(offset_of(type));
  }
  if (time_size == 8) {
    size_t footer_at = at + c.BlockSize(8);
    if (footer_at < b.size() && b[footer_at] == '\n') {
      size_t end = b.find('\n', footer_at + 1);
      std::string_view spec =
          b.substr(footer_at + 1,
                   end == std::string_view::npos ? std::string_view::npos : end - footer_at - 1);
      if (!spec.empty()) {
        auto rule = PosixTzRule::Parse(spec);
        if (!rule) return rule.status();
        tz.footer_ = *rule;
      }
    }
  }
  return tz;
}

Result<std::shared_ptr<const TimeZone>> TimeZone::Find(std::string_view name_in) {
  std::string name(name_in == "local" ? "" : name_in);
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  Result<TimeZone> tz = name.empty()                                          ? LoadLocal()
                        : (name == "UTC" || name == "Etc/UTC" || name == "Z") ? Utc()
                                                                              : LoadNamed(name);
  if (!tz) return tz.status();
  if (cache.size() > 512) cache.clear();  // hostile tz parameters cannot grow it without bound
  auto shared = std::make_shared<const TimeZone>(std::move(*tz));
  cache.emplace(name, shared);
  return shared;
}

int32_t TimeZone::OffsetAt(int64_t t) const {
  if (transitions_.empty() || t < transitions_.front()) {
    if (transitions_.empty() && footer_) return footer_->OffsetAt(t);
    return initial_offset_;
  }
  if (footer_ && t >= transitions_.back()) return footer_->OffsetAt(t);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  return offsets_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

CivilDay TimeZone::DayOf(int64_t ms) const {
  int64_t t = FloorDiv(ms, 1000);
  return CivilFromDays(FloorDiv(t + OffsetAt(t), 86400));
}

int64_t TimeZone::StartOfDay(const CivilDay& d) const {
  int64_t local_midnight = DaysFromCivil(d) * 86400;
  // Try the offsets in force around that midnight; the earliest instant that
  // falls on day d is the start (a gap at midnight moves it later).
  int64_t best = INT64_MAX;
  for (int64_t probe : {local_midnight - 86400, local_midnight, local_midnight + 86400}) {
    int64_t utc = local_midnight - OffsetAt(probe);
    if (DayOf(utc * 1000) == d) best = std::min(best, utc);
  }
  if (best == INT64_MAX) best = local_midnight - OffsetAt(local_midnight);  // not reached
  return best * 1000;
}

}  // namespace trace
