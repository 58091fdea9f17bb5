// TimeCarry: the time a transcript line without a timestamp takes (proto/inputs.md
// "Time of a line without one"): the last one earlier in its file, else the next
// one, else the file's mtime. One per followed source, owned by the follower; the
// sink resolves through it and reports each line's own timestamp. One thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/event/event.h"
#include "common/event/normalize.h"

namespace trace {

class TimeCarry : public TimeFallback {
 public:
  // How far a look-back or look-ahead reads before it gives up.
  static constexpr uint64_t kMaxScanBytes = 64u << 20;

  // The read position moved (start, rewind, truncation, a new file): what
  // was carried no longer describes the lines about to come, so the next
  // line that needs it looks back in the file instead.
  void Reset();
  // Before each line: the file (fd may be -1: opened by path when needed;
  // stream: not seekable, no looking around) and the line's byte range.
  void Attach(int fd, const std::string* path, bool stream, uint64_t offset, uint64_t end);
  // After each line: the timestamp its record carried itself, if any.
  void Observe(std::optional<int64_t> record_ts);
  FallbackTime Resolve() override;

  void set_kind(InputKind kind) { kind_ = kind; }

 private:
  std::optional<int64_t> LookBack(int fd);
  std::optional<int64_t> LookAhead(int fd);
  int64_t FileMtime(int fd);

  InputKind kind_ = InputKind::kAuto;
  // Carried: valid when known_; last_ empty = no timestamp earlier in the file.
  bool known_ = false;
  std::optional<int64_t> last_;
  // Look-ahead cache: next_ is the timestamp of the line at next_at_;
  // ahead_scanned_ is how far a look-ahead read without finding one.
  std::optional<int64_t> next_;
  uint64_t next_at_ = 0, ahead_scanned_ = 0;
  // The current line.
  int fd_ = -1;
  const std::string* path_ = nullptr;
  bool stream_ = false;
  uint64_t offset_ = 0, end_ = 0;
};

}  // namespace trace
