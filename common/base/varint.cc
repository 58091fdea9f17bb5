// See varint.h.
#include "common/base/varint.h"

namespace trace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view in, size_t* pos, uint64_t* v) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64 && *pos < in.size(); shift += 7) {
    auto byte = static_cast<uint8_t>(in[(*pos)++]);
    // The tenth byte holds bit 63 alone; more would be lost, not read.
    if (shift == 63 && byte > 1) return false;
    value |= uint64_t{byte & 0x7fu} << shift;
    if (!(byte & 0x80)) {
      *v = value;
      return true;
    }
  }
  return false;
}

bool GetSignedVarint(std::string_view in, size_t* pos, int64_t* v) {
  uint64_t u = 0;
  if (!GetVarint(in, pos, &u)) return false;
  *v = UnZigZag(u);
  return true;
}

void PutLengthPrefixed(std::string_view bytes, std::string* out) {
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

bool GetLengthPrefixed(std::string_view in, size_t* pos, std::string_view* bytes) {
  uint64_t n = 0;
  if (!GetVarint(in, pos, &n) || n > in.size() - *pos) return false;
  *bytes = in.substr(*pos, n);
  *pos += n;
  return true;
}

}  // namespace trace
