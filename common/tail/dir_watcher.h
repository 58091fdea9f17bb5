// The follower's view of filesystem notifications: "something changed in or
// under this directory". Behind an interface so unit tests drive the
// follower deterministically (no watcher; they call Poll(full=true)).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace trace {

struct WatchNotice {
  std::string path;         // the entry that changed (file or directory)
  bool structural = false;  // created, deleted, moved: the file set may have changed
  bool overflow = false;    // notifications were lost: rescan everything
};

class DirWatcher {
 public:
  virtual ~DirWatcher() = default;
  // Watches a directory's entries (not recursively). Adding twice is a no-op.
  virtual Status Add(const std::string& dir) = 0;
  // A descriptor that becomes readable when notices are waiting, or -1.
  virtual int fd() const = 0;
  // Appends the waiting notices to *out without blocking.
  virtual void Drain(std::vector<WatchNotice>* out) = 0;
};

// inotify(7): IN_MODIFY/IN_CLOSE_WRITE mark a file changed; create, delete,
// move and attribute changes are structural; watches vanish with their dir.
Result<std::unique_ptr<DirWatcher>> NewInotifyWatcher();

}  // namespace trace
