// Schema 4's compressed event blocks through the real write path: values are
// encoded by the builder and decode to the JSON it republishes, every read
// finds its events across block boundaries, the first dictionary is trained
// and kept, a damaged value or a hole in the seqs is an error, and a schema
// 2 or 3 store is refused until trace-index --migrate converted it (also
// after an interrupted run): values into blocks, messages and the ids keys.
// Raw LMDB plays the old store and the bad disk.
#include <lmdb.h>

#include <map>

#include "common/index/batch_builder_fixture.h"
#include "common/store/ids_key.h"
#include "common/store/ids_rekey.h"
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
  // The ids entries schema 2 and 3 wrote for the stored events: the
  // identity itself -> seq.
  std::map<std::string, uint64_t> OldIds() {
    std::map<std::string, uint64_t> ids;
    std::string identity;
    for (const std::string& json : AllEvents()) {
      auto keys = ParseEventKeys(json);
      EXPECT_TRUE(keys.ok()) << json;
      if (!keys) continue;
      EventIdentity(*keys, &identity);
      ids[identity] = keys->seq;
    }
    return ids;
  }
  void PutOldIds(MDB_txn* txn, const StoreDbs& d, const std::map<std::string, uint64_t>& ids) {
    ASSERT_EQ(mdb_drop(txn, d.ids, 0), 0);
    for (const auto& [identity, seq] : ids) Put(txn, d.ids, identity, lmdb::Be64(seq));
  }
  // Writes json as values of one event each, as schema 3 did (the first
  // `keep` values only for schema 2: the rest stay JSON).
  void PutSingles(MDB_txn* txn, const StoreDbs& d, const std::vector<std::string>& json,
                  size_t keep) {
    ASSERT_EQ(mdb_drop(txn, d.events, 0), 0);
    EventEncoder encoder;
    std::string value;
    for (size_t i = 0; i < json.size(); ++i) {
      if (i < keep) ASSERT_TRUE(encoder.Encode(json[i], &value).ok());
      Put(txn, d.events, lmdb::Be64(i + 1), i < keep ? value : json[i]);
    }
  }
  // The store as schema 3 wrote it: one event per value, `ids` keyed by the
  // identities.
  void MakeSchemaThree() {
    auto ids = OldIds();
    auto json = AllEvents();
    Raw([&](MDB_txn* txn, const StoreDbs& d) {
      PutSingles(txn, d, json, json.size());
      PutOldIds(txn, d, ids);
      Put(txn, d.meta, kMetaSchemaVersion, "3");
    });
  }
  // What `ids` holds, and what schema 4 keys the same events by.
  std::map<std::string, std::string> IdsTable() {
    std::map<std::string, std::string> out;
    Raw([&](MDB_txn* txn, const StoreDbs& d) {
      MDB_cursor* c;
      ASSERT_EQ(mdb_cursor_open(txn, d.ids, &c), 0);
      MDB_val k, v;
      for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
           rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
        out[std::string(lmdb::View(k))] = std::string(lmdb::View(v));
      mdb_cursor_close(c);
    });
    return out;
  }
  static std::map<std::string, std::string> NewIds(const std::map<std::string, uint64_t>& old) {
    std::map<std::string, std::string> out;
    for (const auto& [identity, seq] : old)
      out[std::string(IdsKey(identity).view())] = lmdb::Be64(seq);
    return out;
  }
  // What a migration killed after `steps` committed re-key steps leaves.
  void RekeySteps(size_t per_txn, int steps) {
    for (int i = 0; i < steps; ++i) {
      Raw([&](MDB_txn* txn, const StoreDbs& d) {
        IdsRekey rekey(d, per_txn);
        bool more = false;
        int rc = 0;
        ASSERT_TRUE(rekey.Step(txn, &more, &rc).ok());
        ASSERT_TRUE(more);
      });
    }
  }
  std::optional<std::string> Meta(std::string_view key) {
    std::optional<std::string> out;
    Raw([&](MDB_txn* txn, const StoreDbs& d) {
      MDB_val k = lmdb::Val(key), v;
      if (mdb_get(txn, d.meta, &k, &v) == 0) out = std::string(lmdb::View(v));
    });
    return out;
  }
  bool HasDb(const char* name) {
    bool has = false;
    Raw([&](MDB_txn* txn, const StoreDbs&) {
      MDB_dbi dbi;
      has = mdb_dbi_open(txn, name, 0, &dbi) == 0;
    });
    return has;
  }
  // Hook spans, transcript lines of a session and of a sub-agent, and one
  // uuid replayed into a side-question file: every shape of identity.
  std::vector<std::string> MixedLines(int n) {
    std::vector<std::string> lines = Lines(n, "h");
    auto line = [](const std::string& uuid, const std::string& path, int64_t ts) {
      return R"({"span_id":")" + uuid +
             R"(","kind":"transcript","event_type":"user","session_id":"sess1","timestamp":)" +
             std::to_string(ts) + R"(,"source":{"path":")" + path + R"(","offset":)" +
             std::to_string(ts) + R"(,"length":1}})";
    };
    const std::string main = "/h/projects/p/sess1.jsonl";
    const std::string side = "/h/projects/p/sess1/subagents/agent-aside_question-1.jsonl";
    for (int i = 0; i < n; ++i) {
      lines.push_back(line("u" + std::to_string(i), main, i));
      if (i % 3 == 0) lines.push_back(line("u" + std::to_string(i), side, i));
    }
    return lines;
  }
  // Turns the store back into what schema 2 wrote: JSON values, no dicts,
  // `ids` by identity, version 2; the first `keep` values are converted
  // (one event each) with migrated_seq at them, as a migration killed after
  // its first transactions leaves it.
  void MakeSchemaTwo(const std::vector<std::string>& json, size_t keep = 0) {
    auto ids = OldIds();
    Raw([&](MDB_txn* txn, const StoreDbs& d) {
      PutOldIds(txn, d, ids);
      PutSingles(txn, d, json, keep);
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
  auto old_ids = OldIds();
  MakeSchemaTwo(json);
  auto r = Store::OpenReadOnly({dir_.string()});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.status().message().find("store schema version 2 predates version 4 (compressed "
                                "event blocks, hashed ids keys): convert it with 'trace-index "
                                "--migrate --db " +
                                dir_.string() + "'"),
      std::string::npos)
      << r.status().message();
  StoreWriter::Options o;
  o.dir = dir_.string();
  EXPECT_FALSE(StoreWriter::Open(o).ok());
  std::vector<MigrateProgress> events, ids;
  MigrateOptions mo;
  mo.dir = dir_.string();
  mo.events_per_txn = 64;
  mo.ids_per_txn = 64;
  mo.progress = [&](const MigrateProgress& p) {
    (p.stage == MigrateStage::kIds ? ids : events).push_back(p);
    EXPECT_TRUE(ids.empty() || p.stage == MigrateStage::kIds) << "values after the ids";
  };
  auto done = MigrateStore(mo);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->from_version, 2);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().done, 300u);
  EXPECT_EQ(events.back().total, 300u);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back().done, 600u);  // each entry re-keyed, then copied back
  EXPECT_EQ(ids.back().total, 600u);
  EXPECT_EQ(IdsTable(), NewIds(old_ids));
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
  mo.progress = [&](const MigrateProgress& p) {
    if (p.stage == MigrateStage::kEvents) this_run = p.this_run;
  };
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

