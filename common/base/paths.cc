// See paths.h.
#include "common/base/paths.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace trace::paths {

std::string HomeDir() {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  if (struct passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
  return "/";
}

std::string DefaultDataDir() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
    return std::string(x) + "/claude-trace";
  return HomeDir() + "/.local/share/claude-trace";
}

std::string ClaudeHome() {
  if (const char* c = std::getenv("CLAUDE_CONFIG_DIR"); c && *c) return c;
  return HomeDir() + "/.claude";
}

std::string TracesDir() {
  if (const char* t = std::getenv("CLAUDE_TRACE_DIR"); t && *t) return t;
  return ClaudeHome() + "/traces";
}

}  // namespace trace::paths
