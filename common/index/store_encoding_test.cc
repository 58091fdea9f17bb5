// Schema 3's compressed events through the real write path: values are
// encoded by the builder and decode to the JSON it republishes, the first
// dictionary is trained and kept, a damaged value is an error, and a schema
// 2 store is refused until trace-index --migrate converted it (also after an
// interrupted run). Raw LMDB plays the old store and the bad disk.
#include <lmdb.h>

#include "common/index/batch_builder_fixture.h"
#include "common/store/lmdb.h"
#include "common/store/store_migrate.h"

namespace trace {
namespace {

using namespace testing_fixture;  // NOLINT: the fixture's helpers

class EncodingTest : public StoreTest {
 protected:
  // Builds and commits lines; returns the JSON the batch republishes.
  std::vector<std::string> AppendJson(const std::vector<std::string>& lines) {
    std::vector<IncomingLine> in;
    for (const auto& l : lines) in.push_back({l, true});
    PreparedBatch batch;
    EXPECT_TRUE(builder_->Build(in, {}, &batch).ok());
    EXPECT_TRUE(writer_->Commit(batch).ok());
    builder_->Retire(batch.id);
    std::vector<std::string> out;
    for (const PreparedEvent& e : batch.events) out.emplace_back(e.json);
    return out;
  }
  void Close() {
    builder_.reset();
    writer_.reset();
  }
  void Put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
    MDB_val k = lmdb::Val(key), v = lmdb::Val(value);
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  }
  // Turns the store back into what schema 2 wrote: JSON values, no dicts,
  // version 2; the first `keep` values stay encoded with migrated_seq at
  // them, as a migration killed after its first transactions leaves it.
  void MakeSchemaTwo(const std::vector<std::string>& json, size_t keep = 0) {
    Raw([&](MDB_txn* txn, const StoreDbs& d) {
      for (size_t i = keep; i < json.size(); ++i) Put(txn, d.events, lmdb::Be64(i + 1), json[i]);
      if (keep)
        Put(txn, d.meta, kMetaMigratedSeq, lmdb::Be64(keep));
      else
        ASSERT_EQ(mdb_drop(txn, d.dicts, 0), 0);
      Put(txn, d.meta, kMetaSchemaVersion, "2");
    });
  }
  std::vector<std::string> Lines(int n, const std::string& prefix) {
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) {
      std::string text = prefix + " line " + std::to_string(i * 7919 % 1000) + " of the build";
      lines.push_back(Hook(prefix + std::to_string(i), "PostToolUse", 1000 + i, "s1", "Bash",
                           "tu" + std::to_string(i), R"(,"tool_output":")" + text + "\""));
    }
    return lines;
  }
  std::vector<std::string> AllEvents() {
    auto r = Reader();
    auto all = r->EventsAfter(0, {}, 1u << 20);
    EXPECT_TRUE(all.ok()) << all.status().message();
    return all.ok() ? *all : std::vector<std::string>();
  }
};

TEST_F(EncodingTest, StoredValuesAreCompressedAndDecodeToWhatWasRepublished) {
  std::vector<std::string> json = AppendJson(Lines(50, "a"));
  Close();
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    std::string key = lmdb::Be64(1);
    MDB_val k = lmdb::Val(key), v;
    ASSERT_EQ(mdb_get(txn, d.events, &k, &v), 0);
    EXPECT_NE(static_cast<const char*>(v.mv_data)[0], '{');
  });
  EXPECT_EQ(AllEvents(), json);
  auto one = Reader()->GetEventBySpanId("a7");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ(**one, json[7]);
  std::string page;
  EventQuery q;
  q.limit = 2;
  ASSERT_TRUE(Reader()->AppendEventsJson(q, &page).ok());
  EXPECT_EQ(page, json[49] + "," + json[48]);
}

TEST_F(EncodingTest, TrainsTheFirstDictionaryOnceAndKeepsIt) {
  std::vector<std::string> json;
  while (json.size() * 200 < 2 * kTrainSampleBytes) {  // ~200 bytes per event
    auto more = AppendJson(Lines(4096, "b" + std::to_string(json.size()) + "-"));
    json.insert(json.end(), more.begin(), more.end());
  }
  builder_->AwaitDictionary();               // trained on its own thread
  auto adopted = AppendJson(Lines(1, "d"));  // the batch that stores it
  json.insert(json.end(), adopted.begin(), adopted.end());
  ASSERT_EQ(writer_->dictionary().id, 1u);
  OpenWriter(0);
  EXPECT_EQ(writer_->dictionary().id, 1u);  // loaded, not trained again
  auto more = AppendJson(Lines(10, "c"));
  json.insert(json.end(), more.begin(), more.end());
  Close();
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    std::string key = lmdb::Be64(json.size());
    MDB_val k = lmdb::Val(key), v;
    ASSERT_EQ(mdb_get(txn, d.events, &k, &v), 0);
    EXPECT_EQ(ValueDictionaryId(lmdb::View(v)).value(), 1u);
    MDB_stat st;
    mdb_stat(txn, d.dicts, &st);
    EXPECT_EQ(st.ms_entries, 1u);
  });
  EXPECT_EQ(AllEvents(), json);
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok()) << verify.status().message();
  EXPECT_TRUE(verify->ok());
}

