// Unit tests for the JSON helpers, event keys and the wire header.
#include "common/json/json.h"

#include <gtest/gtest.h>

#include "common/event/event.h"
#include "common/wire/wire.h"

namespace trace {
namespace {

TEST(Json, ParsesRfc3339Forms) {
  EXPECT_EQ(json::ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(json::ParseRfc3339Ms("2026-02-12T16:02:25.284Z"), 1770912145284);
  EXPECT_EQ(json::ParseRfc3339Ms("2026-02-12T17:02:25.284+01:00"), 1770912145284);
  EXPECT_EQ(json::ParseRfc3339Ms("2026-02-12 16:02:25Z"), 1770912145000);
  EXPECT_EQ(json::ParseRfc3339Ms("2026-02-12T16:02:25.2849999Z"), 1770912145284);
  EXPECT_FALSE(json::ParseRfc3339Ms("2026-02-12"));
  EXPECT_FALSE(json::ParseRfc3339Ms("2026-13-12T16:02:25Z"));
  EXPECT_FALSE(json::ParseRfc3339Ms("2026-02-12T16:02:25.Z"));
  EXPECT_FALSE(json::ParseRfc3339Ms("2026-02-12T16:02:25+01"));
  EXPECT_FALSE(json::ParseRfc3339Ms("garbage"));
}

TEST(Json, FormatsAndRoundTrips) {
  EXPECT_EQ(json::FormatRfc3339Ms(1770912145284), "2026-02-12T16:02:25.284Z");
  EXPECT_EQ(json::ParseRfc3339Ms(json::FormatRfc3339Ms(-1)), -1);
}

TEST(Json, TimestampAcceptsSecondsMillisAndStrings) {
  rapidjson::Document d;
  d.Parse(R"({"a":1769606193350,"b":1769606193,"c":"2026-01-28T13:16:33.350Z","d":1769606193.35,"e":true})");
  EXPECT_EQ(json::TimestampMs(d["a"]), 1769606193350);
  EXPECT_EQ(json::TimestampMs(d["b"]), 1769606193000);
  EXPECT_EQ(json::TimestampMs(d["c"]), 1769606193350);
  EXPECT_EQ(json::TimestampMs(d["d"]), 1769606193350);
  EXPECT_FALSE(json::TimestampMs(d["e"]));
}

TEST(Json, Utf8Validation) {
  EXPECT_TRUE(json::IsValidUtf8("plain ascii"));
  EXPECT_TRUE(json::IsValidUtf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  EXPECT_FALSE(json::IsValidUtf8("bad \xC3"));
  EXPECT_FALSE(json::IsValidUtf8("overlong \xC0\xAF"));
  EXPECT_FALSE(json::IsValidUtf8("surrogate \xED\xA0\x80"));
  EXPECT_EQ(json::SanitizeUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
}

TEST(Event, ReadsKeysAndRejectsIncompleteEvents) {
  auto k = ParseEventKeys(
      R"({"span_id":"s1","kind":"hook","event_type":"PreToolUse","session_id":"abc",)"
      R"("tool_name":"Bash","timestamp":5,"source":{"path":"/x","dev":1,"ino":2,"offset":10,"length":4}})");
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->session_id, "abc");
  EXPECT_EQ(k->source->Identity(), "1:2");
  EXPECT_EQ(EventTopic(*k), "hook.abc");
  EXPECT_FALSE(ParseEventKeys(R"({"kind":"hook","event_type":"x"})").ok());
  EXPECT_FALSE(ParseEventKeys("not json").ok());
  EXPECT_FALSE(ParseEventKeys("[1]").ok());
}

TEST(Event, WithSeqReplacesSeq) {
  EXPECT_EQ(WithSeq(R"({"a":1,"seq":3})", 7), R"({"a":1,"seq":7})");
}

TEST(Event, StableHashIsStable) {
  EXPECT_EQ(StableHashHex("abc"), StableHashHex("abc"));
  EXPECT_NE(StableHashHex("abc"), StableHashHex("abd"));
  EXPECT_EQ(StableHashHex("").size(), 32u);
}

TEST(Wire, HeaderRoundTripsAndRejectsForeignFrames) {
  wire::Header h{0x0102030405060708ULL, 42, 7};
  std::string f = wire::EncodeHeader(h);
  ASSERT_EQ(f.size(), wire::kHeaderSize);
  auto back = wire::DecodeHeader(f);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->publisher_id, h.publisher_id);
  EXPECT_EQ(back->epoch, 42u);
  EXPECT_EQ(back->pub_seq, 7u);
  EXPECT_FALSE(wire::DecodeHeader("XX").ok());
  f[2] = 9;
  EXPECT_FALSE(wire::DecodeHeader(f).ok());
}

TEST(Json, MemberSetFindsEachNameOnceFirstWins) {
  json::MemberSet set{"a", "bb", "cc", "missing", "data", ""};
  rapidjson::Document d;
  d.Parse(R"({"cc":1,"zz":0,"bb":"x","a":true,"cc":2,"":[],"data":{"a":3}})");
  ASSERT_FALSE(d.HasParseError());
  const rapidjson::Value* found[6];
  set.Find(d, found);
  ASSERT_TRUE(found[0] && found[1] && found[2] && found[4] && found[5]);
  EXPECT_TRUE(found[0]->IsBool());
  EXPECT_STREQ(found[1]->GetString(), "x");
  EXPECT_EQ(found[2]->GetInt(), 1);  // the first "cc", as json::Find
  EXPECT_EQ(found[3], nullptr);
  EXPECT_TRUE(found[4]->IsObject());
  EXPECT_TRUE(found[5]->IsArray());
  set.Find(d["cc"], found);  // not an object: nothing found
  for (const rapidjson::Value* f : found) EXPECT_EQ(f, nullptr);
}

}  // namespace
}  // namespace trace
