// Every JSON text claude-trace reads is parsed here: RapidJSON's reader with
// a nesting limit. The reader, its Writer (Accept) and our own walkers all
// recurse once per level, so a line of 100k '[' ran each of them out of
// stack; refused at the limit it is an ordinary parse error (a raw event, a
// 400), and everything downstream only ever sees bounded depth. The limits
// and where each applies are documented in proto/inputs.md ("Nesting").
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace trace::json {

// The deepest nesting of arrays and objects accepted in JSON that enters
// from outside: HTTP bodies, the hook's stdin, settings, state and price
// files, control messages. The one constant; the two below follow from it.
inline constexpr unsigned kMaxDepth = 512;
// Lines trace-tail follows: a hook span holds its payload one level down.
inline constexpr unsigned kMaxLineDepth = kMaxDepth + 1;
// Normalized events (wire, store, gateway): an event holds its line's record
// one level down.
inline constexpr unsigned kMaxEventDepth = kMaxLineDepth + 1;

namespace detail {

// Forwards the reader's SAX events to a document and stops the parse at the
// array or object that would open one level past the limit.
template <typename Document>
class DepthLimitedHandler {
 public:
  using Ch = typename Document::Ch;
  DepthLimitedHandler(Document& doc, unsigned max_depth) : doc_(doc), levels_left_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const Ch* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const Ch* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const Ch* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return Open() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    ++levels_left_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return Open() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    ++levels_left_;
    return doc_.EndArray(n);
  }

  bool too_deep() const { return too_deep_; }

 private:
  bool Open() {
    if (levels_left_ == 0) {
      too_deep_ = true;
      return false;
    }
    --levels_left_;
    return true;
  }

  Document& doc_;
  unsigned levels_left_;
  bool too_deep_ = false;
};

template <typename>
struct DocumentTypes;
template <typename Encoding, typename Allocator, typename StackAllocator>
struct DocumentTypes<rapidjson::GenericDocument<Encoding, Allocator, StackAllocator>> {
  using TargetEncoding = Encoding;
  using ReaderStackAllocator = StackAllocator;
};

}  // namespace detail

// Parses one JSON value from a RapidJSON input stream into *doc (what
// Document::ParseStream does), refusing nesting deeper than max_depth.
// Ok, or one line: "<RapidJSON's reason> at byte N", or "nested deeper than
// 512 levels at byte N" (where the array or object one level too deep
// opens). On error *doc is null.
template <unsigned kFlags, typename SourceEncoding, typename Document, typename Stream>
Status ParseStream(Document* doc, Stream& is, unsigned max_depth) {
  using Types = detail::DocumentTypes<Document>;
  rapidjson::GenericReader<SourceEncoding, typename Types::TargetEncoding,
                           typename Types::ReaderStackAllocator>
      reader;
  detail::DepthLimitedHandler<Document> handler(*doc, max_depth);
  rapidjson::ParseResult result;
  auto generate = [&](Document&) {
    result = reader.template Parse<kFlags>(is, handler);
    return !result.IsError();
  };
  doc->Populate(generate);
  if (!result.IsError()) return Status::Ok();
  doc->SetNull();
  if (handler.too_deep()) {  // the reader stopped just past the '[' or '{' that was one too many
    return Status::Error("nested deeper than " + std::to_string(max_depth) + " levels at byte " +
                         std::to_string(result.Offset() - 1));
  }
  return Status::Error(std::string(rapidjson::GetParseError_En(result.Code())) + " at byte " +
                       std::to_string(result.Offset()));
}

// Parses text (not NUL-terminated) into *doc; see ParseStream. The flags are
// RapidJSON's (kParseInsituFlag excepted: see ParseLine in json_insitu.h).
template <unsigned kFlags = rapidjson::kParseDefaultFlags, typename Document>
Status Parse(Document* doc, std::string_view text, unsigned max_depth = kMaxDepth) {
  static_assert(!(kFlags & rapidjson::kParseInsituFlag), "in-place parsing: use ParseLine");
  rapidjson::MemoryStream bytes(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(bytes);
  return ParseStream<kFlags, rapidjson::UTF8<>>(doc, is, max_depth);
}

}  // namespace trace::json
