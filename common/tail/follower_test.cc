// TailFollower on real files in a temp dir, driven step by step with
// Poll(full=true) (no watcher, no sleeps): partial lines, CRLF, the line
// cap, truncation, rotation, delete/recreate, late directories, restarts.
#include "common/tail/follower.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace trace {
namespace {

namespace fs = std::filesystem;

struct Seen {
  std::string path, text, notice;
  uint64_t offset = 0, length = 0;
  bool oversized = false;
};

class Collect : public LineSink {
 public:
  void OnLine(const SourceRef& s, const Line& l, InputKind, TimeCarry*) override {
    seen.push_back({s.path, std::string(l.text), "", l.offset, l.length, l.oversized});
  }
  void OnNotice(const SourceRef& s, std::string_view what, std::string_view) override {
    seen.push_back({s.path, "", std::string(what), s.offset, 0, false});
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const Seen& s : seen) out.push_back(s.notice.empty() ? s.text : "!" + s.notice);
    return out;
  }
  std::vector<Seen> seen;
};

class FollowerTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/follower-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) { return dir_ + "/" + name; }
  void Append(const std::string& name, const std::string& data) {
    fs::create_directories(fs::path(Path(name)).parent_path());
    std::ofstream(Path(name), std::ios::app | std::ios::binary) << data;
  }
  std::unique_ptr<TailFollower> Make(std::vector<std::string> patterns,
                                     FollowerOptions options = {}) {
    std::vector<WatchSpec> specs;
    for (auto& p : patterns) specs.push_back({Path(p), InputKind::kAuto});
    return std::make_unique<TailFollower>(specs, options, nullptr, &sink_);
  }

  std::string dir_;
  Collect sink_;
};

using Texts = std::vector<std::string>;

TEST_F(FollowerTest, PartialLineIsHeldUntilItsNewline) {
  Append("a.jsonl", "one\ntw");
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  EXPECT_EQ(sink_.Texts(), Texts({"one"}));
  EXPECT_EQ(f->Positions()[0].offset, 4u);
  Append("a.jsonl", "o\nthr");
  f->Poll(true);
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two"}));
  EXPECT_EQ(sink_.seen[1].offset, 4u);
  EXPECT_EQ(sink_.seen[1].length, 4u);
  f->FlushPartials();
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two", "thr"}));
  EXPECT_EQ(sink_.seen[2].length, 3u);
}

TEST_F(FollowerTest, CrlfIsStrippedEmptyLinesSkippedOffsetsExact) {
  Append("a.jsonl", "one\r\n\n\r\n  \nfive\r\n");
  auto f = Make({"a.jsonl"});
  f->Poll(true);
  ASSERT_EQ(sink_.Texts(), Texts({"one", "five"}));
  EXPECT_EQ(sink_.seen[0].length, 5u);
  EXPECT_EQ(sink_.seen[1].offset, 11u);
  EXPECT_EQ(f->Positions()[0].offset, 17u);
}

TEST_F(FollowerTest, LongLineBecomesOneOversizedLineAndResyncs) {
  FollowerOptions o;
  o.max_line_bytes = 100;
  o.read_chunk_bytes = 64;  // the long line spans many reads
  Append("a.jsonl", "short\n" + std::string(1000, 'x') + "\nafter\n");
  auto f = Make({"a.jsonl"}, o);
  f->Poll(true);
  ASSERT_EQ(sink_.seen.size(), 3u);
  EXPECT_TRUE(sink_.seen[1].oversized);
  EXPECT_EQ(sink_.seen[1].offset, 6u);
  EXPECT_EQ(sink_.seen[1].length, 1001u);
  EXPECT_LE(sink_.seen[1].text.size(), 1000u);
  EXPECT_EQ(sink_.seen[2].text, "after");
  EXPECT_EQ(sink_.seen[2].offset, 1007u);
}

TEST_F(FollowerTest, TruncationRestartsAtZeroWithNotice) {
  Append("a.jsonl", "one\ntwo\nthree\n");
  auto f = Make({"a.jsonl"});
  f->Poll(true);
  fs::resize_file(Path("a.jsonl"), 0);
  Append("a.jsonl", "new\n");
  f->Poll(true);
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two", "three", "!truncated", "new"}));
  EXPECT_EQ(sink_.seen.back().offset, 0u);
}

TEST_F(FollowerTest, RotationDrainsTheOldFileFirst) {
  Append("a.jsonl", "one\n");
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  Append("a.jsonl", "two\n");  // written before the rotation, not yet read
  fs::rename(Path("a.jsonl"), Path("a.jsonl.1"));
  Append("a.jsonl", "three\n");
  f->Poll(true);
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two", "!replaced", "three"}));
}

TEST_F(FollowerTest, DeleteAndRecreate) {
  Append("a.jsonl", "one\n");
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  Append("a.jsonl", "two\n");
  fs::remove(Path("a.jsonl"));
  f->Poll(true);
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two"}));
  EXPECT_EQ(f->source_count(), 0u);
  Append("a.jsonl", "again\n");
  f->Poll(true);
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two", "again"}));
}

