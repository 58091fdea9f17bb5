// Unit tests for the settings.json editor behind `trace-hook install` and the
// unified diff of --dry-run, against the byte-exact fixtures in
// tests/fixtures/settings (see its README for what each file is).
#include "common/hook/hook_settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/event/event.h"
#include "common/hook/text_diff.h"

namespace trace::hook {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(TRACE_SOURCE_DIR) + "/tests/fixtures/settings/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

InstallSpec Spec(std::vector<std::string> events) {
  InstallSpec spec;
  spec.command = "/opt/claude-trace/bin/trace-hook";
  spec.events = std::move(events);
  return spec;
}

TEST(HookSettings, InstallAddsGroupsAndKeepsEverythingElse) {
  auto out = InstallHooks(Fixture("existing.json"), Spec({"PreToolUse", "PostToolUse", "Stop"}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, Fixture("existing.installed.json"));
}

TEST(HookSettings, InstallTwiceIsNoChange) {
  std::string once = *InstallHooks(Fixture("existing.json"), Spec(ClaudeHookEvents()));
  auto twice = InstallHooks(once, Spec(ClaudeHookEvents()));
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*twice, once);
}

TEST(HookSettings, UninstallRestoresTheOriginalBytes) {
  auto out = UninstallHooks(Fixture("existing.installed.json"), Spec(ClaudeHookEvents()));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Fixture("existing.json"));
}

