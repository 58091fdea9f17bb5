// The hook firing identity: the same firing gives the same id however its JSON
// is spaced; a different firing (another tool call, prompt, event, session or
// content) gives another; what a valid http hook body is.
#include "common/event/hook_identity.h"

#include <gtest/gtest.h>

#include "common/json/json_parse.h"

namespace trace {
namespace {

rapidjson::Document Doc(std::string_view text) {
  rapidjson::Document d;
  EXPECT_TRUE(json::Parse(&d, text).ok()) << text;
  return d;
}

// HookFiringId of {"session_id":"s","hook_event_name":"Stop"}, computed once.
constexpr std::string_view kPinnedStopId = "hk-0b8d3e3c2362c2c2edb95ecc678b8061";

constexpr std::string_view kPre =
    R"({"session_id":"abc123","prompt_id":"p-1","hook_event_name":"PreToolUse","tool_name":"Bash",)"
    R"("tool_input":{"command":"npm test"},"tool_use_id":"toolu_01"})";

TEST(HookFiringId, SameFiringSameIdWhateverTheSpacing) {
  std::string spaced =
      R"({ "session_id": "abc123", "prompt_id": "p-1", "hook_event_name": "PreToolUse",)"
      "\n"
      R"(  "tool_name": "Bash", "tool_input": { "command": "npm test" }, "tool_use_id": "toolu_01" })";
  std::string id = HookFiringId(Doc(kPre));
  EXPECT_EQ(id.substr(0, 3), "hk-");
  EXPECT_EQ(id.size(), 35u);
  EXPECT_EQ(id, HookFiringId(Doc(spaced)));
}

TEST(HookFiringId, EachDistinguishingFieldChangesTheId) {
  std::string base = HookFiringId(Doc(kPre));
  for (auto [from, to] : {std::pair{"abc123", "abc124"},
                          {"PreToolUse", "PostToolUse"},
                          {"toolu_01", "toolu_02"},
                          {"p-1", "p-2"},
                          {"npm test", "npm test2"}}) {
    std::string text(kPre);
    text.replace(text.find(from), std::string_view(from).size(), to);
    EXPECT_NE(HookFiringId(Doc(text)), base) << from << " -> " << to;
  }
}

TEST(HookFiringId, PinnedValue) {
  // Stored as span_ids by both delivery paths: the value must never change.
  EXPECT_EQ(HookFiringId(Doc(R"({"session_id":"s","hook_event_name":"Stop"})")), kPinnedStopId);
}

TEST(IsHookPayload, NeedsObjectWithEventNameAndSession) {
  std::string why;
  EXPECT_TRUE(IsHookPayload(Doc(kPre), &why));
  EXPECT_TRUE(
      IsHookPayload(Doc(R"({"session_id":"s","hook_event_name":"NeverSeenBefore"})"), &why));
  EXPECT_FALSE(IsHookPayload(Doc(R"([{"session_id":"s","hook_event_name":"Stop"}])"), &why));
  EXPECT_EQ(why, "hook payload must be a JSON object");
  EXPECT_FALSE(IsHookPayload(Doc(R"({"session_id":"s"})"), &why));
  EXPECT_EQ(why, "missing required string field 'hook_event_name'");
  EXPECT_FALSE(IsHookPayload(Doc(R"({"hook_event_name":"Stop","session_id":7})"), &why));
  EXPECT_EQ(why, "missing required string field 'session_id'");
  EXPECT_FALSE(IsHookPayload(Doc(R"({"hook_event_name":"","session_id":"s"})"), &why));
}

TEST(HookTypeOf, FacetsOfKnownAndUnknownEvents) {
  EXPECT_EQ(HookTypeOf("PostToolUseFailure"), "tool");
  EXPECT_EQ(HookTypeOf("UserPromptSubmit"), "prompt");
  EXPECT_EQ(HookTypeOf("SubagentStop"), "agent");
  EXPECT_EQ(HookTypeOf("SomethingNew"), "other");
}

}  // namespace
}  // namespace trace
