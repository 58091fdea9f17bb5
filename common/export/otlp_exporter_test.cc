// The exporter against a scripted collector on loopback (a real HTTP server,
// ConnectionLoop) and an in-memory list of committed events: batches arrive
// in order, 503 with Retry-After and a dead collector are retried, a 413
// halves the batch, a 400 is skipped and counted without stalling what
// follows, and a new exporter on
// the same position file resumes after the last acknowledged event.
#include "common/export/otlp_exporter.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "common/export/export_position.h"
#include "common/http/connection_loop.h"
#include "common/json/json_parse.h"
#include "common/otlp/otlp.h"

namespace trace::exporter {
namespace {

// Committed events seq 1..n, appended by the test while the exporter reads;
// Read has StoreSnapshot::EventsAfter's limits.
class FakeEvents {
 public:
  void Add(size_t n) {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < n; ++i) {
      uint64_t seq = events_.size() + 1;
      events_.push_back(R"({"span_id":"e)" + std::to_string(seq) +
                        R"(","event_type":"Stop","session_id":"s","timestamp":1000,"seq":)" +
                        std::to_string(seq) + "}");
    }
  }
  Result<bool> Read(uint64_t after, size_t max, size_t max_bytes,
                    std::vector<std::pair<uint64_t, std::string>>* out) {
    std::lock_guard lock(mu_);
    size_t bytes = 0;
    uint64_t seq = after + 1;
    for (; seq <= events_.size() && max > 0; ++seq, --max) {
      if (bytes > 0 && bytes + events_[seq - 1].size() > max_bytes) break;
      out->emplace_back(seq, events_[seq - 1]);
      bytes += events_[seq - 1].size();
    }
    return seq <= events_.size();
  }

 private:
  std::mutex mu_;
  std::vector<std::string> events_;
};

class ExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("exporter-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    http::LoopOptions o;
    o.workers = 1;
    collector_ = std::make_unique<http::ConnectionLoop>(
        o, [this](http::RawRequest& req, const std::string&, int) { return Answer(req); },
        ErrorReply);
    ASSERT_TRUE(collector_->Start().ok());
  }
  static http::Reply ErrorReply(int status, std::string_view) {
    http::Reply r;
    r.head = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n";
    r.close = true;
    return r;
  }
  void TearDown() override {
    exporter_.reset();
    collector_->Stop();
    std::filesystem::remove_all(dir_);
  }

  // Answers from the script, then 200; a 200 records the seqs it carried.
  http::Reply Answer(http::RawRequest& req) {
    std::lock_guard lock(mu_);
    int status = 200;
    if (!script_.empty()) {
      status = script_.front();
      script_.pop_front();
    }
    ++requests_;
    if (status == 200) Record(req.body);
    http::Reply r;
    std::string body = status == 200 ? "{}" : R"({"error":{"code":"x","message":"scripted"}})";
    r.head = "HTTP/1.1 " + std::to_string(status) + " S\r\nContent-Type: application/json\r\n" +
             (status == 503 ? "Retry-After: 0\r\n" : "") +
             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    r.body = body;
    return r;
  }
  void Record(const std::string& body) {
    auto d = otlp::DecodeExport(otlp::Signal::kLogs, encoding_, body, 0);
    ASSERT_TRUE(d.ok()) << d.status().message();
    for (const auto& line : d->records) {
      rapidjson::Document rec;
      ASSERT_TRUE(json::Parse(&rec, line).ok());
      received_.push_back(rec["attributes"]["seq"].GetInt64());
    }
  }

  OtlpExporter::Options Options() {
    OtlpExporter::Options o;
    o.url.host = "127.0.0.1";
    o.url.port = collector_->port();
    o.url.path = "/v1/logs";
    o.encoding = encoding_;
    o.batch_events = 10;
    o.batch_ms = 5;
    o.poll_ms = 2;
    o.timeout_ms = 2000;
    o.retry = {5, 20, 1000};
    o.position_path = (dir_ / "pos.json").string();
    return o;
  }
  void StartExporter(OtlpExporter::Options o) {
    exporter_ = std::make_unique<OtlpExporter>(
        o,
        [this](uint64_t a, size_t m, size_t b, auto* out) { return events_.Read(a, m, b, out); });
    ASSERT_TRUE(exporter_->Start().ok());
  }
  // Waits (bounded) until the exporter's position reaches seq.
  bool WaitPosition(uint64_t seq) {
    for (int i = 0; i < 1000; ++i) {
      if (exporter_->totals().position >= seq) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  std::vector<int64_t> Received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  static std::vector<int64_t> Range(int64_t from, int64_t to) {
    std::vector<int64_t> v;
    for (int64_t i = from; i <= to; ++i) v.push_back(i);
    return v;
  }

  std::filesystem::path dir_;
  otlp::Encoding encoding_ = otlp::Encoding::kProtobuf;
  FakeEvents events_;
  std::unique_ptr<http::ConnectionLoop> collector_;
  std::unique_ptr<OtlpExporter> exporter_;
  std::mutex mu_;
  std::deque<int> script_;
  int requests_ = 0;
  std::vector<int64_t> received_;
};

TEST_F(ExporterTest, SendsEveryEventInOrderInBatches) {
  events_.Add(35);
  StartExporter(Options());
  ASSERT_TRUE(WaitPosition(35));
  EXPECT_EQ(Received(), Range(1, 35));
  auto t = exporter_->totals();
  EXPECT_EQ(t.exported, 35u);
  EXPECT_EQ(t.batches, 4u);  // 10 + 10 + 10 + 5
  EXPECT_EQ(*LoadPosition((dir_ / "pos.json").string()), 35u);
  events_.Add(3);  // committed later: picked up while running
  ASSERT_TRUE(WaitPosition(38));
  EXPECT_EQ(Received(), Range(1, 38));
}

TEST_F(ExporterTest, RetriesThenSkipsARefusedBatch) {
  encoding_ = otlp::Encoding::kJson;
  {
    std::lock_guard lock(mu_);
    script_ = {503, 429, 502, 400};  // three retries of batch 1, then it is refused
  }
  events_.Add(20);
  StartExporter(Options());
  ASSERT_TRUE(WaitPosition(20));
  EXPECT_EQ(Received(), Range(11, 20));  // batch 1 (seq 1..10) got the 400
  auto t = exporter_->totals();
  EXPECT_EQ(t.retries, 3u);
  EXPECT_EQ(t.rejected_batches, 1u);
  EXPECT_EQ(t.rejected_events, 10u);
  EXPECT_EQ(t.exported, 10u);
}

TEST_F(ExporterTest, TooLargeHalvesTheBatchInsteadOfDroppingIt) {
  {
    std::lock_guard lock(mu_);
    script_ = {413, 413};  // 10 events too many, then 5: batches of 2 go through
  }
  events_.Add(18);
  StartExporter(Options());
  ASSERT_TRUE(WaitPosition(18));
  EXPECT_EQ(Received(), Range(1, 18));
  auto t = exporter_->totals();
  EXPECT_EQ(t.rejected_batches, 0u);
  EXPECT_EQ(t.batches, 9u);  // 18 events of ~90 bytes, 2 per request (budget ~225 bytes)
  events_.Add(10);           // the budget holds for the run
  ASSERT_TRUE(WaitPosition(28));
  EXPECT_EQ(Received(), Range(1, 28));
  EXPECT_EQ(exporter_->totals().batches, 14u);
}

TEST_F(ExporterTest, CatchesUpWhenTheCollectorComesBack) {
  auto o = Options();
  uint16_t port = collector_->port();
  collector_->Stop();
  o.url.port = port;
  events_.Add(25);
  StartExporter(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(exporter_->totals().position, 0u);
  EXPECT_GT(exporter_->totals().retries, 0u);
  http::LoopOptions lo;
  lo.port = port;
  lo.workers = 1;
  collector_ = std::make_unique<http::ConnectionLoop>(
      lo, [this](http::RawRequest& req, const std::string&, int) { return Answer(req); },
      ErrorReply);
  ASSERT_TRUE(collector_->Start().ok());
  ASSERT_TRUE(WaitPosition(25));
  EXPECT_EQ(Received(), Range(1, 25));
}

TEST_F(ExporterTest, RestartResumesFromTheStoredPosition) {
  events_.Add(12);
  StartExporter(Options());
  ASSERT_TRUE(WaitPosition(12));
  exporter_.reset();
  events_.Add(8);
  StartExporter(Options());
  ASSERT_TRUE(WaitPosition(20));
  EXPECT_EQ(Received(), Range(1, 20));  // nothing sent twice, nothing skipped
}

TEST_F(ExporterTest, BrokenPositionFileRefusesToStart) {
  auto o = Options();
  std::filesystem::create_directories(dir_);
  { std::ofstream(o.position_path) << "junk"; }
  OtlpExporter e(
      o, [this](uint64_t a, size_t m, size_t b, auto* out) { return events_.Read(a, m, b, out); });
  EXPECT_FALSE(e.Start().ok());
}

TEST(ExporterFlagsTest, UrlProtocolAndHeaders) {
  EXPECT_EQ(ResolveLogsUrl("http://c:4318")->path, "/v1/logs");
  EXPECT_EQ(ResolveLogsUrl("http://c:4318/")->path, "/v1/logs");
  EXPECT_EQ(ResolveLogsUrl("http://c:4318/custom/logs")->path, "/custom/logs");
  EXPECT_FALSE(ResolveLogsUrl("c:4318").ok());
  EXPECT_EQ(*ParseProtocol("http/json"), otlp::Encoding::kJson);
  EXPECT_EQ(*ParseProtocol("http/protobuf"), otlp::Encoding::kProtobuf);
  EXPECT_FALSE(ParseProtocol("grpc").ok());
  auto h = ParseHeader("Authorization=Bearer a=b");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->first, "Authorization");
  EXPECT_EQ(h->second, "Bearer a=b");
  for (const char* bad : {"", "=x", "NoEquals", "Bad Key=x", "K=a\r\nInjected: 1", "K\n=x"})
    EXPECT_FALSE(ParseHeader(bad).ok()) << bad;
}

}  // namespace
}  // namespace trace::exporter
