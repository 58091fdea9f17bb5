// See file_identity.h. The hash is the first half of StableHashHex (FNV-1a
// lanes), stable forever because fingerprints are stored.
#include "common/tail/file_identity.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>
#include <vector>

#include "common/base/ids.h"

namespace trace {

namespace {

// Reads exactly n bytes from offset 0 (fewer only at EOF).
Result<std::string> ReadPrefix(int fd, uint64_t n) {
  std::string data(n, '\0');
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, data.data() + done, n - done, static_cast<off_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::Errno("read file start");
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  data.resize(done);
  return data;
}

std::string HashOf(std::string_view bytes) { return StableHashHex(bytes).substr(0, 16); }

}  // namespace

int64_t BirthNs(const std::string& path, uint64_t ino) {
  struct statx stx;
  if (statx(AT_FDCWD, path.c_str(), 0, STATX_INO | STATX_BTIME, &stx) != 0) return 0;
  if (!(stx.stx_mask & STATX_BTIME) || stx.stx_ino != ino) return 0;
  return static_cast<int64_t>(stx.stx_btime.tv_sec) * 1000000000 + stx.stx_btime.tv_nsec;
}

std::string Fingerprint::ToString() const {
  if (!known()) return "";
  return std::to_string(length) + ":" + hash;
}

Fingerprint Fingerprint::Parse(std::string_view text) {
  Fingerprint fp;
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.size() - colon - 1 != 16) return fp;
  uint64_t length = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + colon, length);
  if (ec != std::errc() || end != text.data() + colon) return fp;
  std::string_view hash = text.substr(colon + 1);
  if (hash.find_first_not_of("0123456789abcdef") != std::string_view::npos) return fp;
  if (length == 0 || length > kFingerprintBytes) return fp;
  fp.length = length;
  fp.hash = std::string(hash);
  return fp;
}

Result<Fingerprint> ReadFingerprint(int fd, uint64_t size) {
  auto bytes = ReadPrefix(fd, std::min(size, kFingerprintBytes));
  if (!bytes.ok()) return bytes.status();
  Fingerprint fp;
  fp.length = bytes->size();
  if (fp.length > 0) fp.hash = HashOf(*bytes);
  return fp;
}

Result<bool> StartsWith(int fd, const Fingerprint& fp) {
  if (!fp.known()) return true;
  auto bytes = ReadPrefix(fd, fp.length);
  if (!bytes.ok()) return bytes.status();
  return bytes->size() == fp.length && HashOf(*bytes) == fp.hash;
}

bool PathStartsWith(const std::string& path, const Fingerprint& fp) {
  if (!fp.known()) return true;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto same = StartsWith(fd, fp);
  close(fd);
  return same.ok() && *same;
}

std::string FindInDir(const std::string& dir, uint64_t dev, uint64_t ino, int levels) {
  DIR* d = opendir(dir.c_str());
  if (!d) return "";
  std::string found;
  std::vector<std::string> subdirs;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir + "/" + e->d_name;
    if (e->d_type == DT_DIR && levels > 1) subdirs.push_back(path);
    if (e->d_ino != ino) continue;  // d_ino is st_ino for every entry but a mount point
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<uint64_t>(st.st_dev) == dev && static_cast<uint64_t>(st.st_ino) == ino) {
      found = std::move(path);
      break;
    }
  }
  closedir(d);  // before descending: one descriptor at a time
  for (size_t i = 0; found.empty() && i < subdirs.size(); ++i)
    found = FindInDir(subdirs[i], dev, ino, levels - 1);
  return found;
}

}  // namespace trace
