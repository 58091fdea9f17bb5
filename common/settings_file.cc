// See settings_file.h. POSIX calls wrapped into Status at this one place.
#include "common/settings_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "common/hook_io.h"

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

Status WriteFileSynced(const std::string& path, std::string_view text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Errno("create '" + path + "'");
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Status::Errno("write '" + path + "'");
      ::close(fd);
      return s;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    Status s = Status::Errno("sync '" + path + "'");
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Status::Errno("close '" + path + "'");
  return Status::Ok();
}

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
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
  std::string dir = DirName(file.path);
  if (Status s = hook::MakeDirs(dir); !s.ok()) return s;
  if (file.exists) {
    if (Status s = WriteFileSynced(backup_path, file.text, file.mode); !s.ok()) {
      return s.Wrap("backup");
    }
  }
  std::string temp = file.path + ".tmp." + std::to_string(::getpid());
  if (Status s = WriteFileSynced(temp, new_text, file.mode); !s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  if (::rename(temp.c_str(), file.path.c_str()) != 0) {
    Status s = Status::Errno("rename '" + temp + "' to '" + file.path + "'");
    ::unlink(temp.c_str());
    return s;
  }
  SyncDir(dir);
  return Status::Ok();
}

}  // namespace trace
