// The depth-limited parse (json_parse.h): nesting up to the limit parses,
// one level more is an error naming the limit, 100k levels is that error and
// not a stack overflow, and everything else is RapidJSON's behaviour.
#include "common/json/json_parse.h"

#include <gtest/gtest.h>

#include <string>

#include "common/json/json_insitu.h"

namespace trace::json {
namespace {

std::string Arrays(size_t depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

std::string Objects(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += R"({"k":)";
  return s + "1" + std::string(depth, '}');
}

TEST(JsonParse, NestingUpToTheLimitParses) {
  rapidjson::Document d;
  ASSERT_TRUE(Parse(&d, Arrays(kMaxDepth))) << "arrays";
  const rapidjson::Value* v = &d;
  size_t depth = 0;
  for (; v->IsArray(); v = &(*v)[0]) ++depth;
  EXPECT_EQ(depth, kMaxDepth);
  EXPECT_TRUE(Parse(&d, Objects(kMaxDepth))) << "objects";
}

TEST(JsonParse, OneLevelMoreIsAnErrorNamingTheLimit) {
  rapidjson::Document d;
  Status st = Parse(&d, Arrays(kMaxDepth + 1));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.message(), "nested deeper than 512 levels at byte 512");
  EXPECT_TRUE(d.IsNull());
  st = Parse(&d, Objects(kMaxDepth).insert(0, 1, '[') + ']');
  ASSERT_FALSE(st);
  EXPECT_EQ(st.message().rfind("nested deeper than 512 levels", 0), 0u) << st.message();
}

TEST(JsonParse, HundredThousandLevelsAreAnErrorNotAStackOverflow) {
  rapidjson::Document d;
  for (const std::string& text : {std::string(100000, '['), Arrays(150000), Objects(100000),
                                  std::string(100000, '{') /* not even valid keys */}) {
    Status st = Parse(&d, text);
    EXPECT_FALSE(st) << text.substr(0, 20);
  }
  EXPECT_NE(Parse(&d, std::string(100000, '[')).message().find("nested deeper"), std::string::npos);
}

TEST(JsonParse, DepthIsCountedPerPathNotPerDocument) {
  std::string wide = "[";
  for (int i = 0; i < 2000; ++i) {
    if (i > 0) wide += ',';
    wide += Arrays(kMaxDepth - 1);
  }
  wide += "]";
  rapidjson::Document d;
  ASSERT_TRUE(Parse(&d, wide));
  EXPECT_EQ(d.Size(), 2000u);
}

TEST(JsonParse, BracketsInsideStringsDoNotCount) {
  rapidjson::Document d;
  ASSERT_TRUE(Parse(&d, "[\"" + std::string(100000, '[') + "\"]"));
  EXPECT_EQ(d[0].GetStringLength(), 100000u);
}

TEST(JsonParse, OtherErrorsKeepRapidJsonsWording) {
  rapidjson::Document d;
  EXPECT_EQ(Parse(&d, "{not").message(), "Missing a name for object member. at byte 1");
  EXPECT_EQ(Parse(&d, "").message(), "The document is empty. at byte 0");
  EXPECT_EQ(Parse(&d, "[1] 2").message(),
            "The document root must not be followed by other values. at byte 4");
  EXPECT_FALSE(Parse<rapidjson::kParseValidateEncodingFlag>(&d, "\"\xff\""));
  EXPECT_TRUE(Parse(&d, R"({"a":[1,{"b":null}],"c":"d"})"));
  EXPECT_EQ(d["a"][1].MemberCount(), 1u);
}

TEST(JsonParse, TheLimitIsAParameter) {
  rapidjson::Document d;
  EXPECT_TRUE(Parse(&d, "[[[]]]", 3));
  EXPECT_FALSE(Parse(&d, "[[[]]]", 2));
  EXPECT_TRUE(Parse(&d, "7", 0));
  EXPECT_FALSE(Parse(&d, "[]", 0));
}

TEST(JsonParse, ADocumentIsReusableAfterAnError) {
  rapidjson::Document d;
  ASSERT_TRUE(Parse(&d, R"({"a":1})"));
  ASSERT_FALSE(Parse(&d, std::string(1000, '[')));
  EXPECT_TRUE(d.IsNull());
  ASSERT_TRUE(Parse(&d, R"({"b":2})"));
  EXPECT_EQ(d["b"].GetInt(), 2);
}

TEST(JsonParse, InPlaceLinesHaveTheSameLimit) {
  InsituBuffer buf;
  rapidjson::Document d;
  EXPECT_TRUE(ParseLine(&d, &buf, Arrays(kMaxLineDepth), kMaxLineDepth));
  Status st = ParseLine(&d, &buf, Arrays(kMaxLineDepth + 1), kMaxLineDepth);
  EXPECT_EQ(st.message(), "nested deeper than 513 levels at byte 513");
  EXPECT_FALSE(ParseLine(&d, &buf, std::string(100000, '['), kMaxLineDepth));
  // The pool-allocated document type the normalizer uses.
  rapidjson::MemoryPoolAllocator<> values, stack;
  rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                             rapidjson::MemoryPoolAllocator<>>
      pooled(&values, 1024, &stack);
  EXPECT_FALSE(ParseLine(&pooled, &buf, std::string(100000, '['), kMaxLineDepth));
  ASSERT_TRUE(ParseLine(&pooled, &buf, R"({"k":"v"})", kMaxLineDepth));
  EXPECT_STREQ(pooled["k"].GetString(), "v");
}

}  // namespace
}  // namespace trace::json
