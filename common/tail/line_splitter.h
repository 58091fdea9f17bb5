// Cuts a byte stream (one file, read in chunks) into lines with their file
// offsets. Holds a partial last line until its newline arrives; a line over
// the cap is reported once as oversized (with a bounded prefix) and the
// splitter resyncs at the next newline, so memory stays bounded.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace trace {

struct Line {
  std::string_view text;   // without "\n" and a trailing "\r"
  uint64_t offset = 0;     // first byte of the line in the stream
  uint64_t length = 0;     // bytes including the newline (if any)
  bool oversized = false;  // text is only a prefix of a too-long line
};

class LineSplitter {
 public:
  // Lines longer than max_line_bytes become oversized lines carrying at most
  // kOversizedPrefix bytes.
  static constexpr size_t kOversizedPrefix = 64 * 1024;
  explicit LineSplitter(size_t max_line_bytes) : max_(max_line_bytes) {}

  // Forgets any held bytes; the next byte fed is at `offset`.
  void Reset(uint64_t offset);
  // Feeds the bytes at position(); calls emit(const Line&) per complete line.
  template <typename Emit>
  void Feed(std::string_view data, Emit&& emit);
  // End of input: emits the held partial line (if any) as a line.
  template <typename Emit>
  void Flush(Emit&& emit);

  uint64_t committed() const { return line_start_; }  // just past the last line emitted
  uint64_t position() const { return pos_; }          // where the next fed byte belongs
  size_t held_bytes() const { return pending_.size(); }

 private:
  // Adds a piece of the current (unterminated) line to the held bytes.
  void Hold(std::string_view piece);
  template <typename Emit>
  void EmitLine(std::string_view text, uint64_t length, bool oversized, Emit&& emit);

  size_t max_;
  std::string pending_;
  uint64_t line_start_ = 0;
  uint64_t pos_ = 0;
  uint64_t held_length_ = 0;  // bytes of the current line seen so far (may exceed pending_)
  bool oversized_ = false;
};

template <typename Emit>
void LineSplitter::EmitLine(std::string_view text, uint64_t length, bool oversized, Emit&& emit) {
  if (!oversized && !text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (oversized && text.size() > kOversizedPrefix) text = text.substr(0, kOversizedPrefix);
  Line line{text, line_start_, length, oversized};
  line_start_ += length;
  emit(line);
}

template <typename Emit>
void LineSplitter::Feed(std::string_view data, Emit&& emit) {
  while (!data.empty()) {
    const void* nl = std::memchr(data.data(), '\n', data.size());
    if (nl == nullptr) {
      Hold(data);
      pos_ += data.size();
      return;
    }
    size_t n = static_cast<const char*>(nl) - data.data();
    pos_ += n + 1;
    if (held_length_ == 0 && n <= max_) {
      EmitLine(data.substr(0, n), n + 1, false, emit);  // zero-copy common case
    } else {
      Hold(data.substr(0, n));
      uint64_t length = held_length_ + 1;
      EmitLine(pending_, length, oversized_, emit);
      pending_.clear();
      held_length_ = 0;
      oversized_ = false;
    }
    data.remove_prefix(n + 1);
  }
}

template <typename Emit>
void LineSplitter::Flush(Emit&& emit) {
  if (held_length_ == 0) return;
  EmitLine(pending_, held_length_, oversized_, emit);
  pending_.clear();
  held_length_ = 0;
  oversized_ = false;
}

}  // namespace trace
