// A unified-style line diff of two small texts, for `--dry-run` output
// ("--- a\n+++ b\n@@ -1,3 +1,4 @@\n ..."). Quadratic LCS: meant for
// configuration files of at most a few thousand lines, not for data.
#pragma once

#include <string>
#include <string_view>

namespace trace {

// "" when the texts are equal. context = unchanged lines around each change.
std::string UnifiedDiff(std::string_view before, std::string_view after,
                        std::string_view before_name, std::string_view after_name, int context = 3);

}  // namespace trace
