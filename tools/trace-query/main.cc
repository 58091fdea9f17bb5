// trace-query: reads the trace-index store from the shell (read-only, safe
// while trace-index runs). Thin main: flags and dispatch; the commands live
// in common/query_commands.{h,cc}.
#include <iostream>

#include "common/cli/cli.h"
#include "common/query/query_commands.h"
#include "common/store/store.h"

namespace po = boost::program_options;
using namespace trace;

namespace {

constexpr const char* kTool = "trace-query";

std::string About() {
  std::string s =
      "Lists sessions, shows a session summary and lists events from the LMDB store\n"
      "written by trace-index, as a readable table or as JSONL (--json).\n\nCommands:\n";
  for (const auto& c : QueryCommands()) s += "  " + c.synopsis + "\n      " + c.help + "\n";
  s += "\nExamples:\n  trace-query sessions\n  trace-query session "
       "4d5611e5-241a-462a-8d15-5122611a9569\n"
       "  trace-query events --tool-name Bash --event-type PostToolUseFailure --limit 20 --json | "
       "jq .\n\n"
       "Exit codes: 0 ok, 1 not found / read failure, 2 bad arguments, 3 store cannot be opened.";
  return s;
}

}  // namespace

int Main(int argc, char** argv) {
  cli::Spec spec{kTool,
                 "trace-query [options] COMMAND [ARGS]",
                 About(),
                 po::options_description("Options"),
                 {}};
  spec.options.add_options()("db", po::value<std::string>()->value_name("DIR"),
                             "LMDB store directory (default <data-dir>/db)")(
      "json", po::bool_switch(), "print JSON lines instead of a table")(
      "limit", po::value<size_t>()->default_value(100), "rows to print")(
      "offset", po::value<size_t>()->default_value(0), "rows to skip")(
      "command", po::value<std::vector<std::string>>(), "COMMAND and its arguments");
  for (const auto& c : QueryCommands()) {
    if (c.add_options) c.add_options(spec.options);
  }
  spec.positional.add("command", -1);
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;
  if (!vm.count("command"))
    return cli::Fail(kTool, "parse arguments", "no command (see --help)", cli::kExitUsage);
  auto words = vm["command"].as<std::vector<std::string>>();
  const QueryCommand* cmd = FindQueryCommand(words[0]);
  if (!cmd)
    return cli::Fail(kTool, "parse arguments", "unknown command '" + words[0] + "'",
                     cli::kExitUsage);
  std::string db = vm.count("db") ? vm["db"].as<std::string>() : cli::DataDir(vm) + "/db";
  auto store = Store::OpenReadOnly({db, 126});
  if (!store && !cmd->store_optional) {
    return cli::Fail(kTool, "open store", store.status().message(), cli::kExitInput);
  }
  QueryContext ctx{store ? store->get() : nullptr, vm,
                   std::vector<std::string>(words.begin() + 1, words.end()), vm["json"].as<bool>(),
                   std::cout};
  return cmd->run(ctx);
}

int main(int argc, char** argv) {
  return cli::RunMain(kTool, [&] { return Main(argc, argv); });
}
