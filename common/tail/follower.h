// TailFollower: follows the files matching a set of paths and globs (and
// optionally a stream such as stdin), and hands every complete line to a
// LineSink with its source identity and offsets. Survives what real files
// do: appends in pieces, truncation, rotation, delete/recreate, an inode
// reused by another file, rewrites while it was down (a file is its
// device+inode and the fingerprint of its first bytes), directories that
// appear later, symlink loops, more files than descriptors.
// Single-threaded: one owner calls every method. Filesystem notifications
// (DirWatcher) only make it faster; Poll(full=true) finds everything alone.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/event/event.h"
#include "common/tail/checkpoint.h"
#include "common/tail/dir_watcher.h"
#include "common/tail/file_identity.h"
#include "common/tail/line_splitter.h"
#include "common/tail/time_carry.h"
#include "common/wire/control.h"

namespace trace {

// What to follow: a file path, a glob ("dir/*.jsonl", "a/*/b.jsonl") or a
// tree ("projects/**/*.jsonl": the last component matched at any depth).
struct WatchSpec {
  std::string pattern;
  InputKind kind = InputKind::kAuto;
};

struct FollowerOptions {
  bool from_end = false;                 // files present at the first start: skip what exists
  size_t max_line_bytes = 16u << 20;     // longer lines become one oversized line
  size_t read_chunk_bytes = 1u << 20;    // one read(2)
  size_t step_budget_bytes = 32u << 20;  // per file per Poll, so the loop stays responsive
  // Descriptors of followed files open at once: past it the least recently
  // read is closed before another opens, so every file is read in turn.
  size_t max_open_files = 256;
  int max_depth = 32;  // directory levels below a pattern's fixed part
  // Polled during long scans and reads; true ends the step early (SIGTERM).
  std::function<bool()> interrupted = [] { return false; };
  // Polled before each line of a file and each read(2) of a stream: true
  // (out of flow-control credit) stops reading there; the step ends with
  // the bytes still unread (Poll returns true).
  std::function<bool()> hold = [] { return false; };
};

class LineSink {
 public:
  virtual ~LineSink() = default;
  // A complete line (oversized: a prefix of a line over the cap). time is
  // the source's carried time: the sink resolves a line without a timestamp
  // through it and reports each line's own timestamp to it (Observe).
  virtual void OnLine(const SourceRef& source, const Line& line, InputKind kind,
                      TimeCarry* time) = 0;
  // Something happened to a source: "truncated" (it shrank, or its first
  // bytes changed), "replaced" (another file at its path).
  virtual void OnNotice(const SourceRef& source, std::string_view what,
                        std::string_view detail) = 0;
};

class TailFollower {
 public:
  // watcher may be null (then only Poll(full=true) finds changes).
  TailFollower(const std::vector<WatchSpec>& specs, FollowerOptions options, DirWatcher* watcher,
               LineSink* sink);
  ~TailFollower();

  // Starting positions from a previous run (--state). Call before the first Poll.
  void Restore(const Checkpoint& checkpoint);
  // Adds a non-seekable stream (stdin: path "-"), read until EOF.
  void AddStream(int fd, const std::string& path, InputKind kind);

  // One step: takes the watcher's notices, rescans directories when the
  // file set may have changed (always when full), reads what was appended.
  // Returns true when a file still has unread bytes (budget reached).
  bool Poll(bool full);
  // End of input (--once): emits every held partial last line.
  void FlushPartials();

  // Positions of every source, for STATE and the checkpoint.
  std::vector<SourcePosition> Positions() const;
  // REWIND (proto/wire.md): named sources go to their offset (0 if the file
  // is now shorter or no longer starts with the target's fingerprint), all
  // others to their origin. Returns how many moved.
  int Rewind(const std::vector<SourcePosition>& targets);

  // What is still to read: files, and bytes between each read position and
  // the size last seen (at discovery or the last read). Streams excluded.
  wire::Backlog Backlog() const;

  bool streams_done() const;  // every stream reached EOF
  size_t source_count() const { return sources_.size(); }

 private:
  struct Source;
  struct Root;

  struct Scan;

  void Rescan();
  void ScanRoot(const Root& root, Scan& scan);
  void ScanDir(const Root& root, const std::string& dir, int depth, Scan& scan);
  void Discover(const std::string& path, InputKind kind);
  bool MovedHere(const std::string& path, const struct stat& st);
  void Place(Source& s, const struct stat& st);
  void RecoverMoved();
  std::string FindMoved(const SourceRef& ref, const Fingerprint& fp) const;
  void Restart(Source& s, std::string_view what, const std::string& why);
  bool ReadSource(Source& s);
  bool ReadFile(Source& s);
  bool ReadStream(Source& s);
  bool CheckIdentity(Source& s, struct stat* path_st);
  bool CheckStart(Source& s, uint64_t size, bool reopened);
  void Leave(Source& s);
  bool Drain(Source& s, bool may_hold = true);
  void FlushHeld(Source& s);
  // may_hold: stop at the first line FollowerOptions::hold refuses and
  // rewind the splitter to it (files only: a stream cannot be read again).
  // Returns whether it stopped.
  bool Feed(Source& s, std::string_view data, bool may_hold = false);
  void Emit(Source& s, const Line& line);
  bool OpenFd(Source& s, const std::string& path);
  void CloseFd(Source& s);
  void MakeRoomForFd();
  void ApplyNotices();

  std::vector<Root> roots_;
  FollowerOptions options_;
  DirWatcher* watcher_;
  LineSink* sink_;
  std::unordered_map<std::string, std::unique_ptr<Source>> sources_;  // by path
  std::optional<Checkpoint> restored_;
  bool first_scan_ = true;
  bool rescan_needed_ = true;
  uint64_t tick_ = 0;
  size_t open_fds_ = 0;
  std::vector<char> buffer_;
  std::vector<WatchNotice> notices_;
  // The files no pattern matches in the directories the last Rescan read, by
  // device+inode: where a followed file renamed out of the patterns went.
  std::map<std::pair<uint64_t, uint64_t>, std::string> unmatched_;
};

}  // namespace trace
