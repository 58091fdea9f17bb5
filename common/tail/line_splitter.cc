// See line_splitter.h. Only the held-bytes bookkeeping lives here; the hot
// path (Feed) is inline in the header.
#include "common/tail/line_splitter.h"

namespace trace {

void LineSplitter::Reset(uint64_t offset) {
  pending_.clear();
  pending_.shrink_to_fit();
  line_start_ = pos_ = offset;
  held_length_ = 0;
  oversized_ = false;
}

void LineSplitter::Hold(std::string_view piece) {
  held_length_ += piece.size();
  if (oversized_) return;  // already over the cap: keep only the prefix held
  if (held_length_ > max_) {
    oversized_ = true;
    size_t room = pending_.size() < kOversizedPrefix ? kOversizedPrefix - pending_.size() : 0;
    pending_.append(piece.substr(0, room));
    return;
  }
  pending_.append(piece);
}

}  // namespace trace
