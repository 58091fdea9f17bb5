// The status line from Claude Code's statusLine JSON (the documented shape,
// proto/inputs.md) with and without store facts: every part, the colour
// thresholds, and a line (never an error) for broken or empty input.
#include "common/usage/statusline.h"

#include <gtest/gtest.h>

#include "common/usage/usage_test_util.h"

namespace trace {
namespace {

constexpr const char* kInput =
    R"({"hook_event_name":"Status","session_id":"abc123","transcript_path":"/t.jsonl","cwd":"/w",)"
    R"("model":{"id":"claude-opus-4-6","display_name":"Opus 4.6"},)"
    R"("workspace":{"current_dir":"/w","project_dir":"/w"},"version":"2.1.90",)"
    R"("cost":{"total_cost_usd":0.2345,"total_duration_ms":45000,"total_api_duration_ms":2300,)"
    R"("total_lines_added":156,"total_lines_removed":23},)"
    R"("context_window":{"total_input_tokens":15234,"total_output_tokens":4521,)"
    R"("context_window_size":200000,"used_percentage":62.5,"remaining_percentage":37.5,)"
    R"("current_usage":{"input_tokens":8500,"output_tokens":1200,)"
    R"("cache_creation_input_tokens":5000,"cache_read_input_tokens":2000}},)"
    R"("exceeds_200k_tokens":false,)"
    R"("rate_limits":{"five_hour":{"used_percentage":23.5,"resets_at":1773144000},)"
    R"("seven_day":{"used_percentage":81.2,"resets_at":1773500000}}})";

TEST(StatusLineTest, ParsesTheDocumentedInput) {
  StatusInput in = ParseStatusInput(kInput);
  EXPECT_EQ(in.session_id, "abc123");
  EXPECT_EQ(in.model, "Opus 4.6");
  EXPECT_DOUBLE_EQ(*in.session_cost, 0.2345);
  EXPECT_DOUBLE_EQ(*in.context_percent, 62.5);
  EXPECT_EQ(*in.context_tokens, 8500u + 5000u + 2000u);
  EXPECT_DOUBLE_EQ(*in.five_hour_percent, 23.5);
  EXPECT_EQ(*in.five_hour_resets_ms, 1773144000000);  // 2026-03-10T12:00:00Z
  EXPECT_DOUBLE_EQ(*in.seven_day_percent, 81.2);
}

// Block 10:00-15:00 UTC, now 12:00: 3000 tokens since 10:20 at $3/M input
// (see usage_blocks_test): $0.01 so far, $0.0054/h, 3 h 0 m left; 30
// input+output tokens/min is green.
TEST(StatusLineTest, EveryPartWithStoreFacts) {
  int64_t now = *ParseRfc3339Ms("2026-03-10T12:00:00Z");
  auto blocks = BuildBlocks({testing::MessageAt("2026-03-10T10:20:00Z", 1000),
                             testing::MessageAt("2026-03-10T11:50:00Z", 2000)},
                            testing::TestPrices(), now);
  StatusFacts facts{0.5, 1.2345, blocks.back()};
  std::string plain = FormatStatusLine(ParseStatusInput(kInput), facts, {false, now});
  EXPECT_EQ(plain,
            "🤖 Opus 4.6 | 💰 $0.23 session / $1.23 today / $0.01 block (3h 0m left) | "
            "🔥 $0.01/hr | 🧠 15,500 (62%) | ⏳ 5h 24% · 7d 81%");  // reset is now: no time
                                                                          // left shown
  std::string coloured = FormatStatusLine(ParseStatusInput(kInput), facts, {true, now - 3600000});
  EXPECT_NE(coloured.find("\x1b[32m$0.01/hr\x1b[0m"), std::string::npos) << coloured;  // green
  EXPECT_NE(coloured.find("\x1b[33m62%\x1b[0m"), std::string::npos) << coloured;       // 50..80
  EXPECT_NE(coloured.find("\x1b[31m81%\x1b[0m"), std::string::npos) << coloured;       // >= 80
  EXPECT_NE(coloured.find("5h \x1b[32m24%\x1b[0m (1h 0m)"), std::string::npos) << coloured;
}

TEST(StatusLineTest, WithoutStoreOrInputStillALine) {
  std::string no_store = FormatStatusLine(ParseStatusInput(kInput), {}, {false, 0});
  EXPECT_EQ(no_store.rfind("🤖 Opus 4.6 | 💰 $0.23 session / N/A today / N/A block", 0), 0u)
      << no_store;
  EXPECT_EQ(FormatStatusLine(ParseStatusInput("not json{"), {}, {false, 0}),
            "🤖 Claude | 💰 N/A session / N/A today / N/A block");
  // No cost from Claude Code: the store's figure for the session.
  StatusFacts facts;
  facts.store_session_cost = 0.5;
  std::string from_store =
      FormatStatusLine(ParseStatusInput(R"({"model":{"id":"claude-x"}})"), facts, {false, 0});
  EXPECT_EQ(from_store, "🤖 claude-x | 💰 $0.50 session / N/A today / N/A block");
}

}  // namespace
}  // namespace trace