// Schema 3 keyed ids by the identity itself; schema 4 by its 16-byte
// IdsKey. --migrate re-keys them (nothing else changes) and every lookup by
// identity finds its event again: GetEventBySpanId, --verify, and the
// writer's dedupe of a line sent again.
TEST_F(EncodingTest, SchemaThreeIsRefusedUntilIdsAreRekeyed) {
  std::vector<std::string> lines = MixedLines(40);
  std::vector<std::string> json = AppendJson(lines);
  Close();
  auto old_ids = OldIds();
  ASSERT_EQ(old_ids.size(), json.size());
  ASSERT_TRUE(old_ids.count(std::string("u3\0sess1/agent-aside_question-1", 31)));
  EXPECT_EQ(IdsTable(), NewIds(old_ids));  // what the writer stores
  MakeSchemaThree();
  std::string instruction =
      "store schema version 3 predates version 4 (event blocks, hashed ids keys): "
      "convert it with 'trace-index --migrate --db " +
      dir_.string() + "'";
  auto r = Store::OpenReadOnly({dir_.string()});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(instruction), std::string::npos) << r.status().message();
  StoreWriter::Options o;
  o.dir = dir_.string();
  auto w = StoreWriter::Open(o);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find(instruction), std::string::npos) << w.status().message();
  EXPECT_FALSE(VerifyStore(dir_.string()).ok());

  std::vector<MigrateProgress> seen;
  MigrateOptions mo;
  mo.dir = dir_.string();
  mo.ids_per_txn = 7;  // many steps, the last one short
  mo.progress_ms = 0;
  mo.progress = [&](const MigrateProgress& p) { seen.push_back(p); };
  auto done = MigrateStore(mo);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->from_version, 3);
  EXPECT_EQ(done->events.done, json.size());  // schema 3's values of one event become blocks
  size_t ids_steps = 0;
  for (const MigrateProgress& p : seen) {
    if (p.stage == MigrateStage::kIds) ++ids_steps;
    if (p.stage != MigrateStage::kIds) EXPECT_EQ(ids_steps, 0u) << "the values come first";
  }
  ASSERT_GT(ids_steps, 20u);
  EXPECT_EQ(seen.back().done, 2 * json.size());
  EXPECT_EQ(seen.back().this_run, 2 * json.size());
  EXPECT_EQ(IdsTable(), NewIds(old_ids));
  EXPECT_EQ(Meta(kMetaSchemaVersion), "4");
  EXPECT_FALSE(Meta(kMetaIdsRekey));
  EXPECT_FALSE(HasDb(kIdsRekeyedDb));
  Raw([&](MDB_txn* txn, const StoreDbs& d) {
    MDB_stat st;
    mdb_stat(txn, d.events, &st);
    EXPECT_EQ(st.ms_entries, 1u) << "the 94 events in one block";
  });

  EXPECT_EQ(AllEvents(), json);
  auto reader = Reader();
  auto u3 = reader->GetEventBySpanId("u3");  // in the session and replayed in the side question
  ASSERT_TRUE(u3.ok() && u3->has_value());
  EXPECT_EQ(Parse(**u3)["seq"].GetUint64(), old_ids["u3" + std::string(1, '\0') + "sess1"]);
  auto h5 = reader->GetEventBySpanId("h5");
  ASSERT_TRUE(h5.ok() && h5->has_value());
  EXPECT_EQ(**h5, json[5]);
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok()) << verify.status().message();
  EXPECT_TRUE(verify->ok()) << verify->differences[0];
  auto again = MigrateStore(mo);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_current);

  OpenWriter(0);
  std::vector<IncomingLine> resent = {{lines[0], true}, {lines[45], true}, {lines.back(), true}};
  PreparedBatch batch;
  ASSERT_TRUE(builder_->Build(resent, {}, &batch).ok());
  EXPECT_EQ(batch.stats.stored, 0u);
  EXPECT_EQ(batch.stats.duplicates, 3u);
}

