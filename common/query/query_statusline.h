// `trace-query statusline [--no-color] [--timezone NAME] [--prices FILE]`:
// a Claude Code statusLine command (proto/usage.md "Status line"). Reads the
// statusLine JSON on stdin, the store read-only when there is one, and always
// prints one line and exits 0.
#pragma once

#include "common/cli/cli.h"
#include "common/query/query_commands.h"

namespace trace {

void AddStatusLineOptions(cli::po::options_description& options);
int RunStatusLine(QueryContext& c);

}  // namespace trace
