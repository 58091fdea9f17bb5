// How trace-hook finds the task a hook event belongs to without spawning git:
// it reads .git/HEAD itself (walking up from the event's cwd, following the
// "gitdir:" file of worktrees and submodules) and matches a task pattern
// (default "[A-Z][A-Z0-9]+-[0-9]+", e.g. PROJ-123) against the branch name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trace::hook {

inline constexpr std::string_view kDefaultTaskPattern = "[A-Z][A-Z0-9]+-[0-9]+";

// The branch checked out in the repository containing start_dir ("main",
// "feature/PROJ-12-x"), or nullopt outside a repository, on a detached HEAD,
// or when HEAD cannot be read. Never throws; reads at most a few small files.
std::optional<std::string> GitBranch(std::string_view start_dir);

// The first match of pattern (ECMAScript regex) in branch, or nullopt when
// nothing matches or the pattern is not a valid regex.
std::optional<std::string> TaskIdFromBranch(std::string_view branch, const std::string& pattern);

}  // namespace trace::hook
