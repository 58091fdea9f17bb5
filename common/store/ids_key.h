// The keys of the `ids` table (proto/storage.md "Named databases", schema
// 4): 16 bytes for an event identity (EventIdentity: the span_id, then "\0"
// and the transcript for transcript lines) whatever its length, so the
// table stays small although identities arrive in random order. The one
// place they are made: the builder's duplicate check, the writer,
// GetEventBySpanId, --verify and the --migrate re-key all call it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trace {

inline constexpr size_t kIdsKeySize = 16;
inline constexpr size_t kIdsSpanPrefixSize = 8;

// StableHash64 (common/base/ids.h) of the span_id, then of the whole
// identity, each 8 bytes big-endian. The span_id is the identity up to its
// first NUL. On disk: the function never changes.
class IdsKey {
 public:
  explicit IdsKey(std::string_view identity);
  std::string_view view() const { return {bytes_, sizeof bytes_}; }

 private:
  char bytes_[kIdsKeySize];
};

// The first kIdsSpanPrefixSize bytes of the key of every identity of
// span_id (a span_id read from several transcripts has several keys).
std::string IdsSpanPrefix(std::string_view span_id);

}  // namespace trace
