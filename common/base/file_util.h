// Small, careful file-system operations shared by the tools: full writes that
// survive EINTR and short writes, directory creation, and the atomic replace
// (temp file + fsync + rename + directory fsync) used for state and settings.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace::file {

// Writes all of data to fd, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view data);

// Creates dir and its missing parents with mode (existing ones are kept).
Status MakeDirs(const std::string& dir, mode_t mode = 0755);

// Replaces path with text atomically: readers see the old or the new content,
// never a mix, and after return the new content survives a crash. The
// directory is created if missing. A failure leaves the old file untouched.
Status WriteFileAtomic(const std::string& path, std::string_view text, mode_t mode = 0644);

// fsyncs a directory so a rename inside it is durable; errors are ignored
// (some file systems refuse fsync on directories).
void SyncDir(const std::string& dir);

// p made absolute against the working directory (p itself when it is
// absolute, empty, or the directory is unknown); no symlinks resolved.
std::string AbsolutePath(const std::string& p);

}  // namespace trace::file
