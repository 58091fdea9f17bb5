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
// size it had when first seen under --from-end).
struct SourcePosition {
  std::string id;  // SourceRef::Identity(): "dev:ino", or "-" for stdin
  std::string path;
  uint64_t offset = 0;
  uint64_t origin = 0;
  bool operator==(const SourcePosition&) const = default;
};

struct Checkpoint {
  std::vector<SourcePosition> sources;
};

// Writes positions as a JSON array of {"id","path","offset"[,"origin"]}
// (the checkpoint file and the control socket's STATE share the shape).
void WritePositions(json::StringWriter& w, const std::vector<SourcePosition>& positions,
                    bool with_origin);

// Reads a checkpoint; nullopt (ok) when the file does not exist yet.
Result<std::optional<Checkpoint>> LoadCheckpoint(const std::string& path);
// Replaces the file atomically; the directory is created if missing.
Status SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint);

}  // namespace trace
