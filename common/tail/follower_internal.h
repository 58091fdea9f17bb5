// The inside of TailFollower shared by its two sources: follower.cc (reading,
// polling, rewinding) and follower_scan.cc (discovery, restart placement).
// Not a contract: only those two files include it.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "common/tail/follower.h"

namespace trace {

struct TailFollower::Root {
  std::string dir;           // wildcard-free directory the pattern starts at
  std::string rel_pattern;   // matched against the path relative to dir
  std::string name_pattern;  // recursive: matched against the file name
  bool recursive = false;
  int depth = 1;  // non-recursive: components in rel_pattern
  InputKind kind = InputKind::kAuto;
};

struct TailFollower::Source {
  Source(size_t max_line) : splitter(max_line) {}
  SourceRef ref;
  InputKind kind = InputKind::kAuto;
  LineSplitter splitter;
  TimeCarry time;  // reset wherever the splitter is
  uint64_t origin = 0;
  int fd = -1;
  bool stream = false;
  bool eof = false;
  bool dirty = true;
  bool gone = false;
  bool orphan = false;  // renamed out of the patterns: drained to its end, then left
  uint64_t last_used = 0;
  Fingerprint fp;          // of the file being read (ref.fingerprint: its text)
  uint64_t size = 0;       // fstat at the last read, for the checkpoint
  uint64_t seen_size = 0;  // at discovery or the last read, for Backlog
  int64_t mtime_ns = 0;

  void SetFingerprint(Fingerprint f) {
    fp = std::move(f);
    ref.fingerprint = fp.ToString();
  }
  // Reads the file again from the start, as another file.
  void StartOver() {
    splitter.Reset(0);
    time.Reset();
    origin = 0;
    SetFingerprint({});
  }
};

// One Rescan: each directory is entered once (device+inode: symlink loops
// and aliases end there) and each file is followed under one path.
struct TailFollower::Scan {
  std::set<std::pair<uint64_t, uint64_t>> dirs, files;
};

namespace follower_internal {

inline std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
inline int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}
inline bool SameFile(const struct stat& st, const SourceRef& ref) {
  return static_cast<uint64_t>(st.st_dev) == ref.dev && static_cast<uint64_t>(st.st_ino) == ref.ino;
}

}  // namespace follower_internal
}  // namespace trace
