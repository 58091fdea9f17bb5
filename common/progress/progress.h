// Progress of long work (a first run over a big Claude home): what is left
// to read, how fast it goes, when it ends. trace-index writes it to
// <db>/progress.json about once a second; trace-gateway (/health, /metrics,
// the UI banner) and `trace-query status` read it (proto/progress.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace::progress {

inline constexpr char kFileName[] = "progress.json";
// A file not rewritten for this long is from an index that is not running.
inline constexpr int64_t kStaleMs = 10000;

struct Progress {
  int64_t updated_ms = 0;
  uint64_t tails = 0;  // trace-tails reporting their backlog
  uint64_t files = 0, files_behind = 0;
  uint64_t bytes_total = 0, bytes_left = 0;
  uint64_t events = 0;  // stored by this index since it started
  double events_per_s = 0, bytes_per_s = 0;
  int64_t eta_s = -1;  // -1: unknown (no rate yet)

  bool caught_up() const { return bytes_left == 0; }
  // Share of bytes_total read, 0..100 (100 when there is nothing).
  double percent() const;
};

std::string Encode(const Progress& p);
Result<Progress> Decode(std::string_view json);

// <db dir>/progress.json.
std::string FilePath(const std::string& db_dir);
// Replaces the file atomically (temp + rename) but without fsync: it is
// rewritten every second and a crash may lose it, never tear it.
Status Write(const std::string& db_dir, const Progress& p);
// The progress in the file; nullopt when there is none, or it is older than
// kStaleMs at now_ms (no index running), or unreadable (logged by nobody:
// readers show "unknown").
std::optional<Progress> Read(const std::string& db_dir, int64_t now_ms);

// "340 MB", "1.2 GB", "512 B".
std::string HumanBytes(uint64_t bytes);
// "indexing: 62% · 340 MB left · about 9 s" (empty when caught up).
std::string Banner(const Progress& p);

}  // namespace trace::progress
