// Users and hosts in the store: the by_user/by_host indexes behind the
// user/host event filters, the first user/host a session aggregate records,
// the session filter and the session -> user/host join the usage reports use.
#include "common/index/batch_builder_fixture.h"

namespace trace {
namespace {

using namespace testing_fixture;  // NOLINT: the fixture's helpers

std::string Who(const std::string& user, const std::string& host) {
  std::string s;
  if (!user.empty()) s += R"(,"user":")" + user + "\"";
  if (!host.empty()) s += R"(,"host":")" + host + "\"";
  return s;
}

class OriginTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // seq 1..12: alice on laptop (sessions a1, a2), bob on desktop (b1),
    // bob on laptop (b2); seq 13 names nobody.
    std::vector<std::string> lines;
    const char* who[][3] = {{"a1", "alice", "laptop"},
                            {"a2", "alice", "laptop"},
                            {"b1", "bob", "desktop"},
                            {"b2", "bob", "laptop"}};
    for (int i = 0; i < 12; ++i) {
      const auto& w = who[i % 4];
      lines.push_back(
          Hook("e" + std::to_string(i + 1), "Stop", (i + 1) * 1000, w[0], "", "", Who(w[1], w[2])));
    }
    lines.push_back(Hook("e13", "Stop", 13000, "n1"));
    Append(lines);
    reader_ = Reader();
  }
  std::vector<int> Seqs(const EventFilter& f, uint64_t* total) {
    EventQuery q;
    q.filter = f;
    auto page = reader_->QueryEvents(q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<int> out;
    for (const auto& e : page->events) out.push_back(Parse(e)["seq"].GetInt());
    *total = page->total;
    return out;
  }
  std::vector<std::string> SessionIds(const SessionFilter& f, uint64_t* total) {
    auto page = reader_->FindSessions(f, 10, 0);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<std::string> ids;
    for (const auto& s : page->sessions) ids.push_back(Parse(s)["session_id"].GetString());
    *total = page->total;
    return ids;
  }
  std::unique_ptr<Store> reader_;
};

TEST_F(OriginTest, EventsFilterByUserByHostAndBoth) {
  EventFilter f;
  uint64_t total = 0;
  f.user = "bob";
  EXPECT_EQ(Seqs(f, &total), (std::vector<int>{12, 11, 8, 7, 4, 3}));
  EXPECT_EQ(total, 6u);
  f.host = "laptop";
  EXPECT_EQ(Seqs(f, &total), (std::vector<int>{12, 8, 4}));
  EXPECT_EQ(total, 3u);
  f.user.clear();
  EXPECT_EQ(Seqs(f, &total).size(), 9u);
  f.session_id = "a2";
  EXPECT_EQ(Seqs(f, &total), (std::vector<int>{10, 6, 2}));
  f = EventFilter{};
  f.user = "nobody";
  EXPECT_TRUE(Seqs(f, &total).empty());
  EXPECT_EQ(total, 0u);
}

TEST_F(OriginTest, LiveReplayFiltersByUserAndHostOldestFirst) {
  EventFilter f;
  f.user = "alice";
  f.host = "laptop";
  auto r = reader_->EventsAfter(5, f, 10);
  ASSERT_TRUE(r.ok());
  std::vector<int> seqs;
  for (const auto& e : *r) seqs.push_back(Parse(e)["seq"].GetInt());
  EXPECT_EQ(seqs, (std::vector<int>{6, 9, 10}));
}

TEST_F(OriginTest, SessionAggregateKeepsTheFirstUserAndHost) {
  // A later event of a1 from elsewhere does not move the session.
  Append({Hook("e14", "Stop", 14000, "a1", "", "", Who("mallory", "elsewhere")),
          Hook("e15", "Stop", 15000, "n1", "", "", Who("", "ci"))});
  reader_ = Reader();
  auto a1 = reader_->GetSession("a1");
  ASSERT_TRUE(a1.ok() && *a1);
  EXPECT_EQ(std::string(Parse(**a1)["user"].GetString()), "alice");
  EXPECT_EQ(std::string(Parse(**a1)["host"].GetString()), "laptop");
  auto n1 = reader_->GetSession("n1");
  ASSERT_TRUE(n1.ok() && *n1);
  EXPECT_FALSE(Parse(**n1).HasMember("user")) << "named by nobody: no user member";
  EXPECT_EQ(std::string(Parse(**n1)["host"].GetString()), "ci") << "the first that names one";
}

TEST_F(OriginTest, SessionsFilterByUserAndHostMostRecentFirst) {
  uint64_t total = 0;
  EXPECT_EQ(SessionIds({"alice", ""}, &total), (std::vector<std::string>{"a2", "a1"}));
  EXPECT_EQ(total, 2u);
  EXPECT_EQ(SessionIds({"", "laptop"}, &total), (std::vector<std::string>{"b2", "a2", "a1"}));
  EXPECT_EQ(SessionIds({"bob", "desktop"}, &total), (std::vector<std::string>{"b1"}));
  EXPECT_TRUE(SessionIds({"carol", ""}, &total).empty());
  EXPECT_EQ(total, 0u);
  auto page = reader_->FindSessions({"", "laptop"}, 1, 1);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3u);
  ASSERT_EQ(page->sessions.size(), 1u);
  EXPECT_EQ(std::string(Parse(page->sessions[0])["session_id"].GetString()), "a2");
  EXPECT_EQ(SessionIds({}, &total).size(), 5u) << "no filter: every session";
}

TEST_F(OriginTest, SessionOriginsListsTheSessionsThatNameSomeone) {
  auto origins = reader_->SessionOrigins();
  ASSERT_TRUE(origins.ok());
  std::map<std::string, std::string> who;
  for (const SessionOrigin& o : *origins) who[o.session_id] = o.user + "@" + o.host;
  EXPECT_EQ(who, (std::map<std::string, std::string>{{"a1", "alice@laptop"},
                                                     {"a2", "alice@laptop"},
                                                     {"b1", "bob@desktop"},
                                                     {"b2", "bob@laptop"}}));
}

}  // namespace
}  // namespace trace
