// LineParser: every line comes back parsed as it would be alone, in order,
// whichever thread parsed it, over batch sizes on both sides of the helper
// threshold and with the ParsedLines reused from batch to batch.
#include "common/index/line_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json/json_parse.h"

namespace trace {
namespace {

std::string Line(size_t i) {
  switch (i % 5) {
    case 0:
      return "not json " + std::to_string(i);
    case 1:
      return R"({"kind":"hook","event_type":"Stop"})";  // no span_id
    default:
      return R"({"span_id":"s)" + std::to_string(i) +
             R"(","kind":"hook","event_type":"PreToolUse",)"
             R"("session_id":"sess","timestamp":)" +
             std::to_string(1000 + i) + R"(,"tool_name":"Bash","tool_use_id":"tu)" +
             std::to_string(i) + R"(","data":{"pad":")" + std::string(i % 700, 'x') + R"("}})";
  }
}

TEST(LineParser, ParsesEveryLineInOrderWhicheverThreadParsedIt) {
  LineParser parser;
  LineParseState alone;
  for (size_t n : {1u, 63u, 64u, 1000u, 5u, 4096u}) {
    std::vector<std::string> text;
    for (size_t i = 0; i < n; ++i) text.push_back(Line(i + n));
    std::vector<IncomingLine> lines;
    for (const auto& t : text) lines.push_back({t, true});
    LineParser::Batch batch(parser, lines);
    for (size_t i = 0; i < n; ++i) {
      ParsedLine& got = batch.Get(i);
      ParsedLine want;
      alone.Parse(text[i], &want);
      ASSERT_TRUE(got.error.ok()) << got.error.message();
      EXPECT_EQ(got.raw.empty(), want.raw.empty()) << "line " << i << " of " << n;
      if (got.raw.empty()) {
        EXPECT_EQ(got.keys.span_id, want.keys.span_id);
        EXPECT_EQ(got.keys.timestamp_ms, want.keys.timestamp_ms);
        ASSERT_TRUE(got.facts.has_value());
        ASSERT_EQ(got.facts->tools.size(), 1u);
        EXPECT_EQ(got.facts->tools[0].id, "tu" + std::to_string(i + n));
        EXPECT_EQ(got.Body(text[i]), text[i]);
      } else {
        EXPECT_EQ(got.keys.kind, "raw");
        EXPECT_NE(got.raw.find("parse_error"), std::string::npos);
        EXPECT_EQ(got.Body(text[i]), got.raw);
      }
    }
  }
}

TEST(LineParser, NestingPastTheEventLimitIsARawEventNotACrash) {
  LineParseState state;
  ParsedLine got;
  std::string deep(100000, '[');
  state.Parse(deep, &got);
  ASSERT_TRUE(got.error.ok()) << got.error.message();
  EXPECT_EQ(got.keys.kind, "raw");
  EXPECT_NE(
      got.raw.find(R"("parse_error":"not valid JSON: nested deeper than 514 levels at byte 514")"),
      std::string::npos)
      << got.raw.substr(got.raw.size() - 200);
  size_t inner = json::kMaxEventDepth - 1;
  std::string at_limit =
      R"({"span_id":"deep","kind":"span","event_type":"Stop","timestamp":1,"data":)" +
      std::string(inner, '[') + std::string(inner, ']') + "}";
  state.Parse(at_limit, &got);
  ASSERT_TRUE(got.error.ok()) << got.error.message();
  EXPECT_TRUE(got.raw.empty());
  EXPECT_EQ(got.keys.span_id, "deep");
}

TEST(LineParser, LeavingABatchEarlyIsSafe) {
  LineParser parser;
  std::vector<std::string> text(2000, Line(2));
  std::vector<IncomingLine> lines;
  for (const auto& t : text) lines.push_back({t, true});
  for (int round = 0; round < 20; ++round) {
    LineParser::Batch batch(parser, lines);
    EXPECT_EQ(batch.Get(0).keys.span_id, "s2");  // the rest is dropped mid-parse
  }
  LineParser::Batch last(parser, lines);
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(last.Get(i).keys.span_id, "s2");
}

}  // namespace
}  // namespace trace