TEST_F(FollowerTest, NewDirectoriesAndFilesAreFound) {
  auto f = Make({"projects/**/*.jsonl", "traces/*.jsonl"});
  f->Poll(true);
  EXPECT_EQ(f->source_count(), 0u);
  Append("projects/-home-p/s1.jsonl", "a\n");
  Append("projects/-home-p/s1/subagents/agent-x.jsonl", "b\n");
  Append("traces/t.jsonl", "c\n");
  Append("traces/deeper/no.jsonl", "not matched\n");
  Append("projects/-home-p/notes.txt", "not matched\n");
  f->Poll(true);
  EXPECT_EQ(f->source_count(), 3u);
  std::vector<std::string> texts = sink_.Texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, Texts({"a", "b", "c"}));
}

TEST_F(FollowerTest, RenameToAnotherMatchingNameKeepsPosition) {
  Append("a.jsonl", "one\n");
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  fs::rename(Path("a.jsonl"), Path("b.jsonl"));
  Append("b.jsonl", "two\n");
  f->Poll(true);
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two"}));
}

TEST_F(FollowerTest, RestartFromCheckpointNeitherResendsNorSkips) {
  Append("a.jsonl", "one\ntwo\npart");
  Checkpoint saved;
  {
    auto f = Make({"*.jsonl"});
    f->Poll(true);
    saved.sources = f->Positions();
  }
  Append("a.jsonl", "ial\nthree\n");
  Append("b.jsonl", "new file\n");
  Collect second;
  std::vector<WatchSpec> specs{{Path("*.jsonl"), InputKind::kAuto}};
  TailFollower f(specs, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  std::vector<std::string> texts = second.Texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(sink_.Texts(), Texts({"one", "two"}));
  EXPECT_EQ(texts, Texts({"new file", "partial", "three"}));
}

TEST_F(FollowerTest, FromEndSkipsExistingContentOnlyAtFirstStart) {
  Append("a.jsonl", "old\n");
  FollowerOptions o;
  o.from_end = true;
  auto f = Make({"*.jsonl"}, o);
  f->Poll(true);
  Append("a.jsonl", "new\n");
  Append("b.jsonl", "born later\n");
  f->Poll(true);
  std::vector<std::string> texts = sink_.Texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, Texts({"born later", "new"}));
  EXPECT_EQ(f->Positions().size(), 2u);
}

TEST_F(FollowerTest, RewindResendsFromGivenOffsetOthersFromOrigin) {
  Append("a.jsonl", "a1\na2\n");
  Append("b.jsonl", "b1\n");
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  sink_.seen.clear();
  std::string id_a;
  for (auto& p : f->Positions()) {
    if (p.path == Path("a.jsonl")) id_a = p.id;
  }
  EXPECT_EQ(f->Rewind({{id_a, "", 3, 0}}), 2);
  f->Poll(true);
  std::vector<std::string> texts = sink_.Texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, Texts({"a2", "b1"}));
  EXPECT_EQ(f->Rewind({{id_a, "", 1000, 0}}), 2);  // beyond the end: from 0
}

int OpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d)) ++n;
  closedir(d);
  return n;
}

TEST_F(FollowerTest, ManyFilesWithFewDescriptors) {
  for (int i = 0; i < 300; ++i) Append(std::to_string(i) + ".jsonl", "x\n");
  FollowerOptions o;
  o.max_open_files = 16;
  int before = OpenFds();
  auto f = Make({"*.jsonl"}, o);
  f->Poll(true);
  EXPECT_EQ(sink_.seen.size(), 300u);
  EXPECT_LE(OpenFds() - before, 17);
}

}  // namespace
}  // namespace trace

namespace trace {
namespace {

// With the real inotify watcher, Poll(full=false) finds what changed: the
// kernel queues the notices during the write calls, so no waiting is needed.
TEST_F(FollowerTest, InotifyNoticesDriveIncrementalPolls) {
  auto watcher = NewInotifyWatcher();
  ASSERT_TRUE(watcher.ok()) << watcher.status().message();
  std::vector<WatchSpec> specs{{Path("projects/**/*.jsonl"), InputKind::kTranscript}};
  TailFollower f(specs, {}, watcher->get(), &sink_);
  f.Poll(true);
  Append("projects/p/s1.jsonl", "one\n");  // parents created after start
  f.Poll(false);
  Append("projects/p/s1.jsonl", "two\n");
  Append("projects/p/s1/subagents/agent-a.jsonl", "three\n");
  f.Poll(false);
  std::vector<std::string> texts = sink_.Texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, Texts({"one", "three", "two"}));
  EXPECT_FALSE(f.Poll(false));
  EXPECT_EQ(sink_.seen.size(), 3u);
}

}  // namespace
}  // namespace trace
