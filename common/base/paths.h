// The default locations of DESIGN "Set-up": the user's home, Claude Code's
// home and traces directory, and claude-trace's data directory, each from
// the environment variable that overrides it.
#pragma once

#include <string>

namespace trace::paths {

// $HOME, else the password database, else "/".
std::string HomeDir();
// ${XDG_DATA_HOME:-~/.local/share}/claude-trace.
std::string DefaultDataDir();
// $CLAUDE_CONFIG_DIR or ~/.claude.
std::string ClaudeHome();
// $CLAUDE_TRACE_DIR or <claude home>/traces.
std::string TracesDir();

}  // namespace trace::paths
