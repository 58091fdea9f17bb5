// TimeCarry through the real follower and TailOutput: a transcript line
// without a timestamp takes the last one earlier in its file, the first one
// later for a file's first lines, the file's mtime when the file has none,
// and gets the same event again after a restart or a rewind.
#include "common/tail/time_carry.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/tail/follower.h"
#include "common/tail/tail_output.h"

namespace trace {
namespace {

namespace fs = std::filesystem;

// Real-shaped Claude Code 2.1.x lines (tests/fixtures/README.md): the
// snapshot and summary lines carry no top-level timestamp.
constexpr char kSnapshot[] =
    R"({"type":"file-history-snapshot","messageId":"m1","snapshot":{"messageId":"m1","trackedFileBackups":{},"timestamp":"2026-02-12T16:02:25.000Z"},"isSnapshotUpdate":false})";
constexpr char kUser[] =
    R"({"parentUuid":null,"isSidechain":false,"sessionId":"s1","version":"2.1.39","type":"user","message":{"role":"user","content":"hi"},"uuid":"u1","timestamp":"2026-02-12T16:02:25.284Z"})";
constexpr char kAssistant[] =
    R"({"parentUuid":"u1","isSidechain":false,"sessionId":"s1","version":"2.1.39","message":{"model":"claude-opus-4-6","id":"msg_1","role":"assistant","content":[{"type":"text","text":"hello"}],"usage":{"input_tokens":3,"output_tokens":9}},"requestId":"req_1","type":"assistant","uuid":"a1","timestamp":"2026-02-12T16:02:29.111Z"})";
constexpr char kSummary[] = R"({"type":"summary","summary":"Greeting","leafUuid":"a1"})";
// 2026-02-12T16:02:25.284Z and 2026-02-12T16:02:29.111Z in ms.
constexpr int64_t kUserMs = 1770912145284, kAssistantMs = 1770912149111;

struct Seen {
  int64_t ts;
  std::string source;  // timestamp_source, "" when the record's own
  std::string json;
};

class TimeCarryTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/time-carry-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/s1.jsonl";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::vector<std::string>& lines) {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    for (const auto& l : lines) out << l << "\n";
  }
  // Reads the file with a fresh follower (restored positions, if given)
  // and returns the events, optionally rewinding once after the first poll.
  std::vector<Seen> Follow(const Checkpoint* restore = nullptr,
                           const std::vector<SourcePosition>* rewind = nullptr) {
    std::string out_path = dir_ + "/events.out";
    int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    TailOutput output(nullptr, fd);
    TailFollower f({{path_, InputKind::kTranscript}}, {}, nullptr, &output);
    if (restore) f.Restore(*restore);
    f.Poll(true);
    if (rewind) {
      f.Rewind(*rewind);
      f.Poll(true);
    }
    positions_ = f.Positions();
    EXPECT_TRUE(output.Flush().ok());
    close(fd);
    std::ifstream in(out_path);
    std::vector<Seen> seen;
    for (std::string line; std::getline(in, line);) {
      rapidjson::Document d;
      d.Parse(line.c_str());
      std::string source = d.HasMember("timestamp_source") ? d["timestamp_source"].GetString() : "";
      seen.push_back({d["timestamp"].GetInt64(), source, line});
    }
    return seen;
  }

  std::string dir_, path_;
  std::vector<SourcePosition> positions_;
};

TEST_F(TimeCarryTest, NeighboursTimesNeverTheReadTime) {
  Write({kSnapshot, kUser, kSnapshot, kAssistant, kSummary});
  auto seen = Follow();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].ts, kUserMs);  // the file's first line: the next time
  EXPECT_EQ(seen[0].source, "next");
  EXPECT_EQ(seen[1].ts, kUserMs);
  EXPECT_EQ(seen[1].source, "");
  EXPECT_EQ(seen[2].ts, kUserMs);
  EXPECT_EQ(seen[2].source, "previous");
  EXPECT_EQ(seen[3].ts, kAssistantMs);
  EXPECT_EQ(seen[4].ts, kAssistantMs);
  EXPECT_EQ(seen[4].source, "previous");
}

TEST_F(TimeCarryTest, RestartAndRewindGiveTheSameEvents) {
  Write({kSnapshot, kUser, kSnapshot, kAssistant, kSummary});
  auto first = Follow();
  uint64_t third = std::string(kSnapshot).size() + std::string(kUser).size() + 2;
  // A restart from a checkpoint just before the second snapshot: the
  // carried time is found by looking back.
  SourcePosition at = positions_[0];
  at.offset = third;
  Checkpoint c{{at}};
  auto restarted = Follow(&c);
  ASSERT_EQ(restarted.size(), 3u);
  EXPECT_EQ(restarted[0].json, first[2].json);
  EXPECT_EQ(restarted[2].json, first[4].json);
  // A rewind (catch-up) to the start and to the middle.
  std::vector<SourcePosition> to_start{positions_[0]};
  to_start[0].offset = 0;
  auto rewound = Follow(nullptr, &to_start);
  ASSERT_EQ(rewound.size(), 10u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(rewound[5 + i].json, first[i].json) << i;
  std::vector<SourcePosition> to_middle{at};
  rewound = Follow(nullptr, &to_middle);
  ASSERT_EQ(rewound.size(), 8u);
  EXPECT_EQ(rewound[5].json, first[2].json);
}

TEST_F(TimeCarryTest, AFileWithoutAnyTimeTakesItsMtime) {
  Write({kSnapshot, kSummary});
  struct timespec times[2] = {{1770912000, 0}, {1770912000, 250000000}};
  ASSERT_EQ(utimensat(AT_FDCWD, path_.c_str(), times, 0), 0);
  auto seen = Follow();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].ts, 1770912000250);
  EXPECT_EQ(seen[0].source, "file_mtime");
  EXPECT_EQ(seen[1].ts, 1770912000250);
  // Once a timed line arrives, later lines carry it.
  Write({kUser, kSnapshot});
  seen = Follow();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].ts, kUserMs);  // now the next time exists
  EXPECT_EQ(seen[0].source, "next");
  EXPECT_EQ(seen[3].ts, kUserMs);
  EXPECT_EQ(seen[3].source, "previous");
}

}  // namespace
}  // namespace trace
