// What every tool's command line shares (DESIGN "Command-line conventions"):
// --help, --version, --config FILE (same keys as the flags), --log-level,
// --data-dir; the default paths; typed exit codes; the one-line fatal error.
#pragma once

#include <boost/program_options.hpp>
#include <exception>
#include <string>
#include <vector>

namespace trace::cli {

namespace po = boost::program_options;

// Documented exit codes, the same for every tool.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // runtime failure (I/O, store, network)
  kExitUsage = 2,    // bad flags or arguments
  kExitInput = 3,    // an input (file, db, config) cannot be opened or read
};

struct Spec {
  std::string tool;      // "trace-tail"
  std::string synopsis;  // "trace-tail [options] [FILE|GLOB...]"
  std::string about;     // a paragraph for newcomers: what it does, examples
  po::options_description options{"Options"};
  po::positional_options_description positional;
};

// Parses argv and the --config file, sets up logging (--log-level) and
// handles --help / --version. Returns false with *exit_code set when the
// tool should exit now (help printed: 0; bad flags: one line on stderr, 2).
bool Parse(Spec& spec, int argc, char** argv, po::variables_map* vm, int* exit_code);

// Runs a tool's body: what escapes it (an exception, which is our bug or
// out-of-memory) becomes one line "<tool>: run failed: <what>" and
// kExitFailure instead of std::terminate's abort.
template <typename Body>
int RunMain(const char* tool, Body&& body) noexcept;

// Prints "<tool>: <what> failed: <why>" on stderr and returns code.
int Fail(const std::string& tool, const std::string& what, const std::string& why,
         int code = kExitFailure);

// --data-dir if given, else paths::DefaultDataDir() (common/base/paths.h).
std::string DataDir(const po::variables_map& vm);

template <typename Body>
int RunMain(const char* tool, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    return Fail(tool, "run", e.what());
  } catch (...) {
    return Fail(tool, "run", "unknown exception");
  }
}

}  // namespace trace::cli
