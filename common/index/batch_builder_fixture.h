// The fixture the index's store tests share: a real store in a temp dir,
// written through the batch builder as trace-index writes, read through a
// reader, and the line builders (hook, assistant, tool_result) they feed it.
// Test-only; included by the index's store tests.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <functional>

#include "common/event/normalize.h"
#include "common/index/batch_builder.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/store/store.h"
#include "common/store/store_schema.h"
#include "common/store/store_verify.h"
#include "common/store/store_writer.h"

namespace trace {
namespace testing_fixture {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    OpenWriter(0);
  }
  void TearDown() override {
    builder_.reset();
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  void OpenWriter(size_t map_size) {
    builder_.reset();
    writer_.reset();
    StoreWriter::Options o;
    o.dir = dir_.string();
    o.durable = false;
    o.map_size = map_size;
    auto w = StoreWriter::Open(o);
    ASSERT_TRUE(w.ok()) << w.status().message();
    writer_ = std::move(*w);
    builder_ = std::make_unique<BatchBuilder>(*writer_, 1000);
  }
  std::unique_ptr<Store> Reader() {
    auto r = Store::OpenReadOnly({dir_.string()});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r ? std::move(*r) : nullptr;
  }
  BatchStats Append(const std::vector<std::string>& lines) {
    std::vector<IncomingLine> in;
    for (const auto& l : lines) in.push_back({l, true});
    PreparedBatch batch;
    Status st = builder_->Build(in, {}, &batch);
    EXPECT_TRUE(st.ok()) << st.message();
    if (st) st = writer_->Commit(batch);
    EXPECT_TRUE(st.ok()) << st.message();
    builder_->Retire(batch.id);
    return batch.stats;
  }
  static rapidjson::Document Parse(const std::string& s) {
    rapidjson::Document d;
    EXPECT_TRUE(json::Parse(&d, s).ok()) << s;
    return d;
  }
  // Runs fn in a write txn on the store (the writer closed first) with its
  // tables open: raw LMDB playing an older store or a bad disk.
  void Raw(const std::function<void(MDB_txn*, const StoreDbs&)>& fn) {
    builder_.reset();
    writer_.reset();
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
  rapidjson::Document Session(const std::string& id) {
    auto s = Reader()->GetSession(id);
    EXPECT_TRUE(s.ok() && s->has_value()) << id;
    return Parse(s.ok() && s->has_value() ? **s : "{}");
  }
  std::filesystem::path dir_;
  std::unique_ptr<StoreWriter> writer_;
  std::unique_ptr<BatchBuilder> builder_;
};

inline std::string Hook(const std::string& span, const std::string& type, int64_t ts,
                        const std::string& session = "s1", const std::string& tool = "",
                        const std::string& tool_use_id = "", const std::string& extra = "") {
  std::string s = R"({"span_id":")" + span + R"(","kind":"hook","event_type":")" + type +
                  R"(","session_id":")" + session + R"(","timestamp":)" + std::to_string(ts);
  if (!tool.empty()) s += R"(,"tool_name":")" + tool + "\"";
  if (!tool_use_id.empty()) s += R"(,"tool_use_id":")" + tool_use_id + "\"";
  return s + extra + "}";
}

inline std::string Assistant(const std::string& span, int64_t ts, const std::string& msg_id,
                             int64_t input, int64_t output, const std::string& content = "[]",
                             const std::string& model = "claude-opus-4-6") {
  return R"({"span_id":")" + span +
         R"(","kind":"transcript","event_type":"assistant","session_id":"s1","timestamp":)" +
         std::to_string(ts) + R"(,"data":{"type":"assistant","requestId":"req_)" + msg_id +
         R"(","message":{"id":")" + msg_id + R"(","model":")" + model + R"(","content":)" +
         content + R"(,"usage":{"input_tokens":)" + std::to_string(input) +
         R"(,"cache_creation_input_tokens":10,"cache_read_input_tokens":20,"output_tokens":)" +
         std::to_string(output) + "}}}}";
}

inline std::string ToolResult(const std::string& span, int64_t ts, const std::string& id,
                              bool error) {
  return R"({"span_id":")" + span +
         R"(","kind":"transcript","event_type":"user","session_id":"s1","timestamp":)" +
         std::to_string(ts) +
         R"(,"data":{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":")" +
         id + R"(","content":"x","is_error":)" + (error ? "true" : "false") + "}]}}}";
}

}  // namespace testing_fixture
}  // namespace trace