// A migration killed after any committed re-key step (while re-keying,
// right after `ids` was emptied, while copying back) is refused as before
// and carries on to the same table, with another step size too.
TEST_F(EncodingTest, InterruptedIdsRekeyCarriesOn) {
  // 94 entries at 7 a step: re-keyed in steps 1-14 (the 14th empties
  // `ids`), copied back in 15-28. Entries written before the kill:
  const std::pair<int, uint64_t> kills[] = {{1, 7}, {13, 91}, {14, 94}, {20, 136}};
  for (const auto& [steps, written] : kills) {
    SCOPED_TRACE("killed after step " + std::to_string(steps));
    Close();
    std::filesystem::remove_all(dir_);
    OpenWriter(0);
    std::vector<std::string> json = AppendJson(MixedLines(40));
    Close();
    auto old_ids = OldIds();
    ASSERT_EQ(old_ids.size(), 94u);
    MakeSchemaThree();
    RekeySteps(7, steps);
    ASSERT_TRUE(Meta(kMetaIdsRekey));
    EXPECT_EQ(Meta(kMetaIdsRekey)->at(0), steps < 14 ? 'k' : 'c');
    auto refused = Store::OpenReadOnly({dir_.string()});
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("--migrate"), std::string::npos);

    MigrateOptions mo;
    mo.dir = dir_.string();
    mo.ids_per_txn = 5;
    MigrateProgress last;
    mo.progress = [&](const MigrateProgress& p) { last = p; };
    auto done = MigrateStore(mo);
    ASSERT_TRUE(done.ok()) << done.status().message();
    EXPECT_EQ(last.done, 188u);
    EXPECT_EQ(last.this_run, 188u - written);
    EXPECT_EQ(IdsTable(), NewIds(old_ids));
    EXPECT_FALSE(Meta(kMetaIdsRekey));
    EXPECT_FALSE(HasDb(kIdsRekeyedDb));
    EXPECT_EQ(AllEvents(), json);
    auto verify = VerifyStore(dir_.string());
    ASSERT_TRUE(verify.ok()) << verify.status().message();
    EXPECT_TRUE(verify->ok()) << verify->differences[0];
  }
}

// From schema 2 the ids re-key follows the values and the messages: a kill
// during it resumes there (the values are not converted twice).
TEST_F(EncodingTest, SchemaTwoKilledDuringTheIdsRekeyCarriesOn) {
  std::vector<std::string> json = AppendJson(MixedLines(10));
  Close();
  auto old_ids = OldIds();
  MakeSchemaTwo(json, json.size());  // every value converted, migrated_seq at the last
  RekeySteps(4, 3);
  MigrateOptions mo;
  mo.dir = dir_.string();
  uint64_t converted = 1;
  mo.progress = [&](const MigrateProgress& p) {
    if (p.stage == MigrateStage::kEvents) converted = p.this_run;
  };
  auto done = MigrateStore(mo);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(converted, 0u);
  EXPECT_EQ(IdsTable(), NewIds(old_ids));
  EXPECT_EQ(Meta(kMetaSchemaVersion), "4");
  EXPECT_FALSE(Meta(kMetaMigratedSeq));
  EXPECT_EQ(AllEvents(), json);
  auto verify = VerifyStore(dir_.string());
  ASSERT_TRUE(verify.ok() && verify->ok());
}

}  // namespace
}  // namespace trace
