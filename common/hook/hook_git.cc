// See hook_git.h. Plain POSIX reads: this runs inside every hook invocation,
// so it must cost microseconds, not the milliseconds of exec'ing git.
#include "common/hook/hook_git.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>

namespace trace::hook {
namespace {

// Reads a small file whole (HEAD and .git files are tiny); nullopt on error.
std::optional<std::string> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::string TrimLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Parent(const std::string& dir) {
  size_t slash = dir.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return dir.substr(0, slash);
}

// The git directory for a work tree: ".git" itself, or the target of a
// "gitdir: <path>" file (relative paths are relative to the work tree).
std::optional<std::string> GitDirAt(const std::string& dir) {
  std::string dot_git = (dir == "/" ? "" : dir) + "/.git";
  struct stat st;
  if (::stat(dot_git.c_str(), &st) != 0) return std::nullopt;
  if (S_ISDIR(st.st_mode)) return dot_git;
  auto text = ReadSmallFile(dot_git);
  constexpr std::string_view kPrefix = "gitdir:";
  if (!text || text->rfind(kPrefix, 0) != 0) return std::nullopt;
  std::string target = TrimLine(text->substr(kPrefix.size()));
  size_t start = target.find_first_not_of(' ');
  target = start == std::string::npos ? "" : target.substr(start);
  if (target.empty()) return std::nullopt;
  return target[0] == '/' ? target : dir + "/" + target;
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The default pattern [A-Z][A-Z0-9]+-[0-9]+ without std::regex, whose
// construction alone costs more than the rest of a hook invocation.
std::optional<std::string> MatchDefaultPattern(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsUpper(s[i])) continue;
    size_t j = i + 1;
    while (j < s.size() && (IsUpper(s[j]) || IsDigit(s[j]))) ++j;
    if (j - i < 2 || j >= s.size() || s[j] != '-') continue;
    size_t k = j + 1;
    while (k < s.size() && IsDigit(s[k])) ++k;
    if (k > j + 1) return std::string(s.substr(i, k - i));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> GitBranch(std::string_view start_dir) {
  if (start_dir.empty() || start_dir[0] != '/') return std::nullopt;
  std::string dir(start_dir);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  for (int depth = 0; depth < 64; ++depth) {
    if (auto git_dir = GitDirAt(dir)) {
      auto head = ReadSmallFile(*git_dir + "/HEAD");
      constexpr std::string_view kRef = "ref: refs/heads/";
      if (!head || head->rfind(kRef, 0) != 0) return std::nullopt;  // detached
      std::string branch = TrimLine(head->substr(kRef.size()));
      if (branch.empty()) return std::nullopt;
      return branch;
    }
    if (dir == "/") break;
    dir = Parent(dir);
  }
  return std::nullopt;
}

std::optional<std::string> TaskIdFromBranch(std::string_view branch, const std::string& pattern) {
  if (pattern == kDefaultTaskPattern) return MatchDefaultPattern(branch);
  try {
    std::regex re(pattern, std::regex::ECMAScript);
    std::match_results<std::string_view::const_iterator> m;
    if (std::regex_search(branch.begin(), branch.end(), m, re)) return m.str(0);
  } catch (const std::regex_error&) {
    // An invalid user pattern means "no task id", never a failed hook.
  }
  return std::nullopt;
}

}  // namespace trace::hook