TEST_F(EncodingTest, DamagedValueOrMissingDictionaryIsAnError) {
  AppendJson(Lines(3, "d"));
  Close();
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    Put(txn, d.events, lmdb::Be64(2), std::string("\x01\x00\x40garbage", 10));
    Put(txn, d.events, lmdb::Be64(3), std::string("\x01\x05\x10", 3) + "xxxxxxxxxx");
  });
  auto r = Reader();
  EXPECT_TRUE(r->GetEvent(1).ok());
  auto bad = r->GetEvent(2);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("event 2: decode event value"), std::string::npos)
      << bad.status().message();
  auto missing = r->GetEvent(3);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("event dictionary 5 is not in the store"),
            std::string::npos);
  EXPECT_FALSE(r->EventsAfter(0, {}, 10).ok());
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok());
  ASSERT_GE(verify->difference_count, 2u);  // the two events, then the entries they lack
  EXPECT_NE(verify->differences[0].find("events seq 2: decode event value"), std::string::npos)
      << verify->differences[0];
}

TEST_F(EncodingTest, SchemaTwoIsRefusedUntilMigrated) {
  std::vector<std::string> json = AppendJson(Lines(300, "e"));
  Close();
  MakeSchemaTwo(json);
  auto r = Store::OpenReadOnly({dir_.string()});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trace-index --migrate --db " + dir_.string()),
            std::string::npos)
      << r.status().message();
  StoreWriter::Options o;
  o.dir = dir_.string();
  EXPECT_FALSE(StoreWriter::Open(o).ok());
  std::vector<MigrateProgress> seen;
  MigrateOptions mo;
  mo.dir = dir_.string();
  mo.events_per_txn = 64;
  mo.progress = [&](const MigrateProgress& p) { seen.push_back(p); };
  auto done = MigrateStore(mo);
  ASSERT_TRUE(done.ok()) << done.status().message();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().done, 300u);
  EXPECT_EQ(seen.back().total, 300u);
  EXPECT_EQ(AllEvents(), json);
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok() && verify->ok());
  auto again = MigrateStore(mo);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_current);
}

TEST_F(EncodingTest, InterruptedMigrationCarriesOn) {
  std::vector<std::string> json = AppendJson(Lines(200, "f"));
  Close();
  MakeSchemaTwo(json, 120);  // 120 converted when the kill came
  EXPECT_FALSE(Store::OpenReadOnly({dir_.string()}).ok());
  MigrateOptions mo;
  mo.dir = dir_.string();
  uint64_t this_run = 0;
  mo.progress = [&](const MigrateProgress& p) { this_run = p.this_run; };
  ASSERT_TRUE(MigrateStore(mo).ok());
  EXPECT_EQ(this_run, 80u);
  EXPECT_EQ(AllEvents(), json);
  OpenWriter(0);  // the writer opens it again
  AppendJson(Lines(1, "g"));
}

// Schema 2 keyed messages "<message_id>\0<request_id>": --migrate re-keys
// them "req:<request_id>", so a later line of the same API message finds it
// and adds no tokens.
TEST_F(EncodingTest, MigrationRekeysMessagesByRequest) {
  std::vector<std::string> json =
      AppendJson({Assistant("a1", 1000, "msg_1", 100, 5), Assistant("a2", 1001, "msg_2", 200, 7)});
  Close();
  MakeSchemaTwo(json);
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    for (const std::string id : {"msg_1", "msg_2"}) {
      std::string key = "req:req_" + id, value;
      MDB_val k = lmdb::Val(key), v;
      ASSERT_EQ(mdb_get(txn, d.messages, &k, &v), 0) << key;
      value.assign(static_cast<const char*>(v.mv_data), v.mv_size);
      ASSERT_EQ(mdb_del(txn, d.messages, &k, nullptr), 0);
      Put(txn, d.messages, id + std::string(1, '\0') + "req_" + id, value);
    }
  });
  MigrateOptions mo;
  mo.dir = dir_.string();
  mo.events_per_txn = 1;  // one key per transaction: the loop must go on
  ASSERT_TRUE(MigrateStore(mo).ok());
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    for (const std::string id : {"msg_1", "msg_2"}) {
      std::string key = "req:req_" + id, old = id + std::string(1, '\0') + "req_" + id;
      MDB_val k = lmdb::Val(key), o = lmdb::Val(old), v;
      EXPECT_EQ(mdb_get(txn, d.messages, &k, &v), 0) << key;
      EXPECT_EQ(mdb_get(txn, d.messages, &o, &v), MDB_NOTFOUND);
    }
  });
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok() && verify->ok());
  OpenWriter(0);
  int64_t before = Session("s1")["usage"]["input_tokens"].GetInt64();
  AppendJson({Assistant("a3", 1002, "msg_1", 100, 5)});  // msg_1's next content block
  EXPECT_EQ(Session("s1")["usage"]["input_tokens"].GetInt64(), before);
}

TEST_F(EncodingTest, MigrateRefusesWhatItCannotConvert) {
  AppendJson(Lines(3, "h"));
  Close();
  Raw([&](MDB_txn* txn, const StoreDbs& d) { Put(txn, d.meta, kMetaSchemaVersion, "1"); });
  MigrateOptions mo;
  mo.dir = dir_.string();
  auto v1 = MigrateStore(mo);
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.status().message().find("cannot be migrated"), std::string::npos);
  // A schema 2 store whose value is not JSON is not guessed at.
  Raw([&](MDB_txn* txn, const StoreDbs& d) { Put(txn, d.meta, kMetaSchemaVersion, "2"); });
  auto odd = MigrateStore(mo);
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("events seq 1 is not schema 2 JSON"), std::string::npos)
      << odd.status().message();
  mo.dir = (dir_ / "none").string();
  EXPECT_FALSE(MigrateStore(mo).ok());
}

}  // namespace
}  // namespace trace
