// A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3", RFC 8536 §3.3 footer of a
// TZif file): the UTC offset it gives at any instant. TZif files list the
// transitions up to some year and leave later times to this rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace {

class PosixTzRule {
 public:
  // Parses std offset [dst [offset] [,start[/time],end[/time]]]. A dst
  // name without a rule takes the US rule (M3.2.0,M11.1.0), as POSIX says.
  static Result<PosixTzRule> Parse(std::string_view spec);

  // Seconds east of UTC at unix time t (seconds).
  int32_t OffsetAt(int64_t t) const;
  bool has_dst() const { return has_dst_; }

 private:
  struct DateRule {
    char kind = 'M';  // 'J' (1..365, no Feb 29), 'D' (0..365), 'M' (month.week.weekday)
    int a = 0, b = 0, c = 0;
    int32_t time = 7200;  // seconds after local midnight (may be negative or > 24 h)
  };
  // Unix seconds of the rule's day in year, local midnight, as if UTC.
  static int64_t DayStart(const DateRule& r, int year);

  int32_t std_offset_ = 0, dst_offset_ = 0;  // seconds east of UTC
  bool has_dst_ = false;
  DateRule start_, end_;
};

}  // namespace trace
