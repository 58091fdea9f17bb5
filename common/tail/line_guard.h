// Keeps one bad line from stopping trace-tail for good. The line being
// normalized is recorded (Enter/Leave); if the process dies of a fatal signal
// inside it (a parser crash) or the watchdog finds it in progress for longer
// than the stall limit, the line's identity is appended to a quarantine file
// before the process dies. On the next start such a line is not parsed
// again: trace-tail emits it as a raw event (NormalizeUnparsed) and goes on.
// One LineGuard per process (it owns the fatal-signal handlers); Enter,
// Leave and Quarantined are for the one thread that normalizes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "common/base/status.h"
#include "common/event/event.h"

namespace trace {

class LineGuard {
 public:
  // The exit status after a stall (the line is quarantined first), so a
  // supervisor restarts trace-tail and it carries on past the line.
  static constexpr int kExitStalled = 70;

  // Reads what earlier runs quarantined from `path` (missing = nothing) and
  // opens it for appending; installs the fatal-signal handlers. A
  // stall_ms of 0 turns the watchdog off.
  static Result<std::unique_ptr<LineGuard>> Open(const std::string& path, int64_t stall_ms);
  ~LineGuard();
  LineGuard(const LineGuard&) = delete;
  LineGuard& operator=(const LineGuard&) = delete;

  // True when a previous run crashed or stalled on this line.
  bool Quarantined(const SourceRef& line) const;  // cheap while nothing is quarantined
  size_t quarantined_count() const { return quarantined_.size(); }

  // Brackets the normalization of one line; `line` must stay alive until Leave.
  void Enter(const SourceRef& line);
  void Leave() { generation_.fetch_add(1, std::memory_order_release); }

  // Appends the current line (if any) to the quarantine file; async-signal-safe.
  void RecordCurrent(const char* why);

 private:
  LineGuard(int fd, int64_t stall_ms);
  void Watch();
  static std::string Key(uint64_t dev, uint64_t ino, uint64_t offset, std::string_view path);

  const int fd_;
  const int64_t stall_ms_;
  std::unordered_set<std::string> quarantined_;
  // The line in progress: generation_ is odd while one is (seqlock style, so
  // the watchdog reads a consistent record).
  std::atomic<uint64_t> generation_{0};
  std::atomic<const char*> path_{nullptr};
  std::atomic<uint64_t> dev_{0}, ino_{0}, offset_{0};
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by stop_mutex_
  std::thread watchdog_;
};

}  // namespace trace
