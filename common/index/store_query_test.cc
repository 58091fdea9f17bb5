// Queries of a store the batch builder wrote: every index and filter, the
// cursor, time ranges, oldest-first reads and the session list, each also
// in its response-body form (AppendEventsJson).
#include "common/index/batch_builder_fixture.h"

namespace trace {
namespace {

using namespace testing_fixture;  // NOLINT: the fixture's helpers

class QueryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // seq 1..40: sessions s0..s3 round robin, tools Bash/Read alternating,
    // timestamps 1000, 2000, ...; event types PreToolUse except every 5th Stop.
    std::vector<std::string> lines;
    for (int i = 1; i <= 40; ++i) {
      std::string type = i % 5 == 0 ? "Stop" : "PreToolUse";
      lines.push_back(Hook("e" + std::to_string(i), type, i * 1000, "s" + std::to_string(i % 4),
                           i % 2 ? "Bash" : "Read", "",
                           R"(,"trace_id":"t)" + std::to_string(i % 3) + "\""));
    }
    Append(lines);
    reader_ = Reader();
  }
  std::vector<int> Seqs(const EventQuery& q, uint64_t* total = nullptr) {
    auto page = reader_->QueryEvents(q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<int> out;
    for (const auto& e : page->events) out.push_back(Parse(e)["seq"].GetInt());
    if (total) *total = page->total;
    // The response-body form of every query: the same events, verbatim and
    // comma-joined after what was already in the buffer, and the same total.
    std::string joined = "[", body = "[";
    for (size_t i = 0; i < page->events.size(); ++i) joined += (i ? "," : "") + page->events[i];
    auto appended = reader_->AppendEventsJson(q, &body);
    EXPECT_TRUE(appended.ok()) << appended.status().message();
    EXPECT_EQ(body, joined);
    if (appended.ok()) {
      EXPECT_EQ(*appended, page->total);
    }
    return out;
  }
  std::unique_ptr<Store> reader_;
};

TEST_F(QueryTest, NoFilterIsNewestFirstWithTotalOffsetAndCursor) {
  EventQuery q;
  q.limit = 3;
  uint64_t total = 0;
  EXPECT_EQ(Seqs(q, &total), (std::vector<int>{40, 39, 38}));
  EXPECT_EQ(total, 40u);
  q.offset = 2;
  EXPECT_EQ(Seqs(q), (std::vector<int>{38, 37, 36}));
  q.offset = 0;
  q.before_seq = 10;
  EXPECT_EQ(Seqs(q, &total), (std::vector<int>{9, 8, 7}));
  EXPECT_EQ(total, 40u);
}

TEST_F(QueryTest, SingleIndexFilters) {
  EventQuery q;
  q.filter.session_id = "s1";
  uint64_t total = 0;
  EXPECT_EQ(Seqs(q, &total), (std::vector<int>{37, 33, 29, 25, 21, 17, 13, 9, 5, 1}));
  EXPECT_EQ(total, 10u);
  q.before_seq = 20;
  q.limit = 2;
  EXPECT_EQ(Seqs(q, &total), (std::vector<int>{17, 13}));
  EXPECT_EQ(total, 10u);
  EventQuery t;
  t.filter.trace_id = "t0";
  t.limit = 2;
  t.offset = 1;
  EXPECT_EQ(Seqs(t), (std::vector<int>{36, 33}));
  EventQuery none;
  none.filter.tool_name = "Nope";
  EXPECT_TRUE(Seqs(none, &total).empty());
  EXPECT_EQ(total, 0u);
}

TEST_F(QueryTest, CombinedFiltersAndTimeRange) {
  EventQuery q;
  q.filter.session_id = "s1";
  q.filter.event_type = "Stop";
  uint64_t total = 0;
  EXPECT_EQ(Seqs(q, &total), (std::vector<int>{25, 5}));
  EXPECT_EQ(total, 2u);
  q.filter.from_ms = 6000;
  EXPECT_EQ(Seqs(q, &total), (std::vector<int>{25}));
  EventQuery t;
  t.filter.from_ms = 3000;
  t.filter.to_ms = 6000;
  EXPECT_EQ(Seqs(t, &total), (std::vector<int>{6, 5, 4, 3}));
  EXPECT_EQ(total, 4u);
  t.filter.tool_name = "Bash";
  EXPECT_EQ(Seqs(t, &total), (std::vector<int>{5, 3}));
}

TEST_F(QueryTest, EventsAfterIsOldestFirst) {
  EventFilter f;
  f.tool_name = "Read";
  auto r = reader_->EventsAfter(30, f, 3);
  ASSERT_TRUE(r.ok());
  std::vector<int> seqs;
  for (const auto& e : *r) seqs.push_back(Parse(e)["seq"].GetInt());
  EXPECT_EQ(seqs, (std::vector<int>{32, 34, 36}));
  auto all = reader_->EventsAfter(38, EventFilter{}, 10);
  ASSERT_EQ(all->size(), 2u);
}

TEST_F(QueryTest, SessionsByMostRecentActivity) {
  Append({Hook("late", "Stop", 100000, "s2")});
  auto page = Reader()->ListSessions(10, 0);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 4u);
  std::vector<std::string> ids;
  for (const auto& s : page->sessions) ids.push_back(Parse(s)["session_id"].GetString());
  EXPECT_EQ(ids, (std::vector<std::string>{"s2", "s0", "s3", "s1"}));
  auto second = Reader()->ListSessions(2, 1);
  EXPECT_EQ(Parse(second->sessions[0])["session_id"].GetString(), std::string("s0"));
}

}  // namespace
}  // namespace trace

namespace trace {
namespace {

// The exporter's read (StoreSnapshot::EventsAfter): oldest first after a seq,
// cut by count or bytes (at least one event), and says whether more follow.
TEST_F(QueryTest, SnapshotEventsAfterHonoursLimitsAndSaysWhatFollows) {
  auto snap = writer_->Snapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  std::vector<std::pair<uint64_t, std::string>> out;
  auto more = (*snap)->EventsAfter(10, 5, SIZE_MAX, &out);
  ASSERT_TRUE(more.ok()) << more.status().message();
  EXPECT_TRUE(*more);
  ASSERT_EQ(out.size(), 5u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].first, 11 + i);
    EXPECT_EQ(Parse(out[i].second)["seq"].GetUint64(), 11 + i);
  }
  const size_t one = out[0].second.size();
  out.clear();
  more = (*snap)->EventsAfter(10, 100, one + one / 2, &out);  // room for one, not two
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(*more);
  out.clear();
  more = (*snap)->EventsAfter(10, 100, 1, &out);  // smaller than any event: still one
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  more = (*snap)->EventsAfter(35, 100, SIZE_MAX, &out);
  EXPECT_EQ(out.size(), 5u);
  EXPECT_FALSE(*more);
  out.clear();
  more = (*snap)->EventsAfter(40, 100, SIZE_MAX, &out);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(*more);
}

}  // namespace
}  // namespace trace
