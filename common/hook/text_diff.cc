// See text_diff.h. LCS table over lines, then hunks grouped with `context`
// lines around each run of changes, as diff -u prints them.
#include "common/hook/text_diff.h"

#include <algorithm>
#include <vector>

namespace trace {
namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

struct Op {
  char tag;  // ' ', '-', '+'
  std::string_view line;
  int a;  // 0-based line in before (for ' ' and '-')
  int b;  // 0-based line in after (for ' ' and '+')
};

std::vector<Op> Diff(const std::vector<std::string_view>& x,
                     const std::vector<std::string_view>& y) {
  size_t n = x.size(), m = y.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<Op> ops;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] == y[j]) {
      ops.push_back({' ', x[i], int(i), int(j)}), ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back({'-', x[i], int(i), int(j)}), ++i;  // deletions first, as diff -u
    } else {
      ops.push_back({'+', y[j], int(i), int(j)}), ++j;
    }
  }
  return ops;
}

std::string Range(int start, int count) {
  // diff -u numbers lines from 1; an empty range names the line before it.
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

void EmitHunk(const std::vector<Op>& ops, size_t from, size_t to, std::string* out) {
  int a_count = 0, b_count = 0;
  for (size_t k = from; k < to; ++k) {
    a_count += ops[k].tag != '+';
    b_count += ops[k].tag != '-';
  }
  *out += "@@ -" + Range(ops[from].a, a_count) + " +" + Range(ops[from].b, b_count) + " @@\n";
  for (size_t k = from; k < to; ++k) {
    *out += ops[k].tag;
    out->append(ops[k].line);
    *out += '\n';
  }
}

}  // namespace

std::string UnifiedDiff(std::string_view before, std::string_view after,
                        std::string_view before_name, std::string_view after_name, int context) {
  if (before == after) return "";
  std::vector<Op> ops = Diff(SplitLines(before), SplitLines(after));
  std::string out = "--- " + std::string(before_name) + "\n+++ " + std::string(after_name) + "\n";
  size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].tag == ' ') {
      ++k;
      continue;
    }
    size_t from = k > static_cast<size_t>(context) ? k - context : 0;
    size_t end = k;  // extend while the next change is within 2*context lines
    size_t quiet = 0;
    while (end < ops.size() && (ops[end].tag != ' ' || quiet < 2 * static_cast<size_t>(context))) {
      quiet = ops[end].tag == ' ' ? quiet + 1 : 0;
      ++end;
    }
    size_t to = std::min(ops.size(), end - quiet + std::min(quiet, static_cast<size_t>(context)));
    EmitHunk(ops, from, to, &out);
    k = to;
  }
  return out;
}

}  // namespace trace
