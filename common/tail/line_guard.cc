// See line_guard.h. The quarantine file holds one line per quarantined line:
// "<dev> <ino> <offset> <why> <path>\n" (proto/inputs.md); it only grows
// when trace-tail crashed or stalled, so it stays tiny. The fatal-signal
// handler runs on its own stack (a stack overflow is the likeliest crash),
// writes with write(2) only, then hands the signal to whoever handled it
// before (the default action, or a sanitizer's report).
#include "common/tail/line_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/base/file_util.h"
#include "common/base/log.h"

namespace trace {

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr size_t kSignals = sizeof kFatalSignals / sizeof kFatalSignals[0];
struct sigaction g_previous[kSignals];
LineGuard* g_guard = nullptr;
alignas(16) char g_signal_stack[64 * 1024];

const char* SignalName(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    default:
      return "SIGABRT";
  }
}

void OnFatalSignal(int sig, siginfo_t* info, void*) {
  if (g_guard) g_guard->RecordCurrent(SignalName(sig));
  for (size_t i = 0; i < kSignals; ++i) {
    if (kFatalSignals[i] == sig) sigaction(sig, &g_previous[i], nullptr);
  }
  // A fault re-occurs when the instruction is retried and reaches the
  // previous handler; a signal that was sent (kill, abort) is sent again.
  if (sig == SIGABRT || info == nullptr || info->si_code <= 0) raise(sig);
}

void InstallHandlers() {
  stack_t stack{};
  stack.ss_sp = g_signal_stack;
  stack.ss_size = sizeof g_signal_stack;
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_sigaction = OnFatalSignal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < kSignals; ++i) sigaction(kFatalSignals[i], &action, &g_previous[i]);
}

void RestoreHandlers() {
  for (size_t i = 0; i < kSignals; ++i) sigaction(kFatalSignals[i], &g_previous[i], nullptr);
}

// Async-signal-safe decimal formatting; returns the end of what it wrote.
char* AppendDecimal(char* at, uint64_t v) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *at++ = digits[--n];
  return at;
}

char* AppendText(char* at, const char* end, const char* text) {
  while (*text != '\0' && at < end) *at++ = *text++;
  return at;
}

}  // namespace

Result<std::unique_ptr<LineGuard>> LineGuard::Open(const std::string& path, int64_t stall_ms) {
  if (g_guard != nullptr) return Status::Error("a LineGuard is already open in this process");
  if (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    if (Status st = file::MakeDirs(path.substr(0, slash)); !st.ok()) return st;
  }
  int fd = open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Errno("open '" + path + "'");
  std::unique_ptr<LineGuard> guard(new LineGuard(fd, stall_ms));
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A torn last record is dropped; the newline keeps the next one apart from it.
  if (!text.empty() && text.back() != '\n' && write(fd, "\n", 1) != 1) {
    return Status::Errno("repair '" + path + "'");
  }
  text.erase(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  std::istringstream records(text);  // complete records only: a torn last one is dropped
  std::string record;
  while (std::getline(records, record)) {
    std::istringstream fields(record);
    uint64_t dev = 0, ino = 0, offset = 0;
    std::string why, file;
    if (!(fields >> dev >> ino >> offset >> why)) continue;
    fields.get();
    std::getline(fields, file);
    guard->quarantined_.insert(Key(dev, ino, offset, file));
  }
  g_guard = guard.get();
  InstallHandlers();
  if (stall_ms > 0) guard->watchdog_ = std::thread([g = guard.get()] { g->Watch(); });
  return guard;
}

LineGuard::LineGuard(int fd, int64_t stall_ms) : fd_(fd), stall_ms_(stall_ms) {}

LineGuard::~LineGuard() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  RestoreHandlers();
  g_guard = nullptr;
  close(fd_);
}

std::string LineGuard::Key(uint64_t dev, uint64_t ino, uint64_t offset, std::string_view path) {
  // Sources without a file identity (stdin) are known by their path.
  std::string key =
      (dev == 0 && ino == 0) ? std::string(path) : std::to_string(dev) + ":" + std::to_string(ino);
  key += '@';
  key += std::to_string(offset);
  return key;
}

bool LineGuard::Quarantined(const SourceRef& line) const {
  if (quarantined_.empty()) return false;
  return quarantined_.count(Key(line.dev, line.ino, line.offset, line.path)) != 0;
}

void LineGuard::Enter(const SourceRef& line) {
  path_.store(line.path.c_str(), std::memory_order_relaxed);
  dev_.store(line.dev, std::memory_order_relaxed);
  ino_.store(line.ino, std::memory_order_relaxed);
  offset_.store(line.offset, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
}

void LineGuard::RecordCurrent(const char* why) {
  uint64_t generation = generation_.load(std::memory_order_acquire);
  if ((generation & 1) == 0) return;  // not inside a line: not the line's fault
  char record[4096 + 128];
  const char* end = record + sizeof record - 1;
  char* at = AppendDecimal(record, dev_.load(std::memory_order_relaxed));
  *at++ = ' ';
  at = AppendDecimal(at, ino_.load(std::memory_order_relaxed));
  *at++ = ' ';
  at = AppendDecimal(at, offset_.load(std::memory_order_relaxed));
  *at++ = ' ';
  at = AppendText(at, end, why);
  *at++ = ' ';
  const char* path = path_.load(std::memory_order_relaxed);
  at = AppendText(at, end, path ? path : "");
  *at++ = '\n';
  if (generation_.load(std::memory_order_acquire) != generation) return;  // it moved on
  ssize_t ignored = write(fd_, record, static_cast<size_t>(at - record));
  (void)ignored;
  fsync(fd_);
}

void LineGuard::Watch() {
  const int64_t tick_ms = std::max<int64_t>(1, std::min<int64_t>(stall_ms_ / 4, 250));
  uint64_t seen = 0;
  int64_t stuck_ms = 0;
  std::unique_lock<std::mutex> lock(stop_mutex_);
  while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(tick_ms), [&] { return stop_; })) {
    uint64_t generation = generation_.load(std::memory_order_acquire);
    if ((generation & 1) == 0 || generation != seen) {
      seen = generation;
      stuck_ms = 0;
      continue;
    }
    stuck_ms += tick_ms;
    if (stuck_ms < stall_ms_) continue;
    RecordCurrent("stalled");
    log::Error("stalled on a line; quarantined it and exiting",
               {{"path", std::string(path_.load() ? path_.load() : "")},
                {"offset", offset_.load()},
                {"stall_ms", stall_ms_}});
    _exit(kExitStalled);
  }
}

}  // namespace trace
