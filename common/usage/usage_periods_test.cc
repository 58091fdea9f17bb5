// The usage reports over hand-placed messages: local days across DST
// changes (Berlin 29 March 2026, 23 h; New York 1 November 2026, 25 h),
// weeks, months, projects and aliases, since/until, order and --last, blocks
// in another zone, the parameter parser, JSON names and the table.
#include "common/usage/usage_periods.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sstream>

#include "common/usage/usage_test_util.h"

namespace trace {
namespace {

using testing::MessageAt;
using testing::TestPrices;

UsagePeriodReport Report(const std::vector<UsageSlot>& slots, UsageParams params,
                         std::vector<std::pair<std::string, std::string>> dirs = {}) {
  auto o = ParseUsageOptions(params, *ParseRfc3339Ms("2027-01-01T00:00:00Z"));
  EXPECT_TRUE(o.ok()) << o.status().message();
  if (!o.ok()) return {};
  o->home = "/home/u";
  return BuildUsagePeriods(slots, dirs, TestPrices(), *o);
}

std::vector<std::pair<std::string, uint64_t>> Keys(const UsagePeriodReport& r) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& row : r.rows) out.emplace_back(row.key, row.totals.tokens.input);
  return out;
}

using KeyList = std::vector<std::pair<std::string, uint64_t>>;

// 00:30 local on 29 and 30 March in Berlin (CET +1 before 01:00 UTC on the
// 29th, CEST +2 after) and 23:45 CEST on the 29th.
const std::vector<UsageSlot> kBerlin = {MessageAt("2026-03-28T23:30:00Z", 1),
                                        MessageAt("2026-03-29T21:45:00Z", 2),
                                        MessageAt("2026-03-29T22:30:00Z", 4)};

TEST(UsagePeriodsTest, BerlinDaysAcrossSpringForward) {
  EXPECT_EQ(Keys(Report(kBerlin, {{"timezone", "Europe/Berlin"}})),
            (KeyList{{"2026-03-29", 1 + 2}, {"2026-03-30", 4}}));
  EXPECT_EQ(Keys(Report(kBerlin, {{"tz", "UTC"}})),
            (KeyList{{"2026-03-28", 1}, {"2026-03-29", 2 + 4}}));
  // since = until = 29 March, Berlin: [03-28 23:00Z, 03-29 22:00Z), 23 hours.
  auto one =
      Report(kBerlin, {{"tz", "Europe/Berlin"}, {"since", "20260329"}, {"until", "2026-03-29"}});
  EXPECT_EQ(Keys(one), (KeyList{{"2026-03-29", 3}}));
  EXPECT_EQ(one.totals.tokens.input, 3u);
}

// New York: 00:30 EDT on 1 November (04:30Z), 23:30 EST the same day
// (04:30Z on the 2nd: the day has 25 hours) and 00:30 EST on the 2nd (05:30Z).
TEST(UsagePeriodsTest, NewYorkDaysAcrossFallBack) {
  std::vector<UsageSlot> slots = {MessageAt("2026-11-01T04:30:00Z", 1),
                                  MessageAt("2026-11-02T04:30:00Z", 2),
                                  MessageAt("2026-11-02T05:30:00Z", 4)};
  EXPECT_EQ(Keys(Report(slots, {{"timezone", "America/New_York"}})),
            (KeyList{{"2026-11-01", 1 + 2}, {"2026-11-02", 4}}));
  EXPECT_EQ(Keys(Report(slots, {{"timezone", "UTC"}})),
            (KeyList{{"2026-11-01", 1}, {"2026-11-02", 2 + 4}}));
}

// 29 March 2026 is a Sunday: with weeks from Monday it closes the week of
// the 23rd; with weeks from Sunday it opens the week of the 29th.
TEST(UsagePeriodsTest, WeeksAndMonthsInTheZone) {
  EXPECT_EQ(Keys(Report(kBerlin, {{"by", "week"}, {"tz", "Europe/Berlin"}})),
            (KeyList{{"2026-03-23", 3}, {"2026-03-30", 4}}));
  EXPECT_EQ(
      Keys(Report(kBerlin, {{"by", "week"}, {"tz", "Europe/Berlin"}, {"week_start", "sunday"}})),
      (KeyList{{"2026-03-29", 7}}));
  // 22:30Z on 31 March is 00:30 on 1 April in Berlin (CEST).
  std::vector<UsageSlot> end_of_march = {MessageAt("2026-03-31T22:30:00Z", 1)};
  EXPECT_EQ(Keys(Report(end_of_march, {{"by", "month"}, {"tz", "Europe/Berlin"}})),
            (KeyList{{"2026-04", 1}}));
  EXPECT_EQ(Keys(Report(end_of_march, {{"by", "month"}, {"tz", "UTC"}})),
            (KeyList{{"2026-03", 1}}));
}

