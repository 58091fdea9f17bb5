// trace-query's subcommands over the read-only Store (safe while trace-index
// runs). Each command registers its own flags and prints JSONL (--json) or a
// readable table. To add a command (e.g. `usage --by day|session|model`):
// write query_<name>.{h,cc} with a QueryCommand and list it in
// QueryCommands() in query_commands.cc.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "common/cli/cli.h"
#include "common/store/store.h"

namespace trace {

struct QueryContext {
  Store* store;  // null only for a store_optional command when there is no store
  const cli::po::variables_map& vm;  // every command's flags
  std::vector<std::string> args;     // positional words after the command
  bool json = false;
  std::ostream& out;
};

struct QueryCommand {
  std::string name;      // "sessions"
  std::string synopsis;  // "sessions [--limit N]"
  std::string help;      // one line
  // Adds the command's flags (may be null). Names must not clash across commands.
  std::function<void(cli::po::options_description&)> add_options;
  // Returns a process exit code; prints one-line errors itself on stderr.
  std::function<int(QueryContext&)> run;
  // Runs without a store (ctx.store null) when it cannot be opened.
  bool store_optional = false;
};

const std::vector<QueryCommand>& QueryCommands();
const QueryCommand* FindQueryCommand(const std::string& name);

// Table helpers shared by the commands: "2026-02-12 16:02:25" (UTC) and a
// left-aligned, column-padded table.
std::string ShortTime(int64_t ms);
void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

}  // namespace trace
