// Proleptic Gregorian calendar arithmetic on whole days (H. Hinnant's
// algorithms): a civil date <-> days since 1970-01-01, weekdays, month
// lengths. Pure functions; the time-zone code and the usage reports share them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trace {

struct CivilDay {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  bool operator==(const CivilDay&) const = default;
};

// Days since 1970-01-01 (negative before).
int64_t DaysFromCivil(const CivilDay& d);
CivilDay CivilFromDays(int64_t days);
// 0 = Sunday … 6 = Saturday.
int WeekdayOfDays(int64_t days);
bool IsLeapYear(int year);
int DaysInMonth(int year, int month);
// Floor division for the second/day arithmetic of negative times.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// "2026-03-29".
std::string FormatCivilDay(const CivilDay& d);
// "2026-03-29" or "20260329" (a valid date); nullopt otherwise.
std::optional<CivilDay> ParseCivilDay(std::string_view s);

}  // namespace trace
