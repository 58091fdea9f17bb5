// Unit tests of the event keys (event.h): what the pipeline routes on.
#include "common/event/event.h"

#include <gtest/gtest.h>

#include "common/json/json_parse.h"

namespace trace {
namespace {

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

TEST(Event, NestingPastTheEventLimitIsRefusedNotACrash) {
  std::string deep(100000, '[');
  Result<EventKeys> k = ParseEventKeys(deep);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("nested deeper than 514 levels"), std::string::npos)
      << k.status().message();
  EXPECT_EQ(WithSeq(deep, 7), deep);
  std::string at_limit =
      R"({"span_id":"s","kind":"hook","event_type":"Stop","timestamp":1,"data":)" +
      std::string(json::kMaxEventDepth - 1, '[') + std::string(json::kMaxEventDepth - 1, ']') + "}";
  EXPECT_TRUE(ParseEventKeys(at_limit).ok());
}

}  // namespace
}  // namespace trace
