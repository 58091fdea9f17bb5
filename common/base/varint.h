// The pieces of the store's binary values (proto/storage.md "Event values",
// "Counting states"): LEB128 varints, zig-zag for signed values, and
// varint-length-prefixed bytes. The readers are bounds-checked: input that
// ends early or names more than it holds is false, never a read past it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trace {

// 7 bits per byte, low bits first, high bit set = more bytes follow.
void PutVarint(uint64_t v, std::string* out);
// Reads a varint at *pos and moves *pos past it; false when the input ends
// first or the value does not fit 64 bits (*pos is then unspecified).
[[nodiscard]] bool GetVarint(std::string_view in, size_t* pos, uint64_t* v);

// Zig-zag: 0, -1, 1, -2, ... map to 0, 1, 2, 3, ..., so a small negative
// value is a short varint too.
constexpr uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (0 - (v & 1))); }

inline void PutSignedVarint(int64_t v, std::string* out) { PutVarint(ZigZag(v), out); }
[[nodiscard]] bool GetSignedVarint(std::string_view in, size_t* pos, int64_t* v);

// A varint byte count, then the bytes.
void PutLengthPrefixed(std::string_view bytes, std::string* out);
// *bytes views into in; false when the count runs past the end of in.
[[nodiscard]] bool GetLengthPrefixed(std::string_view in, size_t* pos, std::string_view* bytes);

}  // namespace trace
