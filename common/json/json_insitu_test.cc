// The padded in-place parse (json_insitu.h) against RapidJSON's own parser:
// strings that start at every alignment, escapes at every position of a
// 16-byte block, control bytes, unterminated strings at the very end.
#include "common/json/json_insitu.h"

#include <gtest/gtest.h>

#include <string>

namespace trace::json {
namespace {

// Parses text in place; the first member's name and string value, or "<error>".
std::pair<std::string, std::string> Insitu(const std::string& text) {
  InsituBuffer buf;
  rapidjson::Document doc;
  if (!ParseLine(&doc, &buf, text, kMaxLineDepth) || !doc.IsObject() || doc.MemberCount() == 0)
    return {"<error>", ""};
  const auto& m = *doc.MemberBegin();
  return {m.name.GetString(), m.value.IsString()
                                  ? std::string(m.value.GetString(), m.value.GetStringLength())
                                  : "<not a string>"};
}

std::pair<std::string, std::string> Reference(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.c_str(), text.size());  // the scalar path
  if (doc.HasParseError() || !doc.IsObject() || doc.MemberCount() == 0) return {"<error>", ""};
  const auto& m = *doc.MemberBegin();
  return {m.name.GetString(), m.value.IsString()
                                  ? std::string(m.value.GetString(), m.value.GetStringLength())
                                  : "<not a string>"};
}

TEST(JsonInsitu, MatchesRapidJsonAtEveryAlignmentAndEscapePosition) {
  const std::string escapes[] = {"",        "\\\"",           "\\\\", "\\n",
                                 "\\u00e9", "\\ud83d\\ude80", "\\/",  "\xc3\xa9"};
  int cases = 0;
  for (size_t pad = 0; pad < 17; ++pad) {
    for (size_t len = 0; len < 40; len += 3) {
      for (const std::string& esc : escapes) {
        for (size_t at = 0; at <= len; at += 5) {
          std::string value(len, 'v');
          for (size_t i = 0; i < len; ++i) value[i] = static_cast<char>('a' + (i * 7 + pad) % 26);
          value.insert(at, esc);
          std::string text =
              "{\"" + std::string(pad, 'k') + "\":\"" + value + "\",\"n\":[1, 2 ,{}]}";
          ASSERT_EQ(Insitu(text), Reference(text)) << text;
          ++cases;
        }
      }
    }
  }
  EXPECT_GT(cases, 5000);
}

TEST(JsonInsitu, RejectsEveryControlByteInsideAString) {
  for (int c = 1; c < 0x20; ++c) {
    for (size_t pad = 0; pad < 20; ++pad) {
      std::string text =
          "{\"k\":\"" + std::string(pad, 'x') + static_cast<char>(c) + "tail of the string\"}";
      EXPECT_EQ(Insitu(text).first, "<error>") << "byte " << c << " after " << pad;
    }
  }
}

TEST(JsonInsitu, UnterminatedOrTruncatedTextIsAnErrorNotAnOverread) {
  for (std::string text : {"{\"k\":\"abc", "{\"k\":\"0123456789abcdef0123", "{\"k", "{\"k\":\"\\",
                           "\"", "{\"k\":\"\\u12"}) {
    EXPECT_EQ(Insitu(text).first, "<error>") << text;
  }
  EXPECT_EQ(Insitu("{\"k\":\"0123456789abcdef\"}").second, "0123456789abcdef");
}

TEST(JsonInsitu, RefusesNulBytesAndInvalidUtf8BeforeParsing) {
  InsituBuffer buf;
  rapidjson::Document doc;
  EXPECT_EQ(ParseLine(&doc, &buf, std::string_view("{\"k\":1}\0{", 9), kMaxLineDepth).message(),
            "line contains a NUL byte");
  EXPECT_EQ(ParseLine(&doc, &buf, "{\"k\":\"\xc3\"}", kMaxLineDepth).message(), "invalid UTF-8");
  ASSERT_TRUE(ParseLine(&doc, &buf, "{\"k\":\"caf\xc3\xa9\"}", kMaxLineDepth).ok());
  EXPECT_STREQ(doc["k"].GetString(), "caf\xc3\xa9");
}

TEST(JsonInsitu, BufferIsReusedAcrossLinesOfAnySize) {
  InsituBuffer buf;
  for (size_t n : {1000000u, 3u, 70000u, 0u}) {
    std::string text = "{\"k\":\"" + std::string(n, 'z') + "\"}";
    rapidjson::Document doc;
    ASSERT_TRUE(ParseLine(&doc, &buf, text, kMaxLineDepth).ok());
    EXPECT_EQ(doc["k"].GetStringLength(), n);
  }
}

}  // namespace
}  // namespace trace::json
