// See time_carry.h. Looking around reads the file with pread in growing
// windows and asks RecordTimestamp of whole lines only, so the answer for a
// line depends on the file's bytes, never on what this process read before:
// re-reading a line after a restart or a rewind gives the same time.
#include "common/tail/time_carry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "common/base/clock.h"

namespace trace {

namespace {

constexpr uint64_t kFirstWindow = 64u << 10;

bool ReadAt(int fd, uint64_t at, uint64_t n, std::string* out) {
  out->resize(n);
  uint64_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, out->data() + got, n - got, static_cast<off_t>(at + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<uint64_t>(r);
  }
  out->resize(got);
  return got == n;
}

std::string_view TrimCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Opens path for the lifetime of the object when the caller has no fd.
class Fd {
 public:
  Fd(int fd, const std::string* path) : fd_(fd) {
    if (fd_ < 0 && path) owned_ = fd_ = open(path->c_str(), O_RDONLY | O_CLOEXEC);
  }
  ~Fd() {
    if (owned_ >= 0) close(owned_);
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1, owned_ = -1;
};

}  // namespace

void TimeCarry::Reset() {
  known_ = false;
  last_.reset();
  next_.reset();
  next_at_ = ahead_scanned_ = 0;
}

void TimeCarry::Attach(int fd, const std::string* path, bool stream, uint64_t offset,
                       uint64_t end) {
  fd_ = fd;
  path_ = path;
  stream_ = stream;
  offset_ = offset;
  end_ = end;
}

void TimeCarry::Observe(std::optional<int64_t> record_ts) {
  if (record_ts) {
    last_ = record_ts;
    known_ = true;
  }
}

FallbackTime TimeCarry::Resolve() {
  if (stream_) {
    if (last_) return {*last_, "previous"};
    return {NowMs(), "read_time"};
  }
  Fd fd(fd_, path_);
  if (!known_) {
    last_ = fd.get() >= 0 ? LookBack(fd.get()) : std::nullopt;
    known_ = true;
  }
  if (last_) return {*last_, "previous"};
  if (next_ && offset_ < next_at_) return {*next_, "next"};
  if (fd.get() >= 0) {
    if (auto ahead = LookAhead(fd.get())) return {*ahead, "next"};
    return {FileMtime(fd.get()), "file_mtime"};
  }
  return {NowMs(), "read_time"};
}

// The last line before offset_ whose record has a timestamp: windows ending
// at offset_, doubling, each scanned from its last whole line backwards.
std::optional<int64_t> TimeCarry::LookBack(int fd) {
  std::string buf;
  for (uint64_t window = kFirstWindow;; window *= 2) {
    uint64_t start = offset_ > window ? offset_ - window : 0;
    if (!ReadAt(fd, start, offset_ - start, &buf)) return std::nullopt;
    std::string_view text = buf;
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    // The first line of a window that does not start the file may be cut.
    size_t first = 0;
    if (start > 0) {
      first = text.find('\n');
      first = first == std::string_view::npos ? text.size() : first + 1;
    }
    size_t end = text.size();
    while (end > first) {
      size_t nl = text.rfind('\n', end - 1);
      size_t begin = nl == std::string_view::npos || nl < first ? first : nl + 1;
      if (auto ts = RecordTimestamp(TrimCr(text.substr(begin, end - begin)), kind_)) return ts;
      end = begin > first ? begin - 1 : first;
    }
    if (start == 0 || window >= kMaxScanBytes) return std::nullopt;
  }
}

// The first line after the current one whose record has a timestamp; only
// whole lines (a final line still being written is not one yet).
std::optional<int64_t> TimeCarry::LookAhead(int fd) {
  uint64_t pos = std::max(end_, ahead_scanned_);
  std::string buf, carry;
  while (pos - end_ < kMaxScanBytes) {
    bool full = ReadAt(fd, pos, kFirstWindow, &buf);
    if (buf.empty()) break;
    carry.append(buf);
    size_t begin = 0;
    for (size_t nl; (nl = carry.find('\n', begin)) != std::string::npos; begin = nl + 1) {
      uint64_t line_at = pos - (carry.size() - buf.size()) + begin;
      std::string_view line = TrimCr(std::string_view(carry).substr(begin, nl - begin));
      if (auto ts = RecordTimestamp(line, kind_)) {
        next_ = ts;
        next_at_ = line_at;
        return ts;
      }
      ahead_scanned_ = line_at + (nl - begin) + 1;
    }
    pos += buf.size();
    carry.erase(0, begin);
    if (!full) break;
  }
  return std::nullopt;
}

int64_t TimeCarry::FileMtime(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NowMs();
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace trace
