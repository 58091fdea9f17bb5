// The stored position: absent is 0, what is saved is read back, and a broken
// file is an error (never silently 0, which would re-export the whole store).
#include "common/export/export_position.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace trace::exporter {
namespace {

class PositionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("pos-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "otlp-export.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(PositionTest, AbsentIsZero) {
  auto p = LoadPosition(path_);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(*p, 0u);
}

TEST_F(PositionTest, SavedIsRead) {
  ASSERT_TRUE(SavePosition(path_, 12345678901234).ok());
  EXPECT_EQ(*LoadPosition(path_), 12345678901234u);
  ASSERT_TRUE(SavePosition(path_, 7).ok());
  EXPECT_EQ(*LoadPosition(path_), 7u);
}

TEST_F(PositionTest, BrokenFileIsAnError) {
  for (const char* bad : {"", "garbage", "{}", "{\"exported_seq\":-1}", "{\"exported_seq\":\"7\"}",
                          "[7]", "{\"exported_seq\":"}) {
    Write(bad);
    auto p = LoadPosition(path_);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_NE(p.status().message().find("delete it"), std::string::npos);
    }
  }
}

TEST_F(PositionTest, UnwritableDirectoryIsAnError) {
  Write("x");
  EXPECT_FALSE(SavePosition(path_ + "/sub/pos.json", 1).ok());  // a file where a dir should be
}

}  // namespace
}  // namespace trace::exporter
