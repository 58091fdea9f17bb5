// Small helpers over RapidJSON used everywhere: a string-backed writer,
// typed field access that never throws or asserts on odd input, and the
// timestamp conversions of the event model (ms epoch <-> RFC 3339).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trace::json {

// Compact JSON writer into a std::string. Invalid UTF-8 in strings is written
// as-is (callers that take untrusted text sanitize first: see SanitizeUtf8).
class StringWriter {
 public:
  StringWriter() : writer_(buffer_) {}
  void StartObject() { writer_.StartObject(); }
  void EndObject() { writer_.EndObject(); }
  void StartArray() { writer_.StartArray(); }
  void EndArray() { writer_.EndArray(); }
  void Key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
  }
  void String(std::string_view s) {
    writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  }
  void Int64(int64_t v) { writer_.Int64(v); }
  void Uint64(uint64_t v) { writer_.Uint64(v); }
  void Double(double v) { writer_.Double(v); }
  void Bool(bool v) { writer_.Bool(v); }
  void Null() { writer_.Null(); }
  // Writes an already-serialized JSON value verbatim.
  void Raw(std::string_view json) {
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  void Value(const rapidjson::Value& v) { v.Accept(writer_); }
  // Writes v, or null when v is empty.
  void OptString(std::string_view key, const std::optional<std::string>& v) {
    Key(key);
    v ? String(*v) : Null();
  }
  // Pre-sizes the buffer for an output of about n bytes (one allocation
  // instead of repeated growth for large records).
  void Reserve(size_t n) { buffer_.Reserve(n); }
  std::string Take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }
  std::string_view View() const { return {buffer_.GetString(), buffer_.GetSize()}; }
  void Reset() {
    buffer_.Clear();
    writer_.Reset(buffer_);
  }
  rapidjson::Writer<rapidjson::StringBuffer>& writer() { return writer_; }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Serializes a value compactly.
std::string Serialize(const rapidjson::Value& v);

// Field access: nullptr / nullopt when absent or of another type (GetInt:
// also a number no int64 holds, such as 1e30).
const rapidjson::Value* Find(const rapidjson::Value& obj, std::string_view key);
std::optional<std::string_view> GetString(const rapidjson::Value& obj, std::string_view key);
std::optional<int64_t> GetInt(const rapidjson::Value& obj, std::string_view key);
std::optional<bool> GetBool(const rapidjson::Value& obj, std::string_view key);

// Several members picked out of an object in one pass, for hot paths that
// read many fields of every event: a member's name is matched by its length
// first, so each member costs about one comparison however many names are
// wanted (the first member of a name wins, as with Find).
class MemberSet {
 public:
  MemberSet(std::initializer_list<std::string_view> names);
  size_t size() const { return names_.size(); }
  // found[i] = the member named names[i], or nullptr (size() entries;
  // all nullptr when obj is not an object).
  void Find(const rapidjson::Value& obj, const rapidjson::Value** found) const;

 private:
  static constexpr size_t kMaxLength = 31;
  std::vector<std::string_view> names_;
  std::vector<uint8_t> by_length_[kMaxLength + 1];  // indices into names_
};

// A timestamp field as ms: integer (ms; values below 1e11 are taken as
// seconds), floating seconds/ms likewise, or an RFC 3339 string; nullopt
// for anything else, or a time past what int64 ms hold.
std::optional<int64_t> TimestampMs(const rapidjson::Value& v);

// True if s is valid UTF-8.
bool IsValidUtf8(std::string_view s);
// Replaces each invalid UTF-8 sequence by U+FFFD so the text can be a JSON string.
std::string SanitizeUtf8(std::string_view s);

}  // namespace trace::json
