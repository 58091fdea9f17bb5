// The inotify implementation of DirWatcher (dir_watcher.h). One inotify fd,
// one watch per directory; the kernel's queue overflow becomes a rescan.
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <unordered_map>

#include "common/base/log.h"
#include "common/tail/dir_watcher.h"

namespace trace {

namespace {

constexpr uint32_t kMask = IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                           IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
constexpr uint32_t kStructural =
    IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

class InotifyWatcher : public DirWatcher {
 public:
  explicit InotifyWatcher(int fd) : fd_(fd) {}
  ~InotifyWatcher() override { close(fd_); }

  Status Add(const std::string& dir) override {
    int wd = inotify_add_watch(fd_, dir.c_str(), kMask | IN_ONLYDIR);
    if (wd < 0) return Status::Errno("inotify watch '" + dir + "'");
    dirs_[wd] = dir;
    return Status::Ok();
  }

  int fd() const override { return fd_; }

  void Drain(std::vector<WatchNotice>* out) override {
    alignas(inotify_event) char buf[64 * 1024];
    for (;;) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        Translate(*ev, out);
        p += sizeof(inotify_event) + ev->len;
      }
    }
  }

 private:
  void Translate(const inotify_event& ev, std::vector<WatchNotice>* out) {
    if (ev.mask & IN_Q_OVERFLOW) {
      log::Warn("inotify queue overflow; rescanning");
      out->push_back({"", true, true});
      return;
    }
    auto it = dirs_.find(ev.wd);
    if (it == dirs_.end()) return;
    WatchNotice notice;
    notice.path = it->second;
    if (ev.len > 0) notice.path += "/" + std::string(ev.name);
    notice.structural = (ev.mask & kStructural) != 0;
    out->push_back(std::move(notice));
    if (ev.mask & IN_IGNORED) dirs_.erase(it);
  }

  int fd_;
  std::unordered_map<int, std::string> dirs_;
};

}  // namespace

Result<std::unique_ptr<DirWatcher>> NewInotifyWatcher() {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Status::Errno("inotify_init1");
  return std::unique_ptr<DirWatcher>(new InotifyWatcher(fd));
}

}  // namespace trace
