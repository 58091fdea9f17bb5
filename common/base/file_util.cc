// See file_util.h.
#include "common/base/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace trace::file {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Errno("write");
    if (n == 0) return Status::Error("write: wrote nothing");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status MakeDirs(const std::string& dir, mode_t mode) {
  if (dir.empty()) return Status::Error("empty directory name");
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? Status::Ok() : Status::Error("'" + dir + "' is not a directory");
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    if (Status s = MakeDirs(dir.substr(0, slash), mode); !s.ok()) return s;
  }
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return Status::Errno("mkdir '" + dir + "'");
  }
  return Status::Ok();
}

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

Status WriteFileAtomic(const std::string& path, std::string_view text, mode_t mode) {
  std::string dir = DirName(path);
  if (Status s = MakeDirs(dir); !s.ok()) return s;
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Errno("create '" + temp + "'");
  Status s = WriteAll(fd, text).Wrap("'" + temp + "'");
  // fchmod: O_CREAT's mode is filtered by the umask; the caller's mode wins.
  if (s.ok() && (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0)) {
    s = Status::Errno("sync '" + temp + "'");
  }
  if (::close(fd) != 0 && s.ok()) s = Status::Errno("close '" + temp + "'");
  if (s.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    s = Status::Errno("rename '" + temp + "' to '" + path + "'");
  }
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  SyncDir(dir);
  return Status::Ok();
}

std::string AbsolutePath(const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  char cwd[4096];
  return getcwd(cwd, sizeof cwd) ? std::string(cwd) + "/" + p : p;
}

}  // namespace trace::file
