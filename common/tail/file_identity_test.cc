// Fingerprints of real files: the text form round-trips and rejects junk, a
// short file's fingerprint is extended as it grows, and a rewritten or
// shorter file no longer starts with it.
#include "common/tail/file_identity.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace trace {
namespace {

namespace fs = std::filesystem;

class FileIdentityTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/file-identity-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/a.jsonl";
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& data, bool append = false) {
    std::ofstream(path_, append ? std::ios::app | std::ios::binary : std::ios::binary) << data;
  }
  Fingerprint Of() {
    int fd = open(path_.c_str(), O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    auto fp = ReadFingerprint(fd, static_cast<uint64_t>(st.st_size));
    close(fd);
    EXPECT_TRUE(fp.ok());
    return *fp;
  }
  std::string dir_, path_;
};

TEST_F(FileIdentityTest, TextFormRoundTripsAndRejectsJunk) {
  Write("{\"a\":1}\n");
  Fingerprint fp = Of();
  EXPECT_EQ(fp.length, 8u);
  EXPECT_EQ(fp.hash.size(), 16u);
  EXPECT_EQ(Fingerprint::Parse(fp.ToString()), fp);
  EXPECT_EQ(Fingerprint().ToString(), "");
  for (const char* junk : {"", "8", "8:", "x:0123456789abcdef", "8:0123456789ABCDEF",
                           "8:0123456789abcde", "0:0123456789abcdef", "1025:0123456789abcdef",
                           "-1:0123456789abcdef", "8 :0123456789abcdef"}) {
    EXPECT_FALSE(Fingerprint::Parse(junk).known()) << junk;
  }
}

TEST_F(FileIdentityTest, CoversAtMostTheFirstKilobyteAndGrowsWithTheFile) {
  Write("one\n");
  Fingerprint short_fp = Of();
  EXPECT_EQ(short_fp.length, 4u);
  Write(std::string(3000, 'x'), true);
  Fingerprint full = Of();
  EXPECT_EQ(full.length, kFingerprintBytes);
  EXPECT_NE(full.hash, short_fp.hash);
  EXPECT_TRUE(PathStartsWith(path_, short_fp));  // the grown file is the same file
  EXPECT_TRUE(PathStartsWith(path_, full));
  Write("more", true);  // bytes past the first KiB do not change it
  EXPECT_EQ(Of(), full);
}

TEST_F(FileIdentityTest, RewrittenOrShorterFileFails) {
  Write("first line of the old file\n");
  Fingerprint fp = Of();
  Write("first line of a new file!!\nand more\n");  // longer, other bytes
  EXPECT_FALSE(PathStartsWith(path_, fp));
  Write("first");  // a prefix of the old content, but shorter than fp covers
  Fingerprint prefix = Of();
  Write("first line of the old file\n");
  EXPECT_TRUE(PathStartsWith(path_, prefix));
  Write("fir");
  EXPECT_FALSE(PathStartsWith(path_, prefix));
  EXPECT_TRUE(PathStartsWith(path_, Fingerprint{}));  // nothing known matches
  EXPECT_FALSE(PathStartsWith(dir_ + "/missing", prefix));
}

TEST_F(FileIdentityTest, FindInDirFindsTheRenamedFileOnly) {
  Write("x\n");
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  fs::rename(path_, dir_ + "/a.jsonl.1");
  std::ofstream(dir_ + "/b.jsonl") << "y\n";
  fs::create_symlink(dir_ + "/a.jsonl.1", dir_ + "/link");
  EXPECT_EQ(FindInDir(dir_, st.st_dev, st.st_ino), dir_ + "/a.jsonl.1");
  EXPECT_EQ(FindInDir(dir_, st.st_dev, st.st_ino + 1000000), "");
  EXPECT_EQ(FindInDir(dir_ + "/none", st.st_dev, st.st_ino), "");
}

// Where the filesystem keeps birth times (ext4, tmpfs, xfs, btrfs): stable
// for a file, another one for the file that next takes its inode.
TEST_F(FileIdentityTest, BirthTimeIsStableAndNewForAFileOnAReusedInode) {
  Write("x\n");
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  int64_t birth = BirthNs(path_, st.st_ino);
  if (birth == 0) GTEST_SKIP() << "no birth times on " << dir_;
  Write("y\n", true);
  EXPECT_EQ(BirthNs(path_, st.st_ino), birth);
  EXPECT_EQ(BirthNs(path_, st.st_ino + 1), 0);  // not the file asked for
  fs::remove(path_);
  for (int i = 0; i < 100; ++i) {  // until a new file gets the inode back
    Write("x\n");
    struct stat now;
    ASSERT_EQ(stat(path_.c_str(), &now), 0);
    if (now.st_ino == st.st_ino) {
      EXPECT_NE(BirthNs(path_, now.st_ino), birth);
      return;
    }
    fs::rename(path_, dir_ + "/keep" + std::to_string(i));
  }
  GTEST_SKIP() << "the inode was not reused";
}

}  // namespace
}  // namespace trace