TEST(HookSettings, OlderInstallAtAnotherPathIsUpdatedNotDuplicated) {
  auto out = InstallHooks(Fixture("compact.json"), Spec({"PostToolUse", "SessionStart"}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Fixture("compact.installed.json"));
  EXPECT_EQ(*UninstallHooks(*out, Spec(ClaudeHookEvents())), Fixture("compact.uninstalled.json"));
}

InstallSpec HttpSpec(std::vector<std::string> events) {
  InstallSpec spec = Spec(std::move(events));
  spec.http_url = "http://127.0.0.1:8080/api/hooks";
  spec.token_env = "TRACE_TOKEN";
  return spec;
}

TEST(HookSettings, HttpInstallWritesHttpHooksAndCommandsWhereOnlyCommandsWork) {
  auto out =
      InstallHooks(Fixture("existing.json"), HttpSpec({"PreToolUse", "SessionStart", "Setup"}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, Fixture("existing.http.json"));
  // Twice: no change. Uninstall (with or without --http): the original bytes.
  EXPECT_EQ(*InstallHooks(*out, HttpSpec({"PreToolUse", "SessionStart", "Setup"})), *out);
  EXPECT_EQ(*UninstallHooks(*out, Spec(ClaudeHookEvents())), Fixture("existing.json"));
  EXPECT_EQ(*UninstallHooks(*out, HttpSpec(ClaudeHookEvents())), Fixture("existing.json"));
}

TEST(HookSettings, SwitchingBetweenCommandAndHttpLeavesOneHandlerPerEvent) {
  std::string command = *InstallHooks(Fixture("existing.json"), Spec(ClaudeHookEvents()));
  std::string http = *InstallHooks(command, HttpSpec(ClaudeHookEvents()));
  EXPECT_EQ(http, *InstallHooks(Fixture("existing.json"), HttpSpec(ClaudeHookEvents())));
  EXPECT_EQ(*InstallHooks(http, Spec(ClaudeHookEvents())), command);
  // Another gateway address: the url is updated in place, not duplicated.
  InstallSpec moved = HttpSpec(ClaudeHookEvents());
  moved.http_url = "https://trace.example.com:9443/api/hooks";
  moved.token_env.clear();
  std::string again = *InstallHooks(http, moved);
  EXPECT_EQ(again.find("127.0.0.1:8080"), std::string::npos);
  EXPECT_EQ(again.find("allowedEnvVars"), std::string::npos);
  size_t n = 0;
  for (size_t at = again.find("9443/api/hooks"); at != std::string::npos;
       at = again.find("9443/api/hooks", at + 1)) {
    ++n;
  }
  EXPECT_EQ(n, ClaudeHookEvents().size() - 2);  // all but SessionStart and Setup
  EXPECT_EQ(*UninstallHooks(again, Spec(ClaudeHookEvents())), Fixture("existing.json"));
}

TEST(HookSettings, HttpInstallRefusesBadUrlsAndNames) {
  for (auto [url, env] : {std::pair{"ftp://x/api/hooks", ""},
                          {"127.0.0.1:8080/api/hooks", ""},
                          {"http://x/api/hooks\"}", ""},
                          {"http://x/a b", ""},
                          {"http://x/api/hooks", "1TOKEN"},
                          {"http://x/api/hooks", "TOK$EN"},
                          {"", "TOKEN"}}) {
    InstallSpec spec = HttpSpec({"Stop"});
    spec.http_url = url;
    spec.token_env = env;
    EXPECT_FALSE(InstallHooks(Fixture("existing.json"), spec).ok()) << url << " " << env;
  }
}

TEST(HookSettings, OursIsRecognizedByUrlPath) {
  EXPECT_TRUE(IsTraceHookUrl("http://127.0.0.1:8080/api/hooks", ""));
  EXPECT_TRUE(IsTraceHookUrl("https://h.example/api/hooks?x=1", ""));
  EXPECT_TRUE(IsTraceHookUrl("http://h/custom", "http://h/custom"));
  EXPECT_FALSE(IsTraceHookUrl("http://h/api/hooks/x", ""));
  EXPECT_FALSE(IsTraceHookUrl("http://h/other", ""));
  EXPECT_FALSE(IsTraceHookUrl("/api/hooks", ""));
  EXPECT_FALSE(AcceptsHttpHook("SessionStart"));
  EXPECT_FALSE(AcceptsHttpHook("Setup"));
  EXPECT_TRUE(AcceptsHttpHook("PostToolUse"));
}

TEST(HookSettings, EmptyOrMissingFileGetsAFreshObject) {
  auto out = InstallHooks("", Spec({"Stop"}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "{\n  \"hooks\": {\n    \"Stop\": [\n      {\n        \"matcher\": \"\",\n"
            "        \"hooks\": [\n          {\n            \"type\": \"command\",\n"
            "            \"command\": \"/opt/claude-trace/bin/trace-hook\",\n"
            "            \"timeout\": 10\n          }\n        ]\n      }\n    ]\n  }\n}\n");
  EXPECT_EQ(*UninstallHooks(*out, Spec({"Stop"})), "{}\n");
}

TEST(HookSettings, RefusesDeeplyNestedSettingsWithoutCrashing) {
  auto out = InstallHooks(R"({"x":)" + std::string(100000, '['), Spec({"Stop"}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "invalid JSON: nested deeper than 512 levels at byte 516");
  EXPECT_FALSE(UninstallHooks(std::string(100000, '{'), Spec({"Stop"})).ok());
}

TEST(HookSettings, RefusesInvalidJsonAndOddShapes) {
  EXPECT_FALSE(InstallHooks(Fixture("invalid.json"), Spec({"Stop"})).ok());
  EXPECT_FALSE(InstallHooks("[1]", Spec({"Stop"})).ok());
  EXPECT_FALSE(InstallHooks(R"({"hooks": []})", Spec({"Stop"})).ok());
  EXPECT_FALSE(InstallHooks(R"({"hooks": {"Stop": {}}})", Spec({"Stop"})).ok());
  EXPECT_FALSE(UninstallHooks(R"({"hooks": {"Stop": [{"hooks": 3}]}})", Spec({"Stop"})).ok());
  auto err = InstallHooks(R"({"hooks": {"Stop": {}}})", Spec({"Stop"})).status().message();
  EXPECT_NE(err.find("hooks.Stop"), std::string::npos) << err;
}

TEST(HookSettings, UninstallLeavesOtherHandlersInTheSameGroup) {
  std::string text =
      R"({"hooks":{"PostToolUse":[{"matcher":"","hooks":[{"type":"command","command":"mine.sh"},)"
      R"({"type":"command","command":"'/x y/trace-hook'"}]}]}})";
  auto out = UninstallHooks(text, Spec({"PostToolUse"}));
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("mine.sh"), std::string::npos);
  EXPECT_EQ(out->find("trace-hook"), std::string::npos);
}

TEST(HookSettings, RecognizesOurCommands) {
  EXPECT_TRUE(IsTraceHookCommand("/a/b/trace-hook", "/c/trace-hook"));
  EXPECT_TRUE(IsTraceHookCommand("'/my dir/trace-hook' --x", "/c/trace-hook"));
  EXPECT_TRUE(IsTraceHookCommand("trace-hook", "/c/trace-hook"));
  EXPECT_FALSE(IsTraceHookCommand("/a/trace-hook-wrapper", "/c/trace-hook"));
  EXPECT_FALSE(IsTraceHookCommand("echo trace-hook", "/c/trace-hook"));
  EXPECT_EQ(ShellQuote("/usr/bin/trace-hook"), "/usr/bin/trace-hook");
  EXPECT_EQ(ShellQuote("/my dir/it's"), "'/my dir/it'\\''s'");
}

TEST(TextDiff, UnifiedHunksWithContext) {
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\nb\n", "x", "y"), "");
  std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
  std::string after = "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n12\n13\n";
  EXPECT_EQ(UnifiedDiff(before, after, "x", "y"),
            "--- x\n+++ y\n"
            "@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n"
            "@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n");
  EXPECT_EQ(UnifiedDiff("", "x\n", "a", "b"), "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n");
}

}  // namespace
}  // namespace trace::hook

namespace trace::hook {
namespace {

TEST(HookSettings, StatusLineInstallIsIdempotentAndRefusesAnother) {
  const std::string cmd = "/opt/ct/bin/trace-query statusline";
  auto once = InstallStatusLine(R"({"model": "opus", "hooks": {}})", cmd, false);
  ASSERT_TRUE(once.ok()) << once.status().message();
  EXPECT_EQ(*once,
            "{\n  \"model\": \"opus\",\n  \"hooks\": {},\n  \"statusLine\": {\n"
            "    \"type\": \"command\",\n    \"command\": \"/opt/ct/bin/trace-query statusline\",\n"
            "    \"padding\": 0\n  }\n}\n");
  EXPECT_EQ(*InstallStatusLine(*once, cmd, false), *once);  // byte for byte: no change
  // Ours at another path is updated; someone else's is refused unless forced.
  auto moved = InstallStatusLine(*once, "/usr/bin/trace-query statusline", false);
  ASSERT_TRUE(moved.ok());
  EXPECT_NE(moved->find("/usr/bin/trace-query statusline"), std::string::npos);
  std::string theirs =
      R"({"statusLine": {"type": "command", "command": "npx ccusage statusline"}})";
  auto refused = InstallStatusLine(theirs, cmd, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--force"), std::string::npos);
  auto forced = InstallStatusLine(theirs, cmd, true);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->find("ccusage"), std::string::npos);
  // Uninstall removes ours only.
  EXPECT_EQ(*UninstallStatusLine(*once), "{\n  \"model\": \"opus\",\n  \"hooks\": {}\n}\n");
  EXPECT_EQ(*UninstallStatusLine(theirs), theirs);
  EXPECT_FALSE(InstallStatusLine("{not json", cmd, false).ok());
}

}  // namespace
}  // namespace trace::hook
