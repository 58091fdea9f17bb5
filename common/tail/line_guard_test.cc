// LineGuard in real child processes: a crash or a stall inside a line
// quarantines that line, a crash outside any line quarantines nothing, and
// the next LineGuard on the same file knows the line.
#include "common/tail/line_guard.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace trace {
namespace {

class LineGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("line_guard_test." + std::to_string(getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "tail.quarantine").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs body in a child process with a LineGuard open; returns its wait status.
  template <typename Body>
  int InChild(int64_t stall_ms, Body body) {
    pid_t pid = fork();
    if (pid == 0) {
      auto guard = LineGuard::Open(path_, stall_ms);
      if (!guard.ok()) _exit(3);
      body(**guard);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
  }

  std::string Contents() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  static SourceRef Line(uint64_t offset) {
    SourceRef ref;
    ref.path = "/h/.claude/projects/p/s.jsonl";
    ref.dev = 2049;
    ref.ino = 1234;
    ref.offset = offset;
    return ref;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(LineGuardTest, CrashInsideALineQuarantinesIt) {
  SourceRef line = Line(4096);
  int status = InChild(0, [&](LineGuard& guard) {
    guard.Enter(line);
    raise(SIGSEGV);
  });
  ASSERT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(Contents(), "2049 1234 4096 SIGSEGV /h/.claude/projects/p/s.jsonl\n");

  auto again = LineGuard::Open(path_, 0);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE((*again)->Quarantined(line));
  EXPECT_FALSE((*again)->Quarantined(Line(0)));
  SourceRef other_file = line;
  other_file.ino = 99;
  EXPECT_FALSE((*again)->Quarantined(other_file));
}

TEST_F(LineGuardTest, CrashBetweenLinesQuarantinesNothing) {
  int status = InChild(0, [&](LineGuard& guard) {
    SourceRef line = Line(10);
    guard.Enter(line);
    guard.Leave();
    raise(SIGABRT);
  });
  ASSERT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(Contents(), "");
}

TEST_F(LineGuardTest, StallQuarantinesTheLineAndExits) {
  int status = InChild(100, [&](LineGuard& guard) {
    SourceRef line = Line(77);
    guard.Enter(line);
    for (;;) pause();  // a parser that never returns
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), LineGuard::kExitStalled);
  EXPECT_EQ(Contents(), "2049 1234 77 stalled /h/.claude/projects/p/s.jsonl\n");
}

TEST_F(LineGuardTest, SlowButProgressingLinesAreNotAStall) {
  int status = InChild(200, [&](LineGuard& guard) {
    for (uint64_t i = 0; i < 20; ++i) {  // 20 lines of 50 ms: 1 s, no line over 200 ms
      SourceRef line = Line(i);
      guard.Enter(line);
      usleep(50 * 1000);
      guard.Leave();
    }
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(Contents(), "");
}

TEST_F(LineGuardTest, StdinLinesAreKnownByPathAndATornRecordIsIgnored) {
  {
    std::ofstream out(path_);
    out << "0 0 5 SIGSEGV -\n2049 1234 9 SIG";  // the second record was cut short
  }
  auto guard = LineGuard::Open(path_, 0);
  ASSERT_TRUE(guard.ok());
  SourceRef stdin_line;
  stdin_line.path = "-";
  stdin_line.offset = 5;
  EXPECT_TRUE((*guard)->Quarantined(stdin_line));
  EXPECT_EQ((*guard)->quarantined_count(), 1u);
}

TEST_F(LineGuardTest, MakesTheFilesDirectory) {
  // trace-tail opens it before its first checkpoint creates the data dir.
  path_ = (dir_ / "not" / "yet" / "tail.quarantine").string();
  auto guard = LineGuard::Open(path_, 0);
  ASSERT_TRUE(guard.ok()) << guard.status().message();
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(LineGuardTest, OnlyOneGuardPerProcess) {
  auto first = LineGuard::Open(path_, 0);
  ASSERT_TRUE(first.ok());
  auto second = LineGuard::Open(path_, 0);
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace trace
