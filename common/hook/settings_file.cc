// See settings_file.h. POSIX calls wrapped into Status at this one place.
#include "common/hook/settings_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "common/base/file_util.h"

namespace trace {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The final target of a symlink chain; the path itself when it is not a
// link or does not exist yet.
std::string ResolveLinks(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf)) return buf;
  return path;
}

}  // namespace

Result<TextFile> LoadTextFile(const std::string& path) {
  TextFile file;
  file.path = ResolveLinks(path);
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return file;
    return Status::Errno("open '" + path + "'");
  }
  struct stat st;
  if (::fstat(fd, &st) == 0) file.mode = st.st_mode & 07777;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) file.text.append(buf, static_cast<size_t>(n));
  Status s = n < 0 ? Status::Errno("read '" + path + "'") : Status::Ok();
  ::close(fd);
  if (!s.ok()) return s;
  file.exists = true;
  return file;
}

Status ReplaceTextFile(const TextFile& file, std::string_view new_text,
                       const std::string& backup_path) {
  // A missing Claude home is created private, like Claude Code does.
  if (Status s = file::MakeDirs(DirName(file.path), 0700); !s.ok()) return s;
  if (file.exists) {
    if (Status s = file::WriteFileAtomic(backup_path, file.text, file.mode); !s.ok()) {
      return s.Wrap("backup");
    }
  }
  return file::WriteFileAtomic(file.path, new_text, file.mode);
}

}  // namespace trace
