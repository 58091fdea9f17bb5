// See cli.h.
#include "common/cli/cli.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/base/file_util.h"
#include "common/base/log.h"
#include "common/base/paths.h"

namespace trace::cli {

bool Parse(Spec& spec, int argc, char** argv, po::variables_map* vm, int* exit_code) {
  po::options_description common("Common options");
  common.add_options()("help,h", "print this help and exit")("version",
                                                             "print the version and exit")(
      "config", po::value<std::string>()->value_name("FILE"),
      "read options from FILE (key = value lines, same names as the flags)")(
      "log-level", po::value<std::string>()->default_value("info")->value_name("LEVEL"),
      "debug|info|warn|error; logs are JSON lines on stderr")(
      "data-dir", po::value<std::string>()->value_name("DIR"),
      "where the store, spool and state live "
      "(default ${XDG_DATA_HOME:-~/.local/share}/claude-trace)");
  po::options_description all;
  all.add(spec.options).add(common);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(spec.positional).run(),
              *vm);
    if (vm->count("config")) {
      std::string path = (*vm)["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) {
        *exit_code = Fail(spec.tool, "read config '" + path + "'", "cannot open file", kExitInput);
        return false;
      }
      po::store(po::parse_config_file(in, all), *vm);
    }
    if (vm->count("help")) {
      // One write: `tool --help | grep -q X` must not see the tool die of
      // SIGPIPE on a second write after grep has matched and left.
      std::ostringstream help;
      help << "Usage: " << spec.synopsis << "\n\n" << spec.about << "\n\n" << all << "\n";
      *exit_code = file::WriteAll(STDOUT_FILENO, help.str()) ? kExitOk : kExitFailure;
      return false;
    }
    if (vm->count("version")) {
      std::cout << spec.tool << " " << TRACE_VERSION << "\n";
      *exit_code = kExitOk;
      return false;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    *exit_code =
        Fail(spec.tool, "parse arguments", std::string(e.what()) + " (see --help)", kExitUsage);
    return false;
  }
  log::Level level;
  std::string name = (*vm)["log-level"].as<std::string>();
  if (!log::ParseLevel(name, &level)) {
    *exit_code =
        Fail(spec.tool, "parse arguments", "unknown --log-level '" + name + "'", kExitUsage);
    return false;
  }
  log::Init(spec.tool, level);
  return true;
}

int Fail(const std::string& tool, const std::string& what, const std::string& why, int code) {
  std::cerr << tool << ": " << what << " failed: " << why << std::endl;
  return code;
}

std::string DataDir(const po::variables_map& vm) {
  if (vm.count("data-dir")) return vm["data-dir"].as<std::string>();
  return paths::DefaultDataDir();
}

}  // namespace trace::cli
