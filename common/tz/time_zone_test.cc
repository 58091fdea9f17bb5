// Time zones: the system's TZif files across DST changes (a 23-hour and a
// 25-hour day), the footer rule past the table, and the POSIX rules alone.
// Expected instants are worked out by hand in the comments.
#include "common/tz/time_zone.h"

#include <gtest/gtest.h>

#include "common/base/clock.h"

namespace trace {
namespace {

int64_t Ms(const char* rfc3339) { return *ParseRfc3339Ms(rfc3339); }
int64_t S(const char* rfc3339) { return Ms(rfc3339) / 1000; }

std::shared_ptr<const TimeZone> Zone(const char* name) {
  auto tz = TimeZone::Find(name);
  EXPECT_TRUE(tz.ok()) << tz.status().message();
  return tz.ok() ? *tz : std::make_shared<const TimeZone>(TimeZone::Utc());
}

TEST(CivilTest, DaysAndWeekdays) {
  // 56 years of 365 days + 14 leap days (1972..2024) + Jan, Feb, 28 of March.
  EXPECT_EQ(DaysFromCivil({2026, 3, 29}), 56 * 365 + 14 + 31 + 28 + 28);
  EXPECT_EQ(CivilFromDays(56 * 365 + 14 + 31 + 28 + 28), (CivilDay{2026, 3, 29}));
  EXPECT_EQ(CivilFromDays(-1), (CivilDay{1969, 12, 31}));
  EXPECT_EQ(WeekdayOfDays(0), 4);                             // 1970-01-01, a Thursday
  EXPECT_EQ(WeekdayOfDays(DaysFromCivil({2026, 3, 29})), 0);  // a Sunday
  EXPECT_EQ(WeekdayOfDays(-1), 3);
  EXPECT_EQ(ParseCivilDay("20260329"), (CivilDay{2026, 3, 29}));
  EXPECT_EQ(ParseCivilDay("2026-02-29"), std::nullopt);
  EXPECT_EQ(ParseCivilDay("2028-02-29"), (CivilDay{2028, 2, 29}));
  EXPECT_EQ(ParseCivilDay("2026-3-29"), std::nullopt);
}

// Berlin 2026: CET (+1) until the last Sunday of March, 29 March, 01:00 UTC
// (02:00 local jumps to 03:00): that day has 23 hours.
TEST(TimeZoneTest, BerlinSpringForwardDayHas23Hours) {
  auto tz = Zone("Europe/Berlin");
  EXPECT_EQ(tz->OffsetAt(S("2026-03-29T00:59:59Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(S("2026-03-29T01:00:00Z")), 7200);
  int64_t start = tz->StartOfDay({2026, 3, 29}), next = tz->StartOfDay({2026, 3, 30});
  EXPECT_EQ(start, Ms("2026-03-28T23:00:00Z"));
  EXPECT_EQ(next, Ms("2026-03-29T22:00:00Z"));
  EXPECT_EQ(next - start, 23 * 3600 * 1000LL);
  // 00:30 local on either side of the change: the UTC date is the day before.
  EXPECT_EQ(tz->DayOf(Ms("2026-03-28T23:30:00Z")), (CivilDay{2026, 3, 29}));
  EXPECT_EQ(tz->DayOf(Ms("2026-03-29T22:30:00Z")), (CivilDay{2026, 3, 30}));
  EXPECT_EQ(tz->DayOf(Ms("2026-03-29T21:59:59Z")), (CivilDay{2026, 3, 29}));
}

// New York 2026: EDT (-4) until the first Sunday of November, 1 November,
// 06:00 UTC (02:00 local falls back to 01:00): that day has 25 hours.
TEST(TimeZoneTest, NewYorkFallBackDayHas25Hours) {
  auto tz = Zone("America/New_York");
  EXPECT_EQ(tz->OffsetAt(S("2026-11-01T05:59:59Z")), -4 * 3600);
  EXPECT_EQ(tz->OffsetAt(S("2026-11-01T06:00:00Z")), -5 * 3600);
  int64_t start = tz->StartOfDay({2026, 11, 1}), next = tz->StartOfDay({2026, 11, 2});
  EXPECT_EQ(start, Ms("2026-11-01T04:00:00Z"));
  EXPECT_EQ(next, Ms("2026-11-02T05:00:00Z"));
  EXPECT_EQ(next - start, 25 * 3600 * 1000LL);
  EXPECT_EQ(tz->DayOf(Ms("2026-11-01T04:30:00Z")), (CivilDay{2026, 11, 1}));  // 00:30 EDT
  EXPECT_EQ(tz->DayOf(Ms("2026-11-02T05:30:00Z")), (CivilDay{2026, 11, 2}));  // 00:30 EST
  EXPECT_EQ(tz->DayOf(Ms("2026-11-02T04:30:00Z")), (CivilDay{2026, 11, 1}));  // 23:30 EST
}

// Past the file's transitions the footer rule decides: 2040-03-01 is a
// Thursday (14 years + 4 leap days after Sunday 2026-03-01), so the last
// Sunday of March 2040 is the 25th.
TEST(TimeZoneTest, FooterRuleBeyondTheTable) {
  auto tz = Zone("Europe/Berlin");
  EXPECT_EQ(tz->OffsetAt(S("2040-03-25T00:59:59Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(S("2040-03-25T01:00:00Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(S("2240-07-01T00:00:00Z")), 7200);
}

TEST(TimeZoneTest, HalfHourZoneUtcAndUnknown) {
  EXPECT_EQ(Zone("Asia/Kolkata")->OffsetAt(S("2026-06-01T00:00:00Z")), 5 * 3600 + 1800);
  EXPECT_EQ(Zone("Asia/Kolkata")->DayOf(Ms("2026-06-01T18:29:59Z")), (CivilDay{2026, 6, 1}));
  EXPECT_EQ(Zone("Asia/Kolkata")->DayOf(Ms("2026-06-01T18:30:00Z")), (CivilDay{2026, 6, 2}));
  EXPECT_EQ(Zone("UTC")->OffsetAt(S("2026-06-01T00:00:00Z")), 0);
  EXPECT_EQ(Zone("UTC")->name(), "UTC");
  for (const char* bad : {"Mars/Olympus", "../etc/passwd", "/etc/localtime", "", "Europe"}) {
    if (*bad == '\0') continue;  // "" is the local zone
    auto tz = TimeZone::Find(bad);
    ASSERT_FALSE(tz.ok()) << bad;
    EXPECT_NE(tz.status().message().find("time zone"), std::string::npos);
  }
  EXPECT_EQ(TimeZone::Find("Europe/Berlin")->get(), TimeZone::Find("Europe/Berlin")->get());
}

// A hand-made v2 TZif with no transitions at all: only the footer speaks.
TEST(TimeZoneTest, TzifWithOnlyAFooter) {
  auto be32 = [](uint32_t v) {
    return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  };
  auto header = [&](char version) {
    std::string h = "TZif";
    h += version;
    h += std::string(15, '\0');
    for (uint32_t n : {0u, 0u, 0u, 0u, 1u, 4u}) h += be32(n);  // isut isstd leap time type char
    return h;
  };
  std::string block = be32(3600) + std::string{'\0', '\0'} + std::string("CET\0", 4);
  std::string file = header('2') + block + header('2') + block + "\nCET-1CEST,M3.5.0,M10.5.0/3\n";
  auto tz = TimeZone::FromTzif("test", file);
  ASSERT_TRUE(tz.ok()) << tz.status().message();
  // Last Sunday of October 2026 is the 25th; DST ends at 03:00 CEST = 01:00 UTC.
  EXPECT_EQ(tz->OffsetAt(S("2026-10-25T00:59:59Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(S("2026-10-25T01:00:00Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(S("2026-01-15T12:00:00Z")), 3600);
  EXPECT_FALSE(TimeZone::FromTzif("x", "TZif2 short").ok());
  EXPECT_FALSE(TimeZone::FromTzif("x", file.substr(0, 60)).ok());
}

// Southern hemisphere: DST spans the new year (start > end in the year).
// Sydney 2026: ends first Sunday of April (5th) 03:00 AEDT = 04-04 16:00 UTC,
// starts first Sunday of October (4th) 02:00 AEST = 10-03 16:00 UTC.
TEST(PosixTzRuleTest, SouthernHemisphereAndDefaults) {
  auto r = PosixTzRule::Parse("AEST-10AEDT,M10.1.0,M4.1.0/3");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->OffsetAt(S("2026-01-10T00:00:00Z")), 11 * 3600);
  EXPECT_EQ(r->OffsetAt(S("2026-04-04T15:59:59Z")), 11 * 3600);
  EXPECT_EQ(r->OffsetAt(S("2026-04-04T16:00:00Z")), 10 * 3600);
  EXPECT_EQ(r->OffsetAt(S("2026-10-03T15:59:59Z")), 10 * 3600);
  EXPECT_EQ(r->OffsetAt(S("2026-10-03T16:00:00Z")), 11 * 3600);
  auto quoted = PosixTzRule::Parse("<+0530>-5:30");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->OffsetAt(0), 5 * 3600 + 1800);
  // No rule after the DST name: the US rule, 2nd Sunday of March (8 March 2026).
  auto us = PosixTzRule::Parse("EST5EDT");
  ASSERT_TRUE(us.ok());
  EXPECT_EQ(us->OffsetAt(S("2026-03-08T06:59:59Z")), -5 * 3600);
  EXPECT_EQ(us->OffsetAt(S("2026-03-08T07:00:00Z")), -4 * 3600);
  for (const char* bad : {"", "X1", "CET", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.5.0",
                          "CET-1CEST,M3.5.0,M10.5.0/x", "UTC0 x"}) {
    EXPECT_FALSE(PosixTzRule::Parse(bad).ok()) << bad;
  }
  auto tz = TimeZone::FromPosixRule("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(tz.ok());
  EXPECT_EQ(tz->DayOf(Ms("2026-11-02T05:30:00Z")), (CivilDay{2026, 11, 2}));
}

}  // namespace
}  // namespace trace
