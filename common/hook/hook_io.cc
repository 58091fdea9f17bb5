// See hook_io.h. Plain syscalls only: trace-hook runs once per hook event and
// its whole budget is about two milliseconds including process start.
#include "common/hook/hook_io.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/base/clock.h"
#include "common/base/file_util.h"
#include "common/base/paths.h"
#include "common/json/json.h"

namespace trace::hook {
namespace {

int64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void SleepMicros(long us) {
  timespec ts{0, us * 1000};
  nanosleep(&ts, nullptr);
}

// line + '\n' with one writev (no copy of a large line); a short write
// finishes with plain writes.
Status WriteLine(int fd, std::string_view line) {
  iovec iov[2] = {{const_cast<char*>(line.data()), line.size()}, {const_cast<char*>("\n"), 1}};
  ssize_t n;
  do {
    n = ::writev(fd, iov, 2);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::Errno("write");
  size_t done = static_cast<size_t>(n);
  if (done >= line.size() + 1) return Status::Ok();
  if (done < line.size()) {
    if (Status s = file::WriteAll(fd, line.substr(done)); !s.ok()) return s;
    done = line.size();
  }
  return file::WriteAll(fd, "\n");
}

// Takes the exclusive lock, polling so a stuck holder cannot block the hook.
bool LockWithTimeout(int fd, int timeout_ms) {
  int64_t deadline = MonotonicMs() + timeout_ms;
  long backoff_us = 50;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return false;
    if (MonotonicMs() >= deadline) return false;
    SleepMicros(backoff_us);
    backoff_us = std::min(backoff_us * 2, 5000L);
  }
  return true;
}

bool AppendToFile(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = file::WriteAll(fd, text).ok();
  ::close(fd);
  return ok;
}

std::string StateDir() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) {
    return std::string(x) + "/claude-trace";
  }
  return paths::HomeDir() + "/.local/state/claude-trace";
}

// Bytes already waiting on fd (a pipe's FIONREAD, a file's size) plus room
// to see EOF; 16 KiB when unknown.
size_t InitialSize(int fd) {
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) return static_cast<size_t>(st.st_size) + 1;
  int avail = 0;
  if (::ioctl(fd, FIONREAD, &avail) == 0 && avail > 0) return static_cast<size_t>(avail) + 4096;
  return 16384;
}

// "" once fd is readable, else why not (deadline passed, poll failed).
std::string WaitReadable(int fd, int64_t deadline, int timeout_ms) {
  for (;;) {
    int left = static_cast<int>(deadline - MonotonicMs());
    pollfd p{fd, POLLIN, 0};
    int r = left > 0 ? ::poll(&p, 1, left) : 0;
    if (r > 0) return "";
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return "stdin read timed out after " + std::to_string(timeout_ms) + " ms";
    return std::string("poll stdin: ") + std::strerror(errno);
  }
}

// Appends what fits under cap of a read that landed in the spill buffer,
// growing the string geometrically; returns the new used size.
size_t KeepSpill(std::string* data, size_t used, size_t cap, const char* spill, size_t n) {
  size_t keep = std::min(n, cap - std::min(cap, used));
  if (keep == 0) return used;
  data->resize(std::min(cap, std::max(used + keep, data->size() * 2)));
  std::memcpy(&(*data)[used], spill, keep);
  return used + keep;
}

}  // namespace

Input ReadInput(int fd, size_t cap, int timeout_ms) {
  Input in;
  int64_t deadline = MonotonicMs() + timeout_ms;
  // Read straight into the string, sized from what is already waiting: each
  // fresh page costs a fault, and a hook process starts with none.
  in.data.resize(std::min(cap, InitialSize(fd)));
  size_t used = 0, total = 0;
  char spill[4096];  // where a read lands once the string is full
  for (;;) {
    if (std::string note = WaitReadable(fd, deadline, timeout_ms); !note.empty()) {
      in.note = note;
      break;
    }
    bool room = used < in.data.size();
    char* dst = room ? &in.data[used] : spill;
    ssize_t n = ::read(fd, dst, room ? in.data.size() - used : sizeof spill);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) {
      in.note = std::string("read stdin: ") + std::strerror(errno);
      break;
    }
    if (n == 0) break;
    total += static_cast<size_t>(n);
    if (room) {
      used += static_cast<size_t>(n);
    } else {
      used = KeepSpill(&in.data, used, cap, spill, static_cast<size_t>(n));
    }
  }
  in.data.resize(used);
  if (total > used && in.note.empty()) {
    in.note =
        "stdin truncated to " + std::to_string(used) + " of " + std::to_string(total) + " bytes";
  }
  return in;
}

std::string NewSpanId() {
  unsigned char b[16];
  if (getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) {
    // Without entropy, time + pid + address still differ between processes.
    uint64_t x = static_cast<uint64_t>(NowMs()) * 1000003u ^ static_cast<uint64_t>(getpid());
    x ^= reinterpret_cast<uintptr_t>(&x);
    for (int i = 0; i < 16; ++i) b[i] = static_cast<unsigned char>((x >> ((i % 8) * 8)) ^ (i * 37));
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

Status AppendLine(const std::string& dir, const std::string& file_name, std::string_view line,
                  int lock_timeout_ms) {
  if (Status s = file::MakeDirs(dir, 0700); !s.ok()) return s;
  std::string path = dir + "/" + file_name;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Errno("open '" + path + "'");
  bool locked = LockWithTimeout(fd, lock_timeout_ms);
  struct stat st;
  off_t before = ::fstat(fd, &st) == 0 ? st.st_size : -1;
  Status s = WriteLine(fd, line);
  if (!s.ok() && locked && before >= 0) {
    // Cut the partial line off so the next record starts on a line of its own.
    if (::ftruncate(fd, before) != 0) s = s.Wrap("(and truncating back failed)");
  }
  ::close(fd);  // releases the lock
  if (!s.ok()) return s.Wrap("append to '" + path + "'");
  if (!locked) return Status::Error("flock '" + path + "' timed out; wrote the line unlocked");
  return Status::Ok();
}

void LogHookError(const std::string& traces_dir, std::string_view message) {
  json::StringWriter w;
  w.StartObject();
  w.Key("ts");
  w.String(FormatRfc3339Ms(NowMs()));
  w.Key("level");
  w.String("error");
  w.Key("tool");
  w.String("trace-hook");
  w.Key("msg");
  w.String(json::SanitizeUtf8(message));
  w.EndObject();
  std::string line = w.Take() + "\n";
  if (!traces_dir.empty() && AppendToFile(traces_dir + "/hook-errors.log", line)) return;
  std::string state = StateDir();
  if (file::MakeDirs(state, 0700).ok() && AppendToFile(state + "/hook-errors.log", line)) return;
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace trace::hook
