// `trace-hook install/uninstall`: edits Claude Code's settings.json text so
// every chosen hook event runs trace-hook (or, with an http URL, POSTs to the
// gateway's /api/hooks), keeping every other key, hook and the key order
// untouched. Pure text -> text functions (tests compare bytes);
// reading, backing up and atomically replacing the file is settings_file.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace trace::hook {

struct InstallSpec {
  std::string command;              // the hook command line, as Claude Code runs it
  std::vector<std::string> events;  // events to hook (install) or unhook (uninstall)
  int timeout_s = 10;               // the handler's "timeout"; trace-hook needs ms
  // Non-empty: an http hook {"type": "http", "url": http_url, "timeout"} for
  // every event that takes one (AcceptsHttpHook), the command hook for the rest.
  std::string http_url;
  // With http_url: "headers": {"Authorization": "Bearer $<token_env>"} and
  // "allowedEnvVars": [token_env], so Claude Code fills in the token.
  std::string token_env;
};

// The http half of a spec: an http:// or https:// URL without spaces, quotes
// or control bytes, a token variable name [A-Za-z_][A-Za-z0-9_]*, and no
// token without a URL. InstallHooks refuses a spec this refuses.
Status CheckHttpSpec(const InstallSpec& spec);

// False for the events whose hooks must be commands (SessionStart, Setup).
bool AcceptsHttpHook(std::string_view event);

// True for an http handler url that is ours: the spec's exact url, or any
// http(s) url whose path is /api/hooks (an install with another gateway address).
bool IsTraceHookUrl(std::string_view url, std::string_view installed_url);

// Returns the new settings text: for each event lacking it, a matcher group
// {"matcher": "", "hooks": [{"type": "command", "command": ..., "timeout": N}]}
// (or the http handler, see InstallSpec) appended to hooks.<event>. An event
// whose trace-hook handler points at another path or url gets it updated in
// place; our handler of the other type in that event is removed, so each event
// has one delivery. Empty input means "no file
// yet". Output is pretty-printed with 2-space indent and a final newline.
// Fails (and the caller must leave the file alone) on invalid JSON or when
// "hooks" or an event entry is not of the documented shape.
Result<std::string> InstallHooks(std::string_view settings_text, const InstallSpec& spec);

// Removes exactly the handlers install added (commands recognized by
// IsTraceHookCommand, http handlers by IsTraceHookUrl) from spec.events, then any matcher group,
// event list and "hooks" object left empty by that removal. Other handlers in the same groups stay.
Result<std::string> UninstallHooks(std::string_view settings_text, const InstallSpec& spec);

// `install --statusline`: sets "statusLine" to {"type": "command", "command":
// command, "padding": 0}. A statusLine that already runs this command (or any
// `trace-query statusline`) is left as it is; another one is refused unless
// force replaces it. `uninstall --statusline` removes only ours.
Result<std::string> InstallStatusLine(std::string_view settings_text, const std::string& command,
                                      bool force);
Result<std::string> UninstallStatusLine(std::string_view settings_text);

// True for a handler command that runs trace-hook: the spec's exact command,
// or any command whose program's base name is "trace-hook" (an older install
// at another path).
bool IsTraceHookCommand(std::string_view command, std::string_view installed_command);

// Quotes path for the shell when it holds anything beyond [A-Za-z0-9/._+-].
std::string ShellQuote(std::string_view path);

}  // namespace trace::hook
