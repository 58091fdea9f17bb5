// TailFollower's discovery (see follower.h): the scans of the patterns'
// directories (each entered once, depth-bounded, interruptible), where a
// newly found file starts (checkpoint entry checked against the file's
// fingerprint, size and mtime) and the search for files renamed while away.
#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "common/base/log.h"
#include "common/tail/follower_internal.h"

namespace trace {

using follower_internal::DirName;
using follower_internal::MtimeNs;
using follower_internal::SameFile;

namespace {

std::string JoinPath(const std::string& dir, std::string_view name) {
  if (dir.empty() || dir == ".") return std::string(name);
  return dir.back() == '/' ? dir + std::string(name) : dir + "/" + std::string(name);
}

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

// "dev:ino" back into its numbers (false for stdin's "-" or a path).
bool ParseIdentity(std::string_view id, uint64_t* dev, uint64_t* ino) {
  size_t colon = id.find(':');
  if (colon == std::string_view::npos) return false;
  auto a = std::from_chars(id.data(), id.data() + colon, *dev);
  auto b = std::from_chars(id.data() + colon + 1, id.data() + id.size(), *ino);
  return a.ec == std::errc() && a.ptr == id.data() + colon && b.ec == std::errc() &&
         b.ptr == id.data() + id.size();
}

}  // namespace

void TailFollower::Rescan() {
  rescan_needed_ = false;
  unmatched_.clear();
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
    if (!match) {
      unmatched_.emplace(id, std::move(path));
    } else if (scan.files.insert(id).second) {
      matches.push_back(std::move(path));
    }
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
  s->ref.birth_ns = BirthNs(path, s->ref.ino);
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
  s.seen_size = size;
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

// Where a followed file went that is no longer at its path (same
// device+inode, still starting with fp): a file no pattern matches in the
// directories the last Rescan read (the watched roots; a move seen live into
// a watched directory caused that rescan), else beside its old path or one
// directory below it. "" when it is not there: moved off the watched roots.
std::string TailFollower::FindMoved(const SourceRef& ref, const Fingerprint& fp) const {
  std::string path;
  auto it = unmatched_.find({ref.dev, ref.ino});
  struct stat st;
  if (it != unmatched_.end() && stat(it->second.c_str(), &st) == 0 && SameFile(st, ref))
    path = it->second;
  if (path.empty()) path = FindInDir(DirName(ref.path), ref.dev, ref.ino, 2);
  return !path.empty() && PathStartsWith(path, fp) ? path : "";
}

// After the first scan: a checkpointed file no pattern matches any more was
// renamed while we were away; found by FindMoved, its unread lines are drained.
void TailFollower::RecoverMoved() {
  std::unordered_set<std::string> followed;
  for (const auto& [path, s] : sources_) followed.insert(s->ref.Identity());
  for (const SourcePosition& p : restored_->sources) {
    if (followed.count(p.id) || p.path.empty() || p.path == "-") continue;
    uint64_t dev = 0, ino = 0;
    if (!ParseIdentity(p.id, &dev, &ino)) continue;
    Fingerprint fp = Fingerprint::Parse(p.fingerprint);
    std::string path = FindMoved(SourceRef{p.path, dev, ino, 0, 0, ""}, fp);
    struct stat st;
    if (path.empty() || path == p.path || sources_.count(path) || stat(path.c_str(), &st) != 0 ||
        static_cast<uint64_t>(st.st_size) <= p.offset || !PathStartsWith(path, fp)) {
      continue;
    }
    auto s = std::make_unique<Source>(options_.max_line_bytes);
    s->ref = SourceRef{path, dev, ino, 0, 0, ""};
    s->ref.birth_ns = BirthNs(path, ino);
    s->orphan = true;
    s->splitter.Reset(p.offset);
    s->SetFingerprint(fp);
    log::Info("draining a file renamed out of the patterns",
              {{"from", p.path}, {"path", path}, {"offset", p.offset}});
    sources_[path] = std::move(s);
  }
}

}  // namespace trace
