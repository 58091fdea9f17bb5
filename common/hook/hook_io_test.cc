// Unit tests for trace-hook's OS side: a write that fails half-way leaves no
// partial line behind, stdin above the cap is drained and noted, a stalled
// writer hits the deadline, span ids are unique v4 UUIDs.
#include "common/hook/hook_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace trace::hook {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempDir() {
  char tmpl[] = "/tmp/hook-io-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(HookIo, AppendsWholeLinesAndCreatesDirectories) {
  std::string root = TempDir(), dir = root + "/a/b";
  ASSERT_TRUE(AppendLine(dir, "s.jsonl", R"({"n":1})").ok());
  ASSERT_TRUE(AppendLine(dir, "s.jsonl", R"({"n":2})").ok());
  EXPECT_EQ(ReadAll(dir + "/s.jsonl"), "{\"n\":1}\n{\"n\":2}\n");
  std::filesystem::remove_all(root);
}

// A file size limit makes write(2) stop part-way (as a full disk does): the
// partial record must be cut off again so the next line starts clean.
TEST(HookIo, FailedWriteLeavesNoPartialLine) {
  std::string dir = TempDir();
  ASSERT_TRUE(AppendLine(dir, "s.jsonl", "{\"first\":true}").ok());
  signal(SIGXFSZ, SIG_IGN);
  rlimit old;
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = 100;
  setrlimit(RLIMIT_FSIZE, &small);
  Status s = AppendLine(dir, "s.jsonl", "{\"big\":\"" + std::string(1000, 'x') + "\"}");
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_DFL);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ReadAll(dir + "/s.jsonl"), "{\"first\":true}\n");
  ASSERT_TRUE(AppendLine(dir, "s.jsonl", "{\"after\":true}").ok());
  EXPECT_EQ(ReadAll(dir + "/s.jsonl"), "{\"first\":true}\n{\"after\":true}\n");
  std::filesystem::remove_all(dir);
}

TEST(HookIo, ReadInputCapsAndDrains) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::thread writer([fd = p[1]] {
    std::string chunk(100000, 'a');
    for (int i = 0; i < 5; ++i) (void)!write(fd, chunk.data(), chunk.size());
    close(fd);
  });
  Input in = ReadInput(p[0], 1000, 5000);
  writer.join();
  close(p[0]);
  EXPECT_EQ(in.data.size(), 1000u);
  EXPECT_EQ(in.note, "stdin truncated to 1000 of 500000 bytes");
}

TEST(HookIo, ReadInputStopsAtTheDeadline) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_EQ(write(p[1], "{\"a\":", 5), 5);
  Input in = ReadInput(p[0], 1000, 50);  // the writer never closes
  close(p[0]);
  close(p[1]);
  EXPECT_EQ(in.data, "{\"a\":");
  EXPECT_EQ(in.note, "stdin read timed out after 50 ms");
}

TEST(HookIo, SpanIdsAreUniqueV4Uuids) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewSpanId();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace trace::hook
