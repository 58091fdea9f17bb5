// The usage reports of a team: slots joined to their session's user and host
// (--by user|host, the user/host filters), sessions nobody is named for as
// "(unknown)", the parameters parsed and echoed, the table headed USER/HOST.
#include <gtest/gtest.h>

#include <sstream>

#include "common/usage/usage_periods.h"
#include "common/usage/usage_test_util.h"

namespace trace {
namespace {

using testing::MessageAt;
using testing::TestPrices;

const std::vector<UsageSlot> kSlots = {
    MessageAt("2026-05-01T10:00:00Z", 1, "a1"), MessageAt("2026-05-01T11:00:00Z", 2, "a2"),
    MessageAt("2026-05-02T10:00:00Z", 4, "b1"), MessageAt("2026-05-03T10:00:00Z", 8, "n1")};
const std::vector<SessionOrigin> kOrigins = {
    {"a1", "alice", "laptop"}, {"a2", "alice", "desktop"}, {"b1", "bob", "laptop"}};

UsagePeriodReport Report(UsageParams params) {
  auto o = ParseUsageOptions(params, *ParseRfc3339Ms("2027-01-01T00:00:00Z"));
  EXPECT_TRUE(o.ok()) << o.status().message();
  if (!o.ok()) return {};
  return BuildUsagePeriods(kSlots, {}, kOrigins, TestPrices(), *o);
}

using KeyList = std::vector<std::pair<std::string, uint64_t>>;
KeyList Keys(const UsagePeriodReport& r) {
  KeyList out;
  for (const auto& row : r.rows) out.emplace_back(row.key, row.totals.tokens.input);
  return out;
}

TEST(UsageOriginTest, ByUserAndByHostWithUnknownForSessionsWithoutOne) {
  // Rows by last activity: (unknown) has the latest message.
  EXPECT_EQ(Keys(Report({{"by", "user"}, {"tz", "UTC"}})),
            (KeyList{{"alice", 1 + 2}, {"bob", 4}, {"(unknown)", 8}}));
  EXPECT_EQ(Keys(Report({{"by", "host"}, {"tz", "UTC"}})),
            (KeyList{{"desktop", 2}, {"laptop", 1 + 4}, {"(unknown)", 8}}));
}

TEST(UsageOriginTest, UserAndHostFilterEveryGrouping) {
  EXPECT_EQ(Keys(Report({{"user", "alice"}, {"tz", "UTC"}})), (KeyList{{"2026-05-01", 3}}));
  EXPECT_EQ(Keys(Report({{"host", "laptop"}, {"tz", "UTC"}})),
            (KeyList{{"2026-05-01", 1}, {"2026-05-02", 4}}));
  EXPECT_EQ(Keys(Report({{"user", "alice"}, {"host", "laptop"}, {"by", "session"}})),
            (KeyList{{"a1", 1}}));
  EXPECT_TRUE(Report({{"user", "carol"}}).rows.empty());
  EXPECT_EQ(Report({{"user", "bob"}}).totals.tokens.input, 4u);
}

TEST(UsageOriginTest, WithoutOriginsEverySessionIsUnknownAndFiltersMatchNothing) {
  auto o = ParseUsageOptions({{"by", "user"}}, 0);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(Keys(BuildUsagePeriods(kSlots, {}, TestPrices(), *o)), (KeyList{{"(unknown)", 15}}));
  o->user = "alice";
  EXPECT_TRUE(BuildUsagePeriods(kSlots, {}, TestPrices(), *o).rows.empty());
}

TEST(UsageOriginTest, JsonNamesTheRowKeyAndEchoesTheFilters) {
  std::string json = UsagePeriodsJson(Report({{"by", "user"}, {"host", "laptop"}}));
  EXPECT_NE(json.find(R"("by":"user")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("host":"laptop")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"user":"alice")"), std::string::npos) << json;
  std::string hosts = UsagePeriodsJson(Report({{"by", "host"}}));
  EXPECT_NE(hosts.find(R"({"host":"desktop")"), std::string::npos) << hosts;
}

TEST(UsageOriginTest, TableIsHeadedUserOrHost) {
  std::ostringstream out;
  PrintUsagePeriods(out, Report({{"by", "host"}}), 0);
  EXPECT_EQ(out.str().rfind("HOST", 0), 0u) << out.str();
  EXPECT_NE(out.str().find("laptop"), std::string::npos);
}

TEST(UsageOriginTest, ByRefusesUnknownGroupsNamingTheNewOnes) {
  auto bad = ParseUsageOptions({{"by", "team"}}, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("user or host"), std::string::npos);
  EXPECT_EQ(std::string(UsageGroupName(*ParseUsageGroup("host"))), "host");
}

}  // namespace
}  // namespace trace
