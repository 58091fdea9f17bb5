// A followed file's identity beyond device+inode (proto/inputs.md "File
// identity"): a fingerprint of its first bytes, as log shippers keep one. A
// short file's fingerprint covers what it has and grows with it up to
// kFingerprintBytes; another file on a reused inode, or the file rewritten
// in place, no longer starts with those bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace {

inline constexpr uint64_t kFingerprintBytes = 1024;

struct Fingerprint {
  uint64_t length = 0;  // bytes covered; 0: nothing known (any file matches)
  std::string hash;     // 16 hex digits of StableHashHex over those bytes

  bool known() const { return length > 0; }
  // "<length>:<hash>", or "" when nothing is known. The text form travels in
  // events (source.fp), the checkpoint, the control exchange and the store.
  std::string ToString() const;
  // The text form back; anything malformed is "nothing known".
  static Fingerprint Parse(std::string_view text);
  bool operator==(const Fingerprint&) const = default;
};

// The fingerprint of the first min(size, kFingerprintBytes) bytes of fd.
Result<Fingerprint> ReadFingerprint(int fd, uint64_t size);
// Whether fd's file starts with the bytes fp covers (false when it is now
// shorter than that). An unknown fp matches.
Result<bool> StartsWith(int fd, const Fingerprint& fp);
// The same for the file at path (false when it cannot be opened).
bool PathStartsWith(const std::string& path, const Fingerprint& fp);

// The birth time (statx btime, ns since the epoch) of the file at path when
// it is still device+inode ino and its filesystem keeps one; else 0. Stable
// for the life of the file, new for a file that reuses the inode.
int64_t BirthNs(const std::string& path, uint64_t ino);

// The path of the regular file with this device+inode in directory dir or,
// with levels 2, in one of its direct subdirectories ("" when there is
// none): where a followed file renamed beside its old path (or into an
// archive directory under it) went.
std::string FindInDir(const std::string& dir, uint64_t dev, uint64_t ino, int levels = 1);

}  // namespace trace
