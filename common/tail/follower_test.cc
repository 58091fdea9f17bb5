// TailFollower on real files in a temp dir, driven step by step with
// Poll(full=true) (no watcher, no sleeps): partial lines, CRLF, the line
// cap, truncation, rotation, delete/recreate, late directories, restarts.
#include "common/tail/follower.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
  EXPECT_EQ(f->Rewind({{id_a, "", 3, 0, "", 0, 0}}), 2);
  f->Poll(true);
  std::vector<std::string> texts = sink_.Texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, Texts({"a2", "b1"}));
  EXPECT_EQ(f->Rewind({{id_a, "", 1000, 0, "", 0, 0}}), 2);  // beyond the end: from 0
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

// --- file identity (issue 13) ----------------------------------------------

// The checkpoint a run over the files leaves, as if trace-tail stopped here.
Checkpoint RunOnce(TailFollower& f) {
  f.Poll(true);
  return Checkpoint{f.Positions()};
}

std::string IdOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

std::string Lines(const std::string& tag, int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += "{\"" + tag + "\":" + std::to_string(i) + "}\n";
  return out;
}

TEST_F(FollowerTest, NewFileOnAReusedInodeIsReadFromZero) {
  Append("a.jsonl", Lines("old", 1, 10));
  Checkpoint saved = RunOnce(*Make({"*.jsonl"}));
  // Down: a.jsonl deleted, b.jsonl written. The kernel gives b the freed
  // inode when it can; the checkpoint is pointed at b's either way.
  fs::remove(Path("a.jsonl"));
  Append("b.jsonl", Lines("new", 1, 20));
  saved.sources[0].id = IdOf(Path("b.jsonl"));
  Collect second;
  TailFollower f({{Path("*.jsonl"), InputKind::kAuto}}, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  ASSERT_EQ(second.seen.size(), 20u);
  EXPECT_EQ(second.seen[0].text, "{\"new\":1}");
  EXPECT_EQ(second.seen[0].offset, 0u);
}

TEST_F(FollowerTest, FileRewrittenLongerWhileDownIsReadFromZeroWithNotice) {
  Append("a.jsonl", Lines("v1", 1, 1000));
  Checkpoint saved = RunOnce(*Make({"*.jsonl"}));
  std::ofstream(Path("a.jsonl"), std::ios::trunc) << Lines("v2", 1, 2000);
  Collect second;
  TailFollower f({{Path("*.jsonl"), InputKind::kAuto}}, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  ASSERT_EQ(second.seen.size(), 2001u);
  EXPECT_EQ(second.seen[0].notice, "truncated");
  EXPECT_EQ(second.seen[1].text, "{\"v2\":1}");
  EXPECT_EQ(second.seen[2000].text, "{\"v2\":2000}");
}

TEST_F(FollowerTest, FileRewrittenToTheSameSizeWhileDownIsReadAgain) {
  Append("a.jsonl", "{\"a\":1}\n");
  Checkpoint saved = RunOnce(*Make({"*.jsonl"}));
  ASSERT_GT(saved.sources[0].mtime_ns, 0);
  saved.sources[0].fingerprint.clear();  // as an old checkpoint: only size and mtime tell
  saved.sources[0].mtime_ns -= 1000000000;
  Collect second;
  TailFollower f({{Path("*.jsonl"), InputKind::kAuto}}, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  EXPECT_EQ(second.Texts(), Texts({"!truncated", "{\"a\":1}"}));
}

TEST_F(FollowerTest, UnchangedAndAppendedFilesResumeAndOldCheckpointsStillWork) {
  Append("a.jsonl", std::string(2000, 'x') + "\n" + Lines("a", 1, 2));
  Append("b.jsonl", Lines("b", 1, 2));
  Checkpoint saved = RunOnce(*Make({"*.jsonl"}));
  Append("a.jsonl", Lines("a", 3, 3));
  for (SourcePosition& p : saved.sources) {
    if (p.path == Path("b.jsonl")) p = {p.id, p.path, p.offset, p.origin, "", 0, 0};  // version 1
  }
  Append("b.jsonl", Lines("b", 3, 3));
  Collect second;
  TailFollower f({{Path("*.jsonl"), InputKind::kAuto}}, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  std::vector<std::string> texts = second.Texts();
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, Texts({"{\"a\":3}", "{\"b\":3}"}));
}

TEST_F(FollowerTest, FileRenamedOutOfThePatternsWhileDownIsDrained) {
  Append("a.jsonl", Lines("a", 1, 5));
  Checkpoint saved = RunOnce(*Make({"*.jsonl"}));
  Append("a.jsonl", Lines("a", 6, 105));
  fs::rename(Path("a.jsonl"), Path("a.jsonl.1"));
  Collect second;
  TailFollower f({{Path("*.jsonl"), InputKind::kAuto}}, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  ASSERT_EQ(second.seen.size(), 100u);
  EXPECT_EQ(second.seen[0].text, "{\"a\":6}");
  EXPECT_EQ(second.seen[0].path, Path("a.jsonl.1"));
  EXPECT_EQ(f.source_count(), 0u);  // drained, then left
  Append("a.jsonl.1", Lines("a", 106, 106));
  f.Poll(true);
  EXPECT_EQ(second.seen.size(), 100u);
}

// Issue 13 leftovers: renamed while down into another directory, found by
// device+inode and first bytes in the watched tree (its other directory) or
// in an archive directory under its old one; moved off the roots: not found.
TEST_F(FollowerTest, FileRenamedIntoAnotherDirectoryWhileDownIsDrained) {
  Append("p/one/a.jsonl", Lines("a", 1, 5));
  Append("p/one/b.jsonl", Lines("b", 1, 5));
  Append("p/one/c.jsonl", Lines("c", 1, 5));
  Append("p/two/keep.txt", "x\n");
  Checkpoint saved = RunOnce(*Make({"p/**/*.jsonl"}));
  Append("p/one/a.jsonl", Lines("a", 6, 15));
  Append("p/one/b.jsonl", Lines("b", 6, 15));
  Append("p/one/c.jsonl", Lines("c", 6, 15));
  fs::rename(Path("p/one/a.jsonl"), Path("p/two/a.old"));  // elsewhere in the tree
  fs::create_directories(Path("archive"));
  fs::rename(Path("p/one/c.jsonl"), Path("archive/c.jsonl"));  // off the roots
  Collect second;
  TailFollower f({{Path("p/**/*.jsonl"), InputKind::kAuto}}, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  std::vector<std::string> a, b;
  for (const Seen& s : second.seen) (s.path == Path("p/two/a.old") ? a : b).push_back(s.text);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(a.front(), "{\"a\":6}");
  EXPECT_EQ(b.size(), 10u);  // b's appended lines; nothing of c
  EXPECT_EQ(b.front(), "{\"b\":6}");
}

TEST_F(FollowerTest, FileRenamedIntoASubdirectoryWhileDownIsDrained) {
  Append("t/a.jsonl", Lines("a", 1, 5));
  Checkpoint saved = RunOnce(*Make({"t/*.jsonl"}));
  Append("t/a.jsonl", Lines("a", 6, 25));
  fs::create_directories(Path("t/old"));
  fs::rename(Path("t/a.jsonl"), Path("t/old/a.jsonl"));  // below the glob's depth
  Collect second;
  TailFollower f({{Path("t/*.jsonl"), InputKind::kAuto}}, {}, nullptr, &second);
  f.Restore(saved);
  f.Poll(true);
  ASSERT_EQ(second.seen.size(), 20u);
  EXPECT_EQ(second.seen[0].path, Path("t/old/a.jsonl"));
  EXPECT_EQ(f.source_count(), 0u);
}

// Live, with its descriptor closed (more files than max_open_files): the
// rescan its move causes finds it in the other watched directory.
TEST_F(FollowerTest, FileRenamedElsewhereWhileItsDescriptorWasClosedIsDrained) {
  FollowerOptions o;
  o.max_open_files = 1;
  Append("x/a.jsonl", Lines("a", 1, 3));
  Append("y/b.log", "{\"b\":1}\n");
  auto f = Make({"x/*.jsonl", "y/*.log"}, o);
  f->Poll(true);
  Append("y/b.log", "{\"b\":2}\n");
  f->Poll(true);  // b's read closes a's descriptor
  Append("x/a.jsonl", Lines("a", 4, 9));
  fs::rename(Path("x/a.jsonl"), Path("y/a.jsonl.1"));
  sink_.seen.clear();
  f->Poll(true);
  ASSERT_EQ(sink_.seen.size(), 6u);
  EXPECT_EQ(sink_.seen[0].text, "{\"a\":4}");
  EXPECT_EQ(f->source_count(), 1u);  // a drained and left; b followed on
}

TEST_F(FollowerTest, RewriteBetweenPollsIsNoticedThoughTheFileGrew) {
  Append("a.jsonl", Lines("v1", 1, 3));
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  std::ofstream(Path("a.jsonl"), std::ios::trunc) << Lines("v2", 1, 9);
  f->Poll(true);
  Texts texts = sink_.Texts();
  ASSERT_EQ(texts.size(), 13u);
  EXPECT_EQ(texts[3], "!truncated");
  EXPECT_EQ(texts[4], "{\"v2\":1}");
}

// What a new file on the freed inode looks like to the follower: the same
// device+inode at the path, other bytes (rewritten in place here, so the
// test does not depend on the kernel handing out the inode again).
TEST_F(FollowerTest, FileChangedWhileItsDescriptorWasClosedIsCheckedOnReopen) {
  FollowerOptions o;
  o.max_open_files = 1;  // b's read closes a's descriptor
  Append("a.jsonl", Lines("old", 1, 10));
  Append("b.jsonl", "{\"b\":1}\n");
  auto f = Make({"a.jsonl", "b.jsonl"}, o);
  f->Poll(true);
  Append("b.jsonl", "{\"b\":2}\n");
  f->Poll(true);  // only b changed: b is opened, a's descriptor closed
  std::string id = IdOf(Path("a.jsonl"));
  std::ofstream(Path("a.jsonl"), std::ios::trunc) << Lines("new", 1, 20);
  ASSERT_EQ(IdOf(Path("a.jsonl")), id);
  sink_.seen.clear();
  f->Poll(true);
  Texts texts = sink_.Texts();
  ASSERT_EQ(texts.size(), 21u);
  EXPECT_EQ(texts[0], "!truncated");
  EXPECT_EQ(texts[1], "{\"new\":1}");
}

TEST_F(FollowerTest, FingerprintTravelsWithEveryLineAndPosition) {
  Append("a.jsonl", "{\"a\":1}\n");
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  ASSERT_EQ(f->Positions().size(), 1u);
  SourcePosition p = f->Positions()[0];
  EXPECT_EQ(Fingerprint::Parse(p.fingerprint).length, 8u);
  EXPECT_EQ(p.size, 8u);
  Append("a.jsonl", std::string(2000, 'y') + "\n");
  f->Poll(true);
  EXPECT_EQ(Fingerprint::Parse(f->Positions()[0].fingerprint).length, kFingerprintBytes);
}

TEST_F(FollowerTest, RewindAgainstAReplacedFileStartsAtZero) {
  Append("a.jsonl", Lines("old", 1, 10));
  auto f = Make({"*.jsonl"});
  f->Poll(true);
  SourcePosition committed = f->Positions()[0];  // what the index committed for the old file
  std::ofstream(Path("a.jsonl"), std::ios::trunc) << Lines("new", 1, 20);
  f->Poll(true);
  sink_.seen.clear();
  EXPECT_EQ(f->Rewind({committed}), 1);
  f->Poll(true);
  ASSERT_EQ(sink_.seen.size(), 20u);
  EXPECT_EQ(sink_.seen[0].offset, 0u);
  // The same target without a fingerprint (an old store) keeps the offset.
  sink_.seen.clear();
  committed.fingerprint.clear();
  EXPECT_EQ(f->Rewind({committed}), 1);
  f->Poll(true);
  EXPECT_EQ(sink_.seen.size(), 10u);  // from the old offset (101: where line 11 starts)
}

// --- hostile trees ------------------------------------------------------------

TEST_F(FollowerTest, SymlinkLoopsAreEnteredOnce) {
  Append("projects/p/s.jsonl", Lines("s", 1, 3));
  fs::create_directory_symlink(Path("projects"), Path("projects/p/loop1"));
  fs::create_directory_symlink(Path("projects/p"), Path("projects/p/loop2"));
  fs::create_directory_symlink(Path("projects/p"), Path("projects/alias"));
  auto f = Make({"projects/**/*.jsonl"});
  f->Poll(true);
  f->Poll(true);
  EXPECT_EQ(sink_.seen.size(), 3u);
  EXPECT_EQ(f->source_count(), 1u);
}

TEST_F(FollowerTest, DepthIsBoundedAndAScanCanBeInterrupted) {
  std::string deep = "projects";
  for (int i = 0; i < 12; ++i) deep += "/d";
  Append(deep + "/deep.jsonl", "{}\n");
  Append("projects/d/shallow.jsonl", "{}\n");
  FollowerOptions o;
  o.max_depth = 5;
  auto f = Make({"projects/**/*.jsonl"}, o);
  f->Poll(true);
  EXPECT_EQ(f->source_count(), 1u);
  int calls = 0;
  o.max_depth = 32;
  o.interrupted = [&] { return ++calls > 2; };
  Collect other;
  TailFollower g({{Path("projects/**/*.jsonl"), InputKind::kAuto}}, o, nullptr, &other);
  g.Poll(true);
  EXPECT_LE(g.source_count(), 1u);
  EXPECT_LE(calls, 4);
}

TEST_F(FollowerTest, MoreFilesThanDescriptorsAreAllReadInTurn) {
  for (int i = 0; i < 50; ++i) Append(std::to_string(i) + ".jsonl", "{\"first\":1}\n");
  FollowerOptions o;
  o.max_open_files = 4;
  int before = OpenFds();
  auto f = Make({"*.jsonl"}, o);
  f->Poll(true);
  EXPECT_EQ(sink_.seen.size(), 50u);
  EXPECT_LE(OpenFds() - before, 4);
  for (int i = 0; i < 50; ++i) Append(std::to_string(i) + ".jsonl", "{\"second\":1}\n");
  f->Poll(true);
  EXPECT_EQ(sink_.seen.size(), 100u);
  EXPECT_LE(OpenFds() - before, 4);
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

namespace trace {
namespace {

// Flow control (FollowerOptions::hold): out of credit the follower stops at
// a line, not at a read, reports more to read and the backlog, and resumes
// at that line; a file that goes away is still read to its end.
TEST_F(FollowerTest, HoldStopsAtALineAndResumesThere) {
  Append("a.jsonl", "l1\nl2\nl3\nl4\nl5\n");
  size_t credit = 2;
  FollowerOptions o;
  o.hold = [&] { return sink_.seen.size() >= credit; };
  auto f = Make({"*.jsonl"}, o);
  EXPECT_TRUE(f->Poll(true));  // more to read
  EXPECT_EQ(sink_.Texts(), Texts({"l1", "l2"}));
  EXPECT_EQ(f->Positions()[0].offset, 6u);
  wire::Backlog b = f->Backlog();
  EXPECT_EQ(b.files, 1u);
  EXPECT_EQ(b.files_behind, 1u);
  EXPECT_EQ(b.bytes_total, 15u);
  EXPECT_EQ(b.bytes_left, 9u);
  EXPECT_TRUE(f->Poll(false));  // still no credit: nothing read
  EXPECT_EQ(sink_.seen.size(), 2u);
  credit = 4;
  EXPECT_TRUE(f->Poll(false));
  EXPECT_EQ(sink_.Texts(), Texts({"l1", "l2", "l3", "l4"}));
  credit = 100;
  EXPECT_FALSE(f->Poll(false));
  EXPECT_EQ(sink_.Texts(), Texts({"l1", "l2", "l3", "l4", "l5"}));
  EXPECT_EQ(f->Backlog().bytes_left, 0u);
  EXPECT_EQ(f->Backlog().files_behind, 0u);
}

TEST_F(FollowerTest, BacklogCountsFilesNotReadYet) {
  Append("a.jsonl", "x\n");
  Append("b.jsonl", "yyyy\n");
  FollowerOptions o;
  o.hold = [] { return true; };  // no credit at all
  auto f = Make({"*.jsonl"}, o);
  f->Poll(true);
  EXPECT_TRUE(sink_.seen.empty());
  wire::Backlog b = f->Backlog();
  EXPECT_EQ(b.files, 2u);
  EXPECT_EQ(b.files_behind, 2u);
  EXPECT_EQ(b.bytes_left, 7u);
}

}  // namespace
}  // namespace trace
