// See follower.h. Reading, polling and rewinding; discovery is in
// follower_scan.cc. A file is its device+inode plus the fingerprint of its
// first bytes (file_identity.h); a source keeps its path, identity, splitter
// (offsets + held partial line) and, while recently active, an open
// descriptor so a rotated or deleted file can be drained.
#include "common/tail/follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "common/base/log.h"
#include "common/tail/follower_internal.h"

namespace trace {

using follower_internal::MtimeNs;
using follower_internal::SameFile;

namespace {

bool HasWildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

std::vector<std::string> SplitPath(const std::string& p) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string::npos) slash = p.size();
    parts.push_back(p.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

TailFollower::TailFollower(const std::vector<WatchSpec>& specs, FollowerOptions options,
                           DirWatcher* watcher, LineSink* sink)
    : options_(std::move(options)),
      watcher_(watcher),
      sink_(sink),
      buffer_(options_.read_chunk_bytes) {
  for (const WatchSpec& spec : specs) {
    std::vector<std::string> parts = SplitPath(spec.pattern);
    size_t first_wild = parts.size() - 1;  // a plain path: its file name is the pattern
    for (size_t i = 0; i < parts.size(); ++i) {
      if (HasWildcard(parts[i])) {
        first_wild = i;
        break;
      }
    }
    Root root;
    root.kind = spec.kind;
    for (size_t i = 0; i < first_wild; ++i) {
      if (i > 0) root.dir.push_back('/');
      root.dir.append(parts[i]);
    }
    if (root.dir.empty()) root.dir.push_back(spec.pattern.starts_with("/") ? '/' : '.');
    for (size_t i = first_wild; i < parts.size(); ++i) {
      if (i > first_wild) root.rel_pattern.push_back('/');
      root.rel_pattern.append(parts[i]);
      if (parts[i] == "**") root.recursive = true;
    }
    root.depth = static_cast<int>(parts.size() - first_wild);
    root.name_pattern = parts.back();
    roots_.push_back(std::move(root));
  }
}

TailFollower::~TailFollower() {
  for (auto& [path, s] : sources_) {
    if (s->fd >= 0 && !s->stream) close(s->fd);
  }
}

void TailFollower::Restore(const Checkpoint& checkpoint) { restored_ = checkpoint; }

void TailFollower::AddStream(int fd, const std::string& path, InputKind kind) {
  auto s = std::make_unique<Source>(options_.max_line_bytes);
  s->ref.path = path;
  s->kind = kind;
  s->fd = fd;
  s->stream = true;
  s->time.set_kind(kind);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  sources_[path] = std::move(s);
}

bool TailFollower::streams_done() const {
  for (const auto& [path, s] : sources_) {
    if (s->stream && !s->eof) return false;
  }
  return true;
}
// --- reading ---------------------------------------------------------------

void TailFollower::Restart(Source& s, std::string_view what, const std::string& why) {
  s.ref.offset = s.splitter.position();
  s.ref.length = 0;
  sink_->OnNotice(s.ref, what, why);
  s.StartOver();
}

void TailFollower::Emit(Source& s, const Line& line) {
  s.ref.offset = line.offset;
  s.ref.length = line.length;
  s.time.Attach(s.fd, &s.ref.path, s.stream, line.offset, line.offset + line.length);
  sink_->OnLine(s.ref, line, s.kind, &s.time);
}

bool TailFollower::Feed(Source& s, std::string_view data, bool may_hold) {
  bool held = false;
  uint64_t stop = 0;
  s.splitter.Feed(data, [&](const Line& line) {
    if (held) return;
    if (may_hold && options_.hold()) {
      held = true;
      stop = line.offset;
      return;
    }
    if (!line.oversized && IsBlank(line.text)) return;
    Emit(s, line);
  });
  // The lines after the stop are read again when there is credit: a read
  // is cheap, and the credit is exact to a line instead of to a chunk.
  if (held) s.splitter.Reset(stop);
  return held;
}

void TailFollower::FlushHeld(Source& s) {
  s.splitter.Flush([&](const Line& line) {
    if (!line.oversized && IsBlank(line.text)) return;
    Emit(s, line);
  });
}

// At the descriptor limit the least recently read file gives its up.
void TailFollower::MakeRoomForFd() {
  while (open_fds_ >= std::max<size_t>(options_.max_open_files, 1)) {
    Source* lru = nullptr;
    for (auto& [path, s] : sources_) {
      if (s->fd >= 0 && !s->stream && (!lru || s->last_used < lru->last_used)) lru = s.get();
    }
    if (!lru) return;
    CloseFd(*lru);
  }
}

bool TailFollower::OpenFd(Source& s, const std::string& path) {
  if (s.fd >= 0) return true;
  MakeRoomForFd();
  s.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (s.fd < 0) {
    std::string why = std::error_code(errno, std::generic_category()).message();  // thread-safe
    log::Warn("cannot open", {{"path", path}, {"error", why}});
    return false;
  }
  ++open_fds_;
  return true;
}

void TailFollower::CloseFd(Source& s) {
  if (s.fd < 0 || s.stream) return;
  close(s.fd);
  s.fd = -1;
  --open_fds_;
}

// Reads from the splitter's position to EOF (or the step budget) through
// the open descriptor. Returns true when the budget stopped it.
bool TailFollower::Drain(Source& s, bool may_hold) {
  uint64_t budget = options_.step_budget_bytes;
  while (budget > 0) {
    if (may_hold && options_.hold()) return true;
    size_t want = std::min<uint64_t>(buffer_.size(), budget);
    ssize_t n = pread(s.fd, buffer_.data(), want, static_cast<off_t>(s.splitter.position()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (Feed(s, std::string_view(buffer_.data(), static_cast<size_t>(n)), may_hold)) return true;
    budget -= static_cast<uint64_t>(n);
  }
  return true;
}

// Emits what is left of a file that is going away and stops following it.
void TailFollower::Leave(Source& s) {
  if (s.fd >= 0) {
    while (Drain(s, false)) {  // a file going away is read to its end, credit or not
    }
  }
  FlushHeld(s);
  CloseFd(s);
  s.gone = true;
}

// Follows the path to the file now behind it: drains and leaves a deleted
// or replaced file (found by FindMoved when renamed while its descriptor
// was closed). Returns false when there is nothing to read at the path;
// else *st is the path's.
bool TailFollower::CheckIdentity(Source& s, struct stat* path_st) {
  struct stat& st = *path_st;
  bool exists = stat(s.ref.path.c_str(), &st) == 0;
  if (exists && SameFile(st, s.ref)) return true;
  if (s.fd < 0) {
    std::string moved = FindMoved(s.ref, s.fp);
    if (!moved.empty()) {
      log::Info("draining a file renamed out of the patterns",
                {{"from", s.ref.path}, {"path", moved}, {"offset", s.splitter.position()}});
      (void)OpenFd(s, moved);
    }
  }
  Leave(s);
  if (!exists || s.orphan) return false;
  s.gone = false;
  sink_->OnNotice(s.ref, "replaced", "a new file took this path; reading it from the start");
  s.ref.dev = static_cast<uint64_t>(st.st_dev);
  s.ref.ino = static_cast<uint64_t>(st.st_ino);
  s.ref.birth_ns = BirthNs(s.ref.path, s.ref.ino);
  s.StartOver();
  return true;
}

// Whether the open file is still the one read: it did not shrink and (when
// reopened, or when it grew) still starts with the fingerprint, which grows
// with the file up to kFingerprintBytes. False: nothing readable now.
bool TailFollower::CheckStart(Source& s, uint64_t size, bool reopened) {
  if (size < s.splitter.position()) {
    Restart(s, "truncated",
            "file shrank from " + std::to_string(s.splitter.position()) + " to " +
                std::to_string(size) + " bytes; reading it again from the start");
  } else if (reopened || size != s.splitter.position()) {
    auto same = StartsWith(s.fd, s.fp);
    if (!same.ok()) return false;
    if (!*same) {
      Restart(s, "truncated", "its first bytes changed; reading it again from the start");
    }
  }
  if (s.fp.length < std::min(size, kFingerprintBytes)) {
    auto fp = ReadFingerprint(s.fd, size);
    if (fp.ok()) s.SetFingerprint(std::move(*fp));
  }
  return true;
}

bool TailFollower::ReadFile(Source& s) {
  struct stat path_st;
  if (!CheckIdentity(s, &path_st)) return false;
  bool reopened = s.fd < 0;
  // Unchanged since the last read: no descriptor needed (with more files
  // than --max-open-files, only the changed ones are reopened).
  if (reopened && !s.orphan && static_cast<uint64_t>(path_st.st_size) == s.splitter.position() &&
      MtimeNs(path_st) == s.mtime_ns) {
    return false;
  }
  if (!OpenFd(s, s.ref.path)) return false;
  s.last_used = ++tick_;
  struct stat st;
  if (fstat(s.fd, &st) != 0) return false;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  s.size = s.seen_size = size;
  s.mtime_ns = MtimeNs(st);
  if (!CheckStart(s, size, reopened)) return false;
  bool more = size != s.splitter.position() && Drain(s);
  if (s.orphan && !more) Leave(s);
  return more;
}

bool TailFollower::ReadStream(Source& s) {
  uint64_t budget = options_.step_budget_bytes;
  while (!s.eof && budget > 0) {
    if (options_.hold()) return true;
    ssize_t n = read(s.fd, buffer_.data(), std::min<uint64_t>(buffer_.size(), budget));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;  // EAGAIN: nothing more for now
    if (n == 0) {
      s.eof = true;
      FlushHeld(s);
      return false;
    }
    Feed(s, std::string_view(buffer_.data(), static_cast<size_t>(n)));
    budget -= static_cast<uint64_t>(n);
  }
  return !s.eof;
}

bool TailFollower::ReadSource(Source& s) { return s.stream ? ReadStream(s) : ReadFile(s); }

void TailFollower::ApplyNotices() {
  if (!watcher_) return;
  notices_.clear();
  watcher_->Drain(&notices_);
  for (const WatchNotice& n : notices_) {
    auto it = sources_.find(n.path);
    if (it != sources_.end()) it->second->dirty = true;
    if (n.structural || n.overflow) rescan_needed_ = true;
    if (n.overflow) {
      for (auto& [path, s] : sources_) s->dirty = true;
    }
  }
}

bool TailFollower::Poll(bool full) {
  ApplyNotices();
  if (full || rescan_needed_) Rescan();
  if (first_scan_ && restored_) RecoverMoved();
  bool more = false, held = false;
  for (auto& [path, s] : sources_) {
    if (options_.interrupted()) break;
    if (!full && !s->dirty && !s->stream) continue;
    // Out of credit: the sources not visited are visited next time (a full
    // step found them all worth a look), without touching each file now.
    held = held || options_.hold();
    if (held) {
      s->dirty = true;
      more = true;
      continue;
    }
    s->dirty = ReadSource(*s);
    more = more || s->dirty;
  }
  std::erase_if(sources_, [&](const auto& kv) { return kv.second->gone; });
  // Files that appear after the first scan are new: a checkpoint entry with
  // the same identity would be an inode reused by another file.
  if (first_scan_) restored_.reset();
  first_scan_ = false;
  return more;
}

void TailFollower::FlushPartials() {
  for (auto& [path, s] : sources_) FlushHeld(*s);
}

std::vector<SourcePosition> TailFollower::Positions() const {
  std::vector<SourcePosition> out;
  out.reserve(sources_.size());
  for (const auto& [path, s] : sources_) {
    out.push_back({s->ref.Identity(), s->ref.path, s->splitter.committed(), s->origin,
                   s->ref.fingerprint, s->size, s->mtime_ns});
  }
  return out;
}

wire::Backlog TailFollower::Backlog() const {
  wire::Backlog b;
  for (const auto& [path, s] : sources_) {
    if (s->stream) continue;
    uint64_t at = s->splitter.position(), size = std::max(s->seen_size, at);
    ++b.files;
    b.bytes_total += size;
    b.bytes_left += size - at;
    if (size > at) ++b.files_behind;
  }
  return b;
}

int TailFollower::Rewind(const std::vector<SourcePosition>& targets) {
  int moved = 0;
  for (auto& [path, s] : sources_) {
    if (s->stream) continue;
    std::string id = s->ref.Identity();
    uint64_t offset = s->origin;
    for (const SourcePosition& t : targets) {
      if (t.id == id || (t.id.empty() && t.path == path)) {
        // The target's fingerprint is of the file it was committed for: a
        // file that no longer starts with it is another one, read from 0.
        Fingerprint fp = Fingerprint::Parse(t.fingerprint);
        offset = fp == s->fp || PathStartsWith(path, fp) ? t.offset : 0;
        break;
      }
    }
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) < offset) offset = 0;
    if (offset == s->splitter.committed() && s->splitter.held_bytes() == 0 &&
        offset == s->splitter.position()) {
      continue;
    }
    s->splitter.Reset(offset);
    s->time.Reset();
    s->dirty = true;
    ++moved;
  }
  return moved;
}

}  // namespace trace
