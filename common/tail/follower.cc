// See follower.h. A file is its device+inode plus the fingerprint of its
// first bytes (file_identity.h); a source keeps its path, identity, splitter
// (offsets + held partial line) and, while recently active, an open
// descriptor so a rotated or deleted file can be drained.
#include "common/tail/follower.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_set>

#include "common/base/log.h"

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
  Fingerprint fp;     // of the file being read (ref.fingerprint: its text)
  uint64_t size = 0;  // fstat at the last read, for the checkpoint
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

namespace {

bool HasWildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

std::string JoinPath(const std::string& dir, std::string_view name) {
  if (dir.empty() || dir == ".") return std::string(name);
  return dir.back() == '/' ? dir + std::string(name) : dir + "/" + std::string(name);
}

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

// The nearest existing ancestor of a missing directory (watched so the
// directory is noticed when it appears).
std::string ExistingAncestor(std::string dir) {
  struct stat st;
  while (!dir.empty() && dir != "/" && stat(dir.c_str(), &st) != 0) {
    size_t slash = dir.rfind('/');
    dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
  }
  return dir.empty() ? "." : dir;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// "dev:ino" back into its numbers (false for stdin's "-" or a path).
bool ParseIdentity(std::string_view id, uint64_t* dev, uint64_t* ino) {
  size_t colon = id.find(':');
  if (colon == std::string_view::npos) return false;
  auto a = std::from_chars(id.data(), id.data() + colon, *dev);
  auto b = std::from_chars(id.data() + colon + 1, id.data() + id.size(), *ino);
  return a.ec == std::errc() && a.ptr == id.data() + colon && b.ec == std::errc() &&
         b.ptr == id.data() + id.size();
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

bool SameFile(const struct stat& st, const SourceRef& ref) {
  return static_cast<uint64_t>(st.st_dev) == ref.dev && static_cast<uint64_t>(st.st_ino) == ref.ino;
}

}  // namespace

TailFollower::TailFollower(std::vector<WatchSpec> specs, FollowerOptions options,
                           DirWatcher* watcher, LineSink* sink)
    : options_(options), watcher_(watcher), sink_(sink), buffer_(options.read_chunk_bytes) {
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

void TailFollower::AddStream(int fd, std::string path, InputKind kind) {
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

// --- discovery -------------------------------------------------------------

void TailFollower::Rescan() {
  rescan_needed_ = false;
  Scan scan;
  for (const Root& root : roots_) ScanRoot(root, scan);
}

void TailFollower::ScanRoot(const Root& root, Scan& scan) {
  struct stat st;
  if (stat(root.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (watcher_) (void)watcher_->Add(ExistingAncestor(root.dir));
    return;
  }
  scan.dirs.insert({st.st_dev, st.st_ino});
  ScanDir(root, root.dir, 1, scan);
}

// Reads the directory whole before descending, so one descriptor is open
// at a time however deep the tree.
void TailFollower::ScanDir(const Root& root, const std::string& dir, int depth, Scan& scan) {
  if (watcher_) {
    if (Status st = watcher_->Add(dir); !st.ok())
      log::Debug("watch failed", {{"error", st.message()}});
  }
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  struct stat dir_st;
  uint64_t dir_dev = fstat(dirfd(d), &dir_st) == 0 ? dir_st.st_dev : 0;
  std::vector<std::string> subdirs, matches;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = JoinPath(dir, name);
    bool is_dir = e->d_type == DT_DIR, is_file = e->d_type == DT_REG;
    bool descend = (root.recursive || depth < root.depth) && depth < options_.max_depth;
    std::pair<uint64_t, uint64_t> id{dir_dev, e->d_ino};
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK || (is_dir && descend)) {
      struct stat st;  // a directory's own device+inode (d_ino differs at a mount point)
      if (stat(path.c_str(), &st) != 0) continue;
      is_dir = S_ISDIR(st.st_mode);
      is_file = S_ISREG(st.st_mode);
      id = {st.st_dev, st.st_ino};
    }
    if (is_dir && descend && scan.dirs.insert(id).second) {
      subdirs.push_back(path);
    }
    if (!is_file) continue;
    bool match = root.recursive
                     ? fnmatch(root.name_pattern.c_str(), e->d_name, 0) == 0
                     : depth == root.depth &&
                           fnmatch(root.rel_pattern.c_str(),
                                   path.c_str() + (root.dir == "." ? 0 : root.dir.size() + 1),
                                   FNM_PATHNAME) == 0;
    if (match && scan.files.insert(id).second) matches.push_back(std::move(path));
  }
  closedir(d);
  for (const std::string& path : matches) Discover(path, root.kind);
  for (const std::string& sub : subdirs) {
    if (options_.interrupted()) return;
    ScanDir(root, sub, depth + 1, scan);
  }
}

// A followed file renamed to another matching name keeps its position. A
// source whose descriptor is closed may have lost its inode to a new file:
// the fingerprint tells.
bool TailFollower::MovedHere(const std::string& path, const struct stat& st) {
  for (auto it = sources_.begin(); it != sources_.end(); ++it) {
    Source& old = *it->second;
    if (old.stream || !SameFile(st, old.ref)) continue;
    struct stat now;
    if (stat(old.ref.path.c_str(), &now) == 0 && now.st_ino == st.st_ino) return true;  // alias
    if (old.fd < 0 && !PathStartsWith(path, old.fp)) continue;
    auto moved = std::move(it->second);
    sources_.erase(it);
    moved->ref.path = path;
    moved->dirty = true;
    sources_[path] = std::move(moved);
    return true;
  }
  return false;
}

void TailFollower::Discover(const std::string& path, InputKind kind) {
  if (sources_.count(path)) return;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  if (!first_scan_ && MovedHere(path, st)) return;
  auto s = std::make_unique<Source>(options_.max_line_bytes);
  s->ref =
      SourceRef{path, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), 0, 0, ""};
  s->kind = kind;
  s->time.set_kind(kind);
  Place(*s, st);
  log::Debug("following", {{"path", path}, {"offset", s->splitter.committed()}});
  sources_[path] = std::move(s);
}

// Where a newly found file starts: its checkpoint position when the file
// behind the identity is still the one read (same first bytes, not shorter,
// not rewritten to the same size), else 0.
void TailFollower::Place(Source& s, const struct stat& st) {
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (!restored_) {
    s.origin = first_scan_ && options_.from_end ? size : 0;
    s.splitter.Reset(s.origin);
    return;
  }
  std::string id = s.ref.Identity();
  auto p = std::find_if(restored_->sources.begin(), restored_->sources.end(),
                        [&](const SourcePosition& p) { return p.id == id; });
  if (p == restored_->sources.end()) return;  // appeared while we were away: from 0
  Fingerprint fp = Fingerprint::Parse(p->fingerprint);
  std::string why;
  if (!PathStartsWith(s.ref.path, fp)) {
    why = "its first bytes changed while trace-tail was down";
  } else if (p->offset > size) {
    why = "file shrank from " + std::to_string(p->offset) + " to " + std::to_string(size) +
          " bytes while trace-tail was down";
  } else if (p->size > 0 && p->mtime_ns != 0 && size == p->size && MtimeNs(st) != p->mtime_ns) {
    why = "it was rewritten to the same size while trace-tail was down";
  }
  if (!why.empty()) {
    // Another path with this identity is a new file on a reused inode.
    if (p->path == s.ref.path) Restart(s, "truncated", why + "; reading it again from the start");
    return;
  }
  s.origin = p->origin <= size ? p->origin : 0;
  s.splitter.Reset(p->offset);
  s.SetFingerprint(fp);
}

// After the first scan: a checkpointed file no pattern matches any more was
// renamed while we were away; found beside its old path (same device+inode
// and first bytes), its unread lines are drained.
void TailFollower::RecoverMoved() {
  std::unordered_set<std::string> followed;
  for (const auto& [path, s] : sources_) followed.insert(s->ref.Identity());
  for (const SourcePosition& p : restored_->sources) {
    if (followed.count(p.id) || p.path.empty() || p.path == "-") continue;
    uint64_t dev = 0, ino = 0;
    if (!ParseIdentity(p.id, &dev, &ino)) continue;
    std::string path = FindInDir(DirName(p.path), dev, ino);
    Fingerprint fp = Fingerprint::Parse(p.fingerprint);
    struct stat st;
    if (path.empty() || path == p.path || sources_.count(path) || stat(path.c_str(), &st) != 0 ||
        static_cast<uint64_t>(st.st_size) <= p.offset || !PathStartsWith(path, fp)) {
      continue;
    }
    auto s = std::make_unique<Source>(options_.max_line_bytes);
    s->ref = SourceRef{path, dev, ino, 0, 0, ""};
    s->orphan = true;
    s->splitter.Reset(p.offset);
    s->SetFingerprint(fp);
    log::Info("draining a file renamed out of the patterns",
              {{"from", p.path}, {"path", path}, {"offset", p.offset}});
    sources_[path] = std::move(s);
  }
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

void TailFollower::Feed(Source& s, std::string_view data) {
  s.splitter.Feed(data, [&](const Line& line) {
    if (!line.oversized && IsBlank(line.text)) return;
    Emit(s, line);
  });
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
    log::Warn("cannot open", {{"path", path}, {"error", std::strerror(errno)}});
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
bool TailFollower::Drain(Source& s) {
  uint64_t budget = options_.step_budget_bytes;
  while (budget > 0) {
    size_t want = std::min<uint64_t>(buffer_.size(), budget);
    ssize_t n = pread(s.fd, buffer_.data(), want, static_cast<off_t>(s.splitter.position()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    Feed(s, std::string_view(buffer_.data(), static_cast<size_t>(n)));
    budget -= static_cast<uint64_t>(n);
  }
  return true;
}

// Emits what is left of a file that is going away and stops following it.
void TailFollower::Leave(Source& s) {
  if (s.fd >= 0) {
    while (Drain(s)) {
    }
  }
  FlushHeld(s);
  CloseFd(s);
  s.gone = true;
}

// Follows the path to the file now behind it: drains and leaves a deleted
// or replaced file (found beside its path when renamed while its descriptor
// was closed). Returns false when there is nothing to read at the path;
// else *st is the path's.
bool TailFollower::CheckIdentity(Source& s, struct stat* path_st) {
  struct stat& st = *path_st;
  bool exists = stat(s.ref.path.c_str(), &st) == 0;
  if (exists && SameFile(st, s.ref)) return true;
  if (s.fd < 0) {
    std::string moved = FindInDir(DirName(s.ref.path), s.ref.dev, s.ref.ino);
    if (!moved.empty() && PathStartsWith(moved, s.fp)) (void)OpenFd(s, moved);
  }
  Leave(s);
  if (!exists || s.orphan) return false;
  s.gone = false;
  sink_->OnNotice(s.ref, "replaced", "a new file took this path; reading it from the start");
  s.ref.dev = static_cast<uint64_t>(st.st_dev);
  s.ref.ino = static_cast<uint64_t>(st.st_ino);
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
  s.size = size;
  s.mtime_ns = MtimeNs(st);
  if (!CheckStart(s, size, reopened)) return false;
  bool more = size != s.splitter.position() && Drain(s);
  if (s.orphan && !more) Leave(s);
  return more;
}

bool TailFollower::ReadStream(Source& s) {
  uint64_t budget = options_.step_budget_bytes;
  while (!s.eof && budget > 0) {
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
  bool more = false;
  for (auto& [path, s] : sources_) {
    if (options_.interrupted()) break;
    if (!full && !s->dirty && !s->stream) continue;
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
