// trace-tail's read positions on disk (--state FILE): per source its
// identity, path and offset, written atomically (temp file, fsync, rename)
// so a restart resumes exactly where the last published line ended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/json/json.h"

namespace trace {

// One followed source. offset: just past the last line published; origin:
// where a REWIND without an offset for this source goes back to (0, or the
// size it had when first seen under --from-end). fingerprint, size and
// mtime_ns tell on restart whether the file behind the identity is still
// the one read (proto/inputs.md "File identity"); empty/0 when unknown.
struct SourcePosition {
  std::string id;  // SourceRef::Identity(): "dev:ino", or "-" for stdin
  std::string path;
  uint64_t offset = 0;
  uint64_t origin = 0;
  std::string fingerprint = {};  // "<bytes>:<hash>" of the file's first bytes
  uint64_t size = 0;             // the file's size when last read
  int64_t mtime_ns = 0;          // and its modification time then
  bool operator==(const SourcePosition&) const = default;
};

struct Checkpoint {
  std::vector<SourcePosition> sources;
};

// Writes positions as a JSON array of {"id","path","offset"[,"origin","fp",
// "size","mtime_ns"]} (the checkpoint file's shape; with_file_facts adds the
// bracketed members).
void WritePositions(json::StringWriter& w, const std::vector<SourcePosition>& positions,
                    bool with_file_facts);

// Reads a checkpoint; nullopt (ok) when the file does not exist yet.
Result<std::optional<Checkpoint>> LoadCheckpoint(const std::string& path);
// Replaces the file atomically; the directory is created if missing.
Status SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint);

// trace-tail's publisher_id (proto/wire.md): a hash of the host name and the
// state file's absolute path, so it is stable across restarts of one tail and
// two laptops with the same home path stay apart in one index; random when
// there is no state file.
uint64_t PublisherIdFor(const std::string& state_path);

}  // namespace trace
