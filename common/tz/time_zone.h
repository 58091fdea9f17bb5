// Time zones from the system's TZif files (/usr/share/zoneinfo, RFC 8536;
// $TZDIR overrides): the UTC offset at an instant and local days, for the
// usage reports' --timezone / tz. Immutable once loaded, so any thread may
// use one; TimeZone::Find caches loaded zones behind one mutex. No setenv.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/tz/civil.h"
#include "common/tz/posix_tz.h"

namespace trace {

class TimeZone {
 public:
  // The zone called name: "UTC" (also "Etc/UTC", "Z"), an IANA name read from
  // the zoneinfo directory, or "" / "local" for the machine's zone ($TZ when it
  // names a zone or is a POSIX rule, else /etc/localtime, else UTC). Cached:
  // the same name gives the same object. Unknown name: "unknown time zone 'x'".
  static Result<std::shared_ptr<const TimeZone>> Find(std::string_view name);
  // Parses TZif bytes (versions 1-4; the 64-bit block and the footer rule
  // when present). name is what name() reports.
  static Result<TimeZone> FromTzif(std::string name, std::string_view bytes);
  // A zone that is only a POSIX rule ("EST5EDT,M3.2.0,M11.1.0"), as $TZ may be.
  static Result<TimeZone> FromPosixRule(std::string spec);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // Seconds east of UTC at unix time t (seconds).
  int32_t OffsetAt(int64_t t) const;
  // The local civil day of an instant (ms epoch).
  CivilDay DayOf(int64_t ms) const;
  // The instant (ms epoch) a local civil day starts: its first local midnight,
  // or the first instant of the day when midnight is skipped by a transition.
  int64_t StartOfDay(const CivilDay& d) const;

 private:
  std::string name_;
  std::vector<int64_t> transitions_;   // unix seconds, ascending
  std::vector<int32_t> offsets_;       // offset from transitions_[i] on
  int32_t initial_offset_ = 0;         // before the first transition
  std::optional<PosixTzRule> footer_;  // after the last transition
};

}  // namespace trace