TEST(UsagePeriodsTest, ProjectsAliasesAndFilter) {
  std::vector<UsageSlot> slots = {MessageAt("2026-05-01T10:00:00Z", 1, "s1"),
                                  MessageAt("2026-05-01T11:00:00Z", 2, "s2"),
                                  MessageAt("2026-05-01T12:00:00Z", 4, "s3")};
  std::vector<std::pair<std::string, std::string>> dirs = {{"s1", "/home/u/proj/alpha"},
                                                           {"s2", "/srv/beta"}};
  auto r = Report(slots, {{"by", "project"}, {"project_aliases", "beta=Beta Service"}}, dirs);
  ASSERT_EQ(r.rows.size(), 3u);  // by last activity: alpha 10:00, beta 11:00, unknown 12:00
  EXPECT_EQ(r.rows[0].label, "~/proj/alpha");
  EXPECT_EQ(r.rows[1].label, "Beta Service");
  EXPECT_EQ(r.rows[2].label, "(unknown)");
  EXPECT_EQ(Keys(Report(slots, {{"by", "session"}, {"project", "beta"}}, dirs)),
            (KeyList{{"s2", 2}}));
  EXPECT_EQ(Keys(Report(slots, {{"by", "day"}, {"project", "~/proj/alpha"}, {"tz", "UTC"}}, dirs)),
            (KeyList{{"2026-05-01", 1}}));
  auto sessions = Report(slots, {{"by", "session"}}, dirs);
  EXPECT_EQ(sessions.rows[0].project, "~/proj/alpha");
}

TEST(UsagePeriodsTest, OrderLastAndTotalsOfTheRowsShown) {
  auto r = Report(kBerlin, {{"tz", "UTC"}, {"order", "desc"}, {"last", "1"}});
  EXPECT_EQ(Keys(r), (KeyList{{"2026-03-29", 6}}));
  EXPECT_EQ(r.totals.tokens.input, 6u);
  std::vector<UsageSlot> three = kBerlin;
  three.push_back(MessageAt("2026-04-02T10:00:00Z", 8));
  EXPECT_EQ(Keys(Report(three, {{"tz", "UTC"}, {"order", "desc"}, {"last", "2"}})),
            (KeyList{{"2026-04-02", 8}, {"2026-03-29", 6}}));
}

// Blocks do not depend on the zone: Kolkata (+5:30) sees the same UTC hours.
TEST(UsagePeriodsTest, BlocksAreTheSameInEveryZone) {
  std::vector<UsageSlot> slots = {MessageAt("2026-03-10T08:40:00Z", 1),
                                  MessageAt("2026-03-10T13:05:00Z", 2)};
  auto utc = Report(slots, {{"by", "block"}, {"tz", "UTC"}});
  auto kolkata = Report(slots, {{"by", "block"}, {"tz", "Asia/Kolkata"}});
  EXPECT_EQ(Keys(utc), (KeyList{{"2026-03-10T08:00:00.000Z", 1}, {"2026-03-10T13:00:00.000Z", 2}}));
  EXPECT_EQ(Keys(kolkata), Keys(utc));
  std::ostringstream table;
  PrintUsagePeriods(table, kolkata, 0);
  EXPECT_NE(table.str().find("2026-03-10 13:30"), std::string::npos)
      << table.str();  // 08:00Z local
}

