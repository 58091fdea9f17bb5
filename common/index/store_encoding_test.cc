// Schema 4's compressed event blocks through the real write path: values are
// encoded by the builder and decode to the JSON it republishes, every read
// finds its events across block boundaries, the first dictionary is trained
// and kept, a damaged value or a hole in the seqs is an error, and a schema
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
  // Runs fn in a write txn on the closed store with its tables open.
  void Raw(const std::function<void(MDB_txn*, const StoreDbs&)>& fn) {
    EnvOptions eo;
    eo.dir = dir_.string();
    eo.writer = true;
    auto env = OpenEnv(eo);
    ASSERT_TRUE(env.ok());
    MDB_txn* txn;
    ASSERT_EQ(mdb_txn_begin(*env, nullptr, 0, &txn), 0);
    StoreDbs dbs;
    ASSERT_TRUE(OpenDbs(txn, true, &dbs).ok());
    fn(txn, dbs);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(*env);
  }
  void Put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
    MDB_val k = lmdb::Val(key), v = lmdb::Val(value);
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  }
  // Turns the store back into what schema 2 wrote: JSON values, no dicts,
  // version 2; the first `keep` values are converted (one event each, as a
  // schema 3 store holds them) with migrated_seq at them, as a migration
  // killed after its first transactions leaves it.
  void MakeSchemaTwo(const std::vector<std::string>& json, size_t keep = 0) {
    Raw([&](MDB_txn* txn, const StoreDbs& d) {
      ASSERT_EQ(mdb_drop(txn, d.events, 0), 0);
      EventEncoder encoder;
      std::string value;
      for (size_t i = 0; i < json.size(); ++i) {
        if (i < keep) ASSERT_TRUE(encoder.Encode(json[i], &value).ok());
        Put(txn, d.events, lmdb::Be64(i + 1), i < keep ? value : json[i]);
      }
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
    MDB_stat st;
    mdb_stat(txn, d.events, &st);
    EXPECT_EQ(st.ms_entries, 1u) << "50 small events are one block";
    std::string key = lmdb::Be64(50);  // keyed by its last seq
    MDB_val k = lmdb::Val(key), v;
    ASSERT_EQ(mdb_get(txn, d.events, &k, &v), 0);
    EXPECT_EQ(static_cast<const char*>(v.mv_data)[0], static_cast<char>(kValueBlock));
    EXPECT_EQ(ValueEventCount(lmdb::View(v)).value(), 50u);
    size_t bytes = 0;
    for (const std::string& j : json) bytes += j.size();
    EXPECT_LT(v.mv_size * 4, bytes);
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

// Many blocks: every read finds its events whichever block holds them and
// wherever a page or a cursor falls against the blocks' boundaries.
TEST_F(EncodingTest, EveryReadFindsItsEventsAcrossBlocks) {
  std::vector<std::string> json = AppendJson(Lines(3000, "k"));
  json.push_back(AppendJson(Lines(1, "l")).at(0));  // a batch of one: a value of its own
  const uint64_t n = json.size();
  auto r = Reader();
  for (uint64_t seq = 1; seq <= n; ++seq) {
    auto e = r->GetEvent(seq);
    ASSERT_TRUE(e.ok() && e->has_value()) << seq;
    ASSERT_EQ(**e, json[seq - 1]) << seq;
  }
  auto past = r->GetEvent(n + 1);
  ASSERT_TRUE(past.ok());
  EXPECT_FALSE(past->has_value());
  EXPECT_FALSE(r->GetEvent(0)->has_value());
  EXPECT_EQ(r->LastSeq().value(), n);
  for (uint64_t after : {0ul, 1ul, 255ul, 256ul, 257ul, 1000ul, n - 1, n}) {
    auto tail = r->EventsAfter(after, {}, 5000);
    ASSERT_TRUE(tail.ok());
    EXPECT_EQ(*tail, std::vector<std::string>(json.begin() + after, json.end())) << after;
  }
  for (uint64_t before : {0ul, 2ul, 256ul, 257ul, 258ul, 513ul, n}) {
    for (size_t offset : {0u, 3u}) {
      EventQuery q;
      q.limit = 4;
      q.before_seq = before;
      q.offset = offset;
      auto page = r->QueryEvents(q);
      ASSERT_TRUE(page.ok());
      EXPECT_EQ(page->total, n);
      std::vector<std::string> want;
      auto top = static_cast<int64_t>(before ? before - 1 : n) - static_cast<int64_t>(offset);
      for (int64_t seq = top; seq >= 1 && want.size() < 4; --seq) want.push_back(json[seq - 1]);
      EXPECT_EQ(page->events, want) << "before " << before << " offset " << offset;
    }
  }
  EventQuery bash;
  bash.filter.session_id = "s1";
  bash.limit = 3;
  bash.before_seq = 1025;
  auto page = r->QueryEvents(bash);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events, (std::vector<std::string>{json[1023], json[1022], json[1021]}));
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << verify->differences.at(0);
  EXPECT_EQ(verify->events, n);
  Close();
  uint64_t values = 0;
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    MDB_stat st;
    mdb_stat(txn, d.events, &st);
    values = st.ms_entries;
    // A value lost: --verify names the hole (and the entries it leaves).
    std::string key = lmdb::Be64(512);
    MDB_val k = lmdb::Val(key);
    ASSERT_EQ(mdb_del(txn, d.events, &k, nullptr), 0);
  });
  EXPECT_LE(values, n / 200);
  EXPECT_GE(values, n / kBlockMaxEvents);
  auto holed = VerifyStore(dir_.string());
  ASSERT_TRUE(holed.ok());
  ASSERT_FALSE(holed->ok());
  EXPECT_NE(holed->differences.at(0).find("events 513..768: expected seq 257 next"),
            std::string::npos)
      << holed->differences.at(0);
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
  auto intact = Reader()->GetEvent(1);
  ASSERT_TRUE(intact.ok() && intact->has_value());
  std::string first = **intact;
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    // The block of the three becomes one value each: the first intact.
    ASSERT_EQ(mdb_drop(txn, d.events, 0), 0);
    std::string value;
    ASSERT_TRUE(EventEncoder().Encode(first, &value).ok());
    Put(txn, d.events, lmdb::Be64(1), value);
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
  EXPECT_NE(odd.status().message().find("events seq 3 is not schema 2 JSON"), std::string::npos)
      << odd.status().message();
  mo.dir = (dir_ / "none").string();
  EXPECT_FALSE(MigrateStore(mo).ok());
}

}  // namespace
}  // namespace trace
