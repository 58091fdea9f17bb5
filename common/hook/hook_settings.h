// `trace-hook install/uninstall`: edits Claude Code's settings.json text so
// every chosen hook event runs trace-hook, keeping every other key, hook and
// the key order untouched. Pure text -> text functions (tests compare bytes);
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
};

// Returns the new settings text: for each event lacking it, a matcher group
// {"matcher": "", "hooks": [{"type": "command", "command": ..., "timeout": N}]}
// appended to hooks.<event>. An event whose trace-hook handler points at
// another path gets its command updated in place. Empty input means "no file
// yet". Output is pretty-printed with 2-space indent and a final newline.
// Fails (and the caller must leave the file alone) on invalid JSON or when
// "hooks" or an event entry is not of the documented shape.
Result<std::string> InstallHooks(std::string_view settings_text, const InstallSpec& spec);

// Removes exactly the handlers install added (recognized by IsTraceHookCommand)
// from spec.events, then any matcher group, event list and "hooks" object
// left empty by that removal. Other handlers in the same groups stay.
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