TEST(UsagePeriodsTest, ParametersAreCheckedWithOneLineErrors) {
  int64_t now = 0;
  for (const UsageParams& bad : std::vector<UsageParams>{{{"by", "fortnight"}},
                                                         {{"tz", "Mars/Olympus_Mons"}},
                                                         {{"since", "2026-13-01"}},
                                                         {{"order", "up"}},
                                                         {{"last", "0"}},
                                                         {{"week_start", "someday"}},
                                                         {{"token_limit", "-5"}},
                                                         {{"project_aliases", "novalue"}}}) {
    auto o = ParseUsageOptions(bad, now);
    ASSERT_FALSE(o.ok()) << bad.begin()->first;
    EXPECT_EQ(o.status().message().find('\n'), std::string::npos);
  }
  auto tz = ParseUsageOptions({{"tz", "Nowhere/City"}}, now);
  EXPECT_NE(tz.status().message().find("unknown time zone 'Nowhere/City'"), std::string::npos);
  auto ok = ParseUsageOptions({{"since", "2026-03-29T10:00:00Z"},
                               {"token_limit", "max"},
                               {"week_start", "Sun"},
                               {"breakdown", ""}},
                              now);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(*ok->since_ms, *ParseRfc3339Ms("2026-03-29T10:00:00Z"));
  EXPECT_TRUE(ok->token_limit_max);
  EXPECT_EQ(ok->week_start, 0);
  EXPECT_TRUE(ok->breakdown);
}

TEST(UsagePeriodsTest, JsonNamesAndTableFitEightyColumns) {
  std::vector<UsageSlot> slots = {MessageAt("2026-03-10T08:40:00Z", 1000000),
                                  MessageAt("2026-03-10T09:40:00Z", 5, "s1", "mystery-model")};
  auto r = Report(slots, {{"tz", "UTC"}, {"breakdown", "true"}});
  std::string json = UsagePeriodsJson(r);
  for (const char* field :
       {R"("by":"day")", R"("timezone":"UTC")", R"("week_start":"monday")", R"("day":"2026-03-10")",
        R"("cost_usd":null)", R"("known_cost_usd":3.0)", R"("unknown_models":["mystery-model"])",
        R"("first_message":"2026-03-10T08:40:00.000Z")", R"("model":"claude-test")"}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  }
  std::ostringstream wide, narrow;
  PrintUsagePeriods(wide, r, 0);
  PrintUsagePeriods(narrow, r, 60);
  EXPECT_NE(wide.str().find("1,000,005"), std::string::npos) << wide.str();
  EXPECT_NE(wide.str().find("  - test"), std::string::npos) << wide.str();  // breakdown row
  std::istringstream lines(narrow.str());
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("+?", 0) == 0 || line.rfind("prices", 0) == 0) continue;
    EXPECT_LE(line.size(), 60u) << line;
  }
  EXPECT_NE(narrow.str().find("1.0M"), std::string::npos) << narrow.str();
  EXPECT_NE(narrow.str().find("$3.00+?"), std::string::npos) << narrow.str();
}

}  // namespace
}  // namespace trace

namespace trace {
namespace {

// Claude Code's own cost of OTel requests sums per row and in the totals,
// beside (never in) our priced cost_usd; rows without any say null.
TEST(UsagePeriodsTest, ReportedCostIsBesideThePricedCost) {
  std::vector<UsageSlot> slots = {testing::MessageAt("2026-03-10T10:00:00Z", 1000000),
                                  testing::MessageAt("2026-03-10T11:00:00Z", 1000000),
                                  testing::MessageAt("2026-03-11T10:00:00Z", 1000000)};
  slots[0].reported_cost_nanos = 42100000;  // $0.0421
  slots[1].reported_cost_nanos = 7900000;   // $0.0079
  auto o = ParseUsageOptions({{"tz", "UTC"}}, *ParseRfc3339Ms("2027-01-01T00:00:00Z"));
  ASSERT_TRUE(o.ok());
  rapidjson::Document d;
  d.Parse(UsagePeriodsJson(BuildUsagePeriods(slots, {}, testing::TestPrices(), *o)).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_DOUBLE_EQ(d["rows"][0]["reported_cost_usd"].GetDouble(), 0.05);
  EXPECT_DOUBLE_EQ(d["rows"][0]["cost_usd"].GetDouble(), 6.0);  // ours: 2M input at $3
  EXPECT_TRUE(d["rows"][1]["reported_cost_usd"].IsNull());
  EXPECT_DOUBLE_EQ(d["totals"]["reported_cost_usd"].GetDouble(), 0.05);
}

}  // namespace
}  // namespace trace
