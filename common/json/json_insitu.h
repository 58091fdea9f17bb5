// In-place parsing of one JSON line, the hot path of trace-tail and
// trace-index (every event is parsed once by each).
//
// RapidJSON's SIMD string scan (1.1.0) walks each string byte by byte up to
// a 16-byte boundary before it loads whole blocks, because an aligned load
// cannot cross into an unmapped page. An event's strings are short (keys,
// ids, names), so nearly every byte went through that scalar prologue.
// Here the text is copied into a buffer padded past its end, so the scan
// loads 16 unaligned bytes from wherever a string starts. It is plugged
// into RapidJSON through its own stream type (PaddedInsituStream), for
// which the reader's scan and whitespace hooks are specialized below;
// everything else (grammar, escapes, numbers, errors) is RapidJSON's.
//
// The scan also stops at every control byte (< 0x20), as RFC 8259 asks;
// RapidJSON's own scan let 0x1A-0x1F through inside aligned blocks.
#pragma once

#include <rapidjson/document.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace trace::json {

// A NUL-terminated copy of one line, padded so 16-byte loads that start
// anywhere before the NUL stay inside the buffer. Reused line after line.
class InsituBuffer {
 public:
  static constexpr size_t kPadding = 16;
  // Copies text in; the parsed document's strings point into this copy.
  char* Assign(std::string_view text) {
    buf_.resize(text.size() + 1 + kPadding);
    std::memcpy(buf_.data(), text.data(), text.size());
    std::memset(buf_.data() + text.size(), 0, 1 + kPadding);
    return buf_.data();
  }
  char* data() { return buf_.data(); }

 private:
  std::vector<char> buf_;
};

// RapidJSON's in-situ stream over an InsituBuffer's text.
struct PaddedInsituStream : rapidjson::InsituStringStream {
  explicit PaddedInsituStream(char* text) : rapidjson::InsituStringStream(text) {}
};

// Copies one line into buf and parses it in place into *doc (its strings
// point into buf), nesting at most max_depth levels (json_parse.h). A line
// holding a NUL byte (the in-place parser would stop there) or invalid UTF-8
// is refused before parsing, and the error says which; otherwise the error
// is the parser's ("<reason> at byte N"). Encoding is checked here, a word
// at a time, because RapidJSON's own check would turn off its SIMD string
// scan.
template <typename Document>
Status ParseLine(Document* doc, InsituBuffer* buf, std::string_view text, unsigned max_depth) {
  if (std::memchr(text.data(), '\0', text.size()) != nullptr)
    return Status::Error("line contains a NUL byte");
  if (!IsValidUtf8(text)) return Status::Error("invalid UTF-8");
  PaddedInsituStream stream(buf->Assign(text));
  return ParseStream<rapidjson::kParseInsituFlag, rapidjson::UTF8<>>(doc, stream, max_depth);
}

namespace detail {

// Advances the stream to the first '"', '\\' or control byte of the
// string it is in; in place, moving the text left when an earlier escape
// made the string shorter (dst behind src).
inline void ScanUnescaped(PaddedInsituStream& is) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control_max = _mm_set1_epi8(0x1F);
  auto stops = [&](__m128i s) {
    __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(s, control_max), control_max);  // s <= 0x1F
    __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(s, quote), _mm_cmpeq_epi8(s, backslash)), control);
    return static_cast<unsigned>(_mm_movemask_epi8(hit));
  };
  char* p = is.src_;
  char* q = is.dst_;
  if (p == q) {  // nothing unescaped yet: only skip
    for (;; p += 16) {
      if (unsigned r = stops(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))) {
        p += __builtin_ctz(r);
        break;
      }
    }
    is.src_ = is.dst_ = p;
    return;
  }
  for (;; p += 16, q += 16) {
    __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if (unsigned r = stops(s)) {
      size_t n = static_cast<size_t>(__builtin_ctz(r));
      std::memmove(q, p, n);
      p += n;
      q += n;
      break;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), s);  // q < p: s is already read
  }
  is.src_ = p;
  is.dst_ = q;
#else
  (void)is;  // RapidJSON's byte-by-byte loop does all the work
#endif
}

}  // namespace detail

// Found by argument-dependent lookup from RapidJSON's reader (an exact
// match beats its template): compact JSON has little whitespace to skip.
inline void SkipWhitespace(PaddedInsituStream& is) {
  char* p = is.src_;
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') ++p;
  is.src_ = p;
}

}  // namespace trace::json

namespace rapidjson {

// Copy the stream's pointers into the reader's loops, as for InsituStringStream.
template <>
struct StreamTraits<trace::json::PaddedInsituStream> {
  enum { copyOptimization = 1 };
};

// The reader's string scan for PaddedInsituStream, for each document type
// the tools parse with (default, and pool-allocated stacks).
#define TRACE_PADDED_SCAN(StackAllocator)                                             \
  template <>                                                                         \
  template <>                                                                         \
  inline void GenericReader<UTF8<>, UTF8<>, StackAllocator>::ScanCopyUnescapedString< \
      trace::json::PaddedInsituStream, trace::json::PaddedInsituStream>(              \
      trace::json::PaddedInsituStream & is, trace::json::PaddedInsituStream&) {       \
    trace::json::detail::ScanUnescaped(is);                                           \
  }
TRACE_PADDED_SCAN(CrtAllocator)
TRACE_PADDED_SCAN(MemoryPoolAllocator<CrtAllocator>)
#undef TRACE_PADDED_SCAN

}  // namespace rapidjson
