// Reading and safely rewriting a user's configuration file (Claude Code's
// settings.json): the current text, a backup beside it, then temp file +
// fsync + rename so a crash leaves either the old or the new file, never half.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace {

struct TextFile {
  std::string path;  // symlinks resolved: we replace the file, not the link
  bool exists = false;
  std::string text;    // "" when it does not exist
  mode_t mode = 0600;  // kept on replace
};

// Reads path; a missing file is not an error (exists = false).
Result<TextFile> LoadTextFile(const std::string& path);

// Copies the current text to backup_path (when the file exists), then writes
// new_text to a temp file in the same directory, fsyncs it, renames it over
// file.path and fsyncs the directory. Creates missing parent directories.
Status ReplaceTextFile(const TextFile& file, std::string_view new_text,
                       const std::string& backup_path);

}  // namespace trace
