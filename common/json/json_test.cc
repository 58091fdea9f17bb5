// Unit tests for the JSON helpers.
#include "common/json/json.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

TEST(Json, TimestampAcceptsSecondsMillisAndStrings) {
  rapidjson::Document d;
  d.Parse(
      R"({"a":1769606193350,"b":1769606193,"c":"2026-01-28T13:16:33.350Z","d":1769606193.35,"e":true})");
  EXPECT_EQ(json::TimestampMs(d["a"]), 1769606193350);
  EXPECT_EQ(json::TimestampMs(d["b"]), 1769606193000);
  EXPECT_EQ(json::TimestampMs(d["c"]), 1769606193350);
  EXPECT_EQ(json::TimestampMs(d["d"]), 1769606193350);
  EXPECT_FALSE(json::TimestampMs(d["e"]));
}

// Converting a double no int64 holds is undefined behaviour: such a number
// is no integer and no time (the fuzzers' UBSan build aborts otherwise).
TEST(Json, NumbersBeyondInt64AreNoIntegerAndNoTime) {
  rapidjson::Document d;
  d.Parse(R"({"big":1e30,"small":-1e30,"edge":9223372036854775807.0,"ok":-12.7,"ms":1e300})");
  EXPECT_FALSE(json::GetInt(d, "big"));
  EXPECT_FALSE(json::GetInt(d, "small"));
  EXPECT_FALSE(json::GetInt(d, "edge"));  // rounds to 2^63
  EXPECT_EQ(json::GetInt(d, "ok"), -12);
  EXPECT_FALSE(json::TimestampMs(d["ms"]));
  EXPECT_FALSE(json::TimestampMs(d["small"]));
  EXPECT_EQ(json::TimestampMs(d["ok"]), -12700);
}

TEST(Json, Utf8Validation) {
  EXPECT_TRUE(json::IsValidUtf8("plain ascii"));
  EXPECT_TRUE(json::IsValidUtf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  EXPECT_FALSE(json::IsValidUtf8("bad \xC3"));
  EXPECT_FALSE(json::IsValidUtf8("overlong \xC0\xAF"));
  EXPECT_FALSE(json::IsValidUtf8("surrogate \xED\xA0\x80"));
  EXPECT_EQ(json::SanitizeUtf8("a\xFF"
                               "b"),
            "a\xEF\xBF\xBD"
            "b");
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
