// The counting states (`tool_calls`, `messages`) through the real write
// path: stored binary; a store whose states are the JSON an older trace-index
// wrote reads and verifies with no migration, and each state it updates is
// written back binary; --verify reports a corrupt state. Raw LMDB plays the
// older store and the bad disk.
#include <lmdb.h>

#include <map>

#include "common/event/aggregate.h"
#include "common/index/batch_builder_fixture.h"
#include "common/store/lmdb.h"

namespace trace {
namespace {

using namespace testing_fixture;  // NOLINT: the fixture's helpers

using Table = std::map<std::string, std::string>;

class CountingStateStoreTest : public StoreTest {
 protected:
  static Table Dump(MDB_txn* txn, MDB_dbi dbi) {
    Table out;
    lmdb::Cursor c;
    EXPECT_EQ(c.Open(txn, dbi), 0);
    MDB_val k, v;
    for (int rc = c.Get(&k, &v, MDB_FIRST); rc == 0; rc = c.Get(&k, &v, MDB_NEXT))
      out[std::string(lmdb::View(k))] = std::string(lmdb::View(v));
    return out;
  }
  static void Put(MDB_txn* txn, MDB_dbi dbi, const std::string& key, const std::string& value) {
    MDB_val k = lmdb::Val(key), v = lmdb::Val(value);
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  }
  void ExpectVerifies() {
    auto verify = VerifyStore(dir_.string());
    ASSERT_TRUE(verify.ok()) << verify.status().message();
    EXPECT_TRUE(verify->ok()) << (verify->differences.empty() ? "" : verify->differences[0]);
    EXPECT_GT(verify->checked, 0u);
  }
  void Seed() {
    Append({Hook("pre1", "PreToolUse", 1000, "s1", "Bash", "tu1"),
            Hook("pre2", "PreToolUse", 1001, "s1", "Read", "tu2"),
            Hook("post2", "PostToolUse", 1002, "s1", "Read", "tu2"),
            Assistant("a1", 1003, "msg_1", 100, 5), Assistant("b1", 1004, "msg_2", 7, 1)});
  }
};

TEST_F(CountingStateStoreTest, StatesAreStoredBinary) {
  Seed();
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    Table calls = Dump(txn, d.tool_calls), messages = Dump(txn, d.messages);
    ASSERT_EQ(calls.size(), 2u);
    ASSERT_EQ(messages.size(), 2u);
    for (const auto& [key, value] : calls) {
      EXPECT_EQ(value[0], '\x01') << key;
      EXPECT_TRUE(ToolCall::Decode(value).ok()) << key;
    }
    auto read = ToolCall::Decode(calls["tu2"]);
    EXPECT_TRUE(read->ended && read->counted && read->tool == "Read" && read->end_ts == 1002);
    auto m = MessageUsage::Decode(messages["req:req_msg_1"]);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(messages["req:req_msg_1"][0], '\x01');
    EXPECT_EQ(m->counts.input, 100u);
    EXPECT_EQ(m->ts, 1003);
  });
  ExpectVerifies();
}

TEST_F(CountingStateStoreTest, JsonStatesOfAnOlderStoreReadAndAreRewrittenBinary) {
  Seed();
  Raw([&](MDB_txn* txn, const StoreDbs& d) {  // as the trace-index before binary states wrote them
    for (const auto& [key, value] : Dump(txn, d.tool_calls))
      Put(txn, d.tool_calls, key, ToolCall::Decode(value)->ToJson());
    for (const auto& [key, value] : Dump(txn, d.messages))
      Put(txn, d.messages, key, MessageUsage::Decode(value)->ToJson());
  });
  ExpectVerifies();
  OpenWriter(0);
  Append({Hook("post1", "PostToolUse", 1500, "s1", "Bash", "tu1"),
          Assistant("a2", 1600, "msg_1", 100, 9)});  // msg_1's next content block
  rapidjson::Document s = Session("s1");
  EXPECT_EQ(s["tool_calls"].GetInt(), 2);  // tu1 counted once, from its JSON state
  EXPECT_EQ(s["open_tool_calls"].GetInt(), 0);
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 107);  // msg_1's 100 not added again
  EXPECT_EQ(s["usage"]["output_tokens"].GetInt(), 10);
  EXPECT_EQ(s["usage"]["messages"].GetInt(), 2);
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    Table calls = Dump(txn, d.tool_calls), messages = Dump(txn, d.messages);
    EXPECT_EQ(calls["tu1"][0], '\x01');  // updated: binary
    EXPECT_EQ(calls["tu2"][0], '{');     // untouched: still JSON
    EXPECT_EQ(messages["req:req_msg_1"][0], '\x01');
    EXPECT_EQ(messages["req:req_msg_2"][0], '{');
    auto tu1 = ToolCall::Decode(calls["tu1"]);
    ASSERT_TRUE(tu1.ok());
    EXPECT_TRUE(tu1->ended && tu1->has_duration);
    EXPECT_EQ(tu1->duration_ms, 500);
    EXPECT_EQ(MessageUsage::Decode(messages["req:req_msg_1"])->counts.output, 9u);
  });
  ExpectVerifies();  // JSON and binary states side by side
}

TEST_F(CountingStateStoreTest, VerifyReportsACorruptState) {
  Seed();
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    std::string cut = Dump(txn, d.tool_calls)["tu2"];
    Put(txn, d.tool_calls, "tu2", cut.substr(0, cut.size() - 1));
    MessageUsage changed = *MessageUsage::Decode(Dump(txn, d.messages)["req:req_msg_2"]);
    changed.counts.output = 99;
    Put(txn, d.messages, "req:req_msg_2", changed.Encode());
  });
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok()) << verify.status().message();
  ASSERT_EQ(verify->difference_count, 2u);
  EXPECT_EQ(verify->differences[0].rfind("tool_calls 'tu2': stored (corrupt tool call value) "
                                         "expected {\"tool\":\"Read\"",
                                         0),
            0u)
      << verify->differences[0];
  EXPECT_NE(verify->differences[1].find("messages 'req:req_msg_2': stored {"), std::string::npos)
      << verify->differences[1];
  EXPECT_NE(verify->differences[1].find("\"output_tokens\":99"), std::string::npos);
  // A writer meeting the corrupt state says which one, and stores nothing.
  OpenWriter(0);
  const std::string late = Hook("late", "PostToolUse", 2000, "s1", "Read", "tu2");
  std::vector<IncomingLine> in = {{late, true}};
  PreparedBatch batch;
  Status st = builder_->Build(in, {}, &batch);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("tool_calls 'tu2': corrupt tool call value"), std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace trace
