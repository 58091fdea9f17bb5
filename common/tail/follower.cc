// See follower.h. Files are identified by device+inode; a source keeps its
// path, identity, splitter (offsets + held partial line) and, while recently
// active, an open descriptor so a rotated or deleted file can be drained.
#include "common/tail/follower.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

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
  uint64_t last_used = 0;
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
  for (const Root& root : roots_) ScanRoot(root);
}

void TailFollower::ScanRoot(const Root& root) {
  struct stat st;
  if (stat(root.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (watcher_) (void)watcher_->Add(ExistingAncestor(root.dir));
    return;
  }
  ScanDir(root, root.dir, 1);
}

void TailFollower::ScanDir(const Root& root, const std::string& dir, int depth) {
  if (watcher_) {
    if (Status st = watcher_->Add(dir); !st.ok())
      log::Debug("watch failed", {{"error", st.message()}});
  }
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = JoinPath(dir, name);
    bool is_dir = e->d_type == DT_DIR, is_file = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st;
      if (stat(path.c_str(), &st) != 0) continue;
      is_dir = S_ISDIR(st.st_mode);
      is_file = S_ISREG(st.st_mode);
    }
    if (is_dir && (root.recursive || depth < root.depth)) ScanDir(root, path, depth + 1);
    if (!is_file) continue;
    bool match = root.recursive
                     ? fnmatch(root.name_pattern.c_str(), e->d_name, 0) == 0
                     : depth == root.depth &&
                           fnmatch(root.rel_pattern.c_str(),
                                   path.c_str() + (root.dir == "." ? 0 : root.dir.size() + 1),
                                   FNM_PATHNAME) == 0;
    if (match) Discover(path, root.kind);
  }
  closedir(d);
}

uint64_t TailFollower::StartOffset(const SourceRef& ref, uint64_t size, uint64_t* origin) {
  *origin = 0;
  if (restored_) {
    std::string id = ref.Identity();
    for (const SourcePosition& p : restored_->sources) {
      if (p.id != id) continue;
      *origin = p.origin <= size ? p.origin : 0;
      return p.offset <= size ? p.offset : 0;  // shorter now: truncated while we were away
    }
    return 0;  // appeared while we were away
  }
  if (first_scan_ && options_.from_end) *origin = size;
  return *origin;
}

void TailFollower::Discover(const std::string& path, InputKind kind) {
  if (sources_.count(path)) return;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  SourceRef ref{path, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), 0, 0};
  if (!first_scan_) {
    // A followed file renamed to another matching name keeps its position.
    for (auto it = sources_.begin(); it != sources_.end(); ++it) {
      Source& old = *it->second;
      struct stat now;
      if (old.stream || old.ref.dev != ref.dev || old.ref.ino != ref.ino) continue;
      if (stat(old.ref.path.c_str(), &now) == 0 && now.st_ino == st.st_ino) continue;
      auto moved = std::move(it->second);
      sources_.erase(it);
      moved->ref.path = path;
      moved->dirty = true;
      sources_[path] = std::move(moved);
      return;
    }
  }
  auto s = std::make_unique<Source>(options_.max_line_bytes);
  s->ref = ref;
  s->kind = kind;
  s->time.set_kind(kind);
  s->splitter.Reset(StartOffset(ref, static_cast<uint64_t>(st.st_size), &s->origin));
  log::Debug("following", {{"path", path}, {"offset", s->splitter.committed()}});
  sources_[path] = std::move(s);
}

// --- reading ---------------------------------------------------------------

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

bool TailFollower::OpenFd(Source& s) {
  if (s.fd >= 0) return true;
  s.fd = open(s.ref.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (s.fd < 0) {
    log::Warn("cannot open", {{"path", s.ref.path}, {"error", std::strerror(errno)}});
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

// Follows the path to the file now behind it: drains and leaves a deleted
// or replaced file. Returns false when there is nothing to read at the path.
bool TailFollower::CheckIdentity(Source& s) {
  struct stat st;
  bool exists = stat(s.ref.path.c_str(), &st) == 0;
  bool same = exists && static_cast<uint64_t>(st.st_dev) == s.ref.dev &&
              static_cast<uint64_t>(st.st_ino) == s.ref.ino;
  if (same) return true;
  if (s.fd >= 0) {
    while (Drain(s)) {
    }
  }
  FlushHeld(s);
  CloseFd(s);
  if (!exists) {
    s.gone = true;
    return false;
  }
  sink_->OnNotice(s.ref, "replaced", "a new file took this path; reading it from the start");
  s.ref.dev = static_cast<uint64_t>(st.st_dev);
  s.ref.ino = static_cast<uint64_t>(st.st_ino);
  s.splitter.Reset(0);
  s.time.Reset();
  s.origin = 0;
  return true;
}

bool TailFollower::ReadFile(Source& s) {
  if (!CheckIdentity(s) || !OpenFd(s)) return false;
  s.last_used = ++tick_;
  struct stat st;
  if (fstat(s.fd, &st) != 0) return false;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < s.splitter.position()) {
    s.ref.offset = size;
    s.ref.length = 0;
    sink_->OnNotice(s.ref, "truncated",
                    "file shrank from " + std::to_string(s.splitter.position()) + " to " +
                        std::to_string(size) + " bytes; reading it again from the start");
    s.splitter.Reset(0);
    s.time.Reset();
    s.origin = 0;
  }
  if (size == s.splitter.position()) return false;
  return Drain(s);
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

void TailFollower::EnforceFdLimit() {
  if (open_fds_ <= options_.max_open_files) return;
  std::vector<Source*> open;
  for (auto& [path, s] : sources_) {
    if (s->fd >= 0 && !s->stream) open.push_back(s.get());
  }
  std::sort(open.begin(), open.end(),
            [](const Source* a, const Source* b) { return a->last_used < b->last_used; });
  size_t excess = open_fds_ - options_.max_open_files / 2;
  for (size_t i = 0; i < excess && i < open.size(); ++i) CloseFd(*open[i]);
}

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
  bool more = false;
  for (auto& [path, s] : sources_) {
    if (!full && !s->dirty && !s->stream) continue;
    s->dirty = ReadSource(*s);
    more = more || s->dirty;
  }
  std::erase_if(sources_, [&](const auto& kv) { return kv.second->gone; });
  EnforceFdLimit();
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
    out.push_back({s->ref.Identity(), s->ref.path, s->splitter.committed(), s->origin});
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
        offset = t.offset;
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
