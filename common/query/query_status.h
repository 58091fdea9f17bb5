// `trace-query status`: the store (directory, last seq) and how far
// trace-index is (proto/progress.md): "indexing: 62% · 340 MB left · about
// 9 s", "caught up", or unknown when no index is running. --json prints one
// object.
#pragma once

#include "common/query/query_commands.h"

namespace trace {

int RunStatus(QueryContext& c);

}  // namespace trace
