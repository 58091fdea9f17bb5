// Checkpoint files: round trip, a missing file is "no checkpoint yet", a
// corrupt one is an error, and saving replaces the file atomically.
#include "common/tail/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace trace {
namespace {

namespace fs = std::filesystem;

class CheckpointTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/checkpoint-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CheckpointTest, RoundTripInANewDirectory) {
  std::string path = dir_ + "/sub/state.json";
  Checkpoint c{{{"2049:1311", "/h/.claude/history.jsonl", 10240, 0, "1024:0123456789abcdef", 20000,
                 1764633600123456789},
                {"-", "-", 7, 0, "", 0, 0},
                {"1:2", "/odd \"name\"\n.jsonl", 5, 5, "5:fedcba9876543210", 5, 1}}};
  ASSERT_TRUE(SaveCheckpoint(path, c).ok());
  auto loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->sources, c.sources);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST_F(CheckpointTest, MissingFileIsNoCheckpoint) {
  auto loaded = LoadCheckpoint(dir_ + "/none.json");
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(CheckpointTest, CorruptFileIsAnError) {
  std::ofstream(dir_ + "/bad.json") << "{\"sources\": 3";
  auto loaded = LoadCheckpoint(dir_ + "/bad.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("not a trace-tail checkpoint"), std::string::npos);
}

TEST_F(CheckpointTest, DeeplyNestedFileIsAnErrorNotACrash) {
  std::ofstream(dir_ + "/deep.json") << R"({"sources":)" << std::string(100000, '[');
  auto loaded = LoadCheckpoint(dir_ + "/deep.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("not a trace-tail checkpoint"), std::string::npos);
}

TEST_F(CheckpointTest, SaveReplacesAndFailsCleanly) {
  std::string path = dir_ + "/state.json";
  ASSERT_TRUE(SaveCheckpoint(path, Checkpoint{{{"1:1", "/a", 1, 0, "", 0, 0}}}).ok());
  ASSERT_TRUE(SaveCheckpoint(path, Checkpoint{{{"1:1", "/a", 99, 0, "", 0, 0}}}).ok());
  EXPECT_EQ((*LoadCheckpoint(path))->sources[0].offset, 99u);
  fs::create_directories(dir_ + "/dir.json/x");  // rename onto a non-empty directory fails
  Status st = SaveCheckpoint(dir_ + "/dir.json", Checkpoint{});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("save state"), std::string::npos);
  size_t entries = 0;  // no temp file left behind
  for (const auto& e : fs::directory_iterator(dir_)) entries += e.path().filename() != "x" ? 1 : 0;
  EXPECT_EQ(entries, 2u);  // state.json and dir.json
}

TEST_F(CheckpointTest, VersionOneFilesLoadWithoutFileFacts) {
  std::string path = dir_ + "/old.json";
  std::ofstream(path)
      << R"({"version":1,"sources":[{"id":"1:2","path":"/a","offset":7,"origin":0}]})";
  auto loaded = LoadCheckpoint(path);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  SourcePosition want{"1:2", "/a", 7, 0, "", 0, 0};
  EXPECT_EQ((*loaded)->sources[0], want);
}

}  // namespace
}  // namespace trace
