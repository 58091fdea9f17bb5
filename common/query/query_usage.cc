// See query_usage.h: turns the flags into UsageParams (the same names as
// GET /api/usage), reads the usage slots and session directories from the
// store, and prints common/usage's report as JSON or a table.
#include "common/query/query_usage.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "common/base/clock.h"
#include "common/usage/usage_periods.h"

namespace trace {

namespace po = boost::program_options;

namespace {

int UsageError(const std::string& what, const std::string& why, int code) {
  std::cerr << "trace-query: " << what << " failed: " << why << "\n";
  return code;
}

// Flag name -> parameter name (dashes become underscores).
UsageParams ParamsOf(const po::variables_map& vm) {
  static const char* kFlags[] = {"by",         "since",       "until",   "timezone",
                                 "order",      "last",        "project", "project-aliases",
                                 "week-start", "token-limit", "user",    "host"};
  UsageParams p;
  for (const char* flag : kFlags) {
    if (!vm.count(flag)) continue;
    std::string name = flag;
    for (char& ch : name) ch = ch == '-' ? '_' : ch;
    p[name] = vm[flag].as<std::string>();
  }
  if (vm.count("breakdown") && vm["breakdown"].as<bool>()) p["breakdown"] = "true";
  return p;
}

// Columns of the terminal on stdout; 0 (no limit) when it is not one and
// $COLUMNS is unset.
size_t TerminalWidth() {
  struct winsize ws {};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  const char* cols = std::getenv("COLUMNS");  // NOLINT(concurrency-mt-unsafe): main thread only
  return cols ? static_cast<size_t>(std::strtoul(cols, nullptr, 10)) : 0;
}

}  // namespace

void AddUsageOptions(po::options_description& options) {
  options.add_options()(
      "by", po::value<std::string>()->default_value("day")->value_name("GROUP"),
      "usage: day, week, month, session, project, model, block (5-hour billing blocks), user or "
      "host")("since", po::value<std::string>()->value_name("WHEN"),
              "usage: from this local day (YYYYMMDD, YYYY-MM-DD) or RFC 3339 instant")(
      "until", po::value<std::string>()->value_name("WHEN"),
      "usage: up to this local day (inclusive) or RFC 3339 instant")(
      "timezone", po::value<std::string>()->value_name("NAME"),
      "usage: IANA time zone for days, weeks and months (default: the machine's)")(
      "order", po::value<std::string>()->value_name("asc|desc"), "usage: row order (default asc)")(
      "last", po::value<std::string>()->value_name("N"), "usage: only the most recent N rows")(
      "breakdown", po::bool_switch(), "usage: per-model rows under each row of the table")(
      "project", po::value<std::string>()->value_name("NAME"),
      "usage: only this project (working directory, its last part, or an alias)")(
      "project-aliases", po::value<std::string>()->value_name("PATH=NAME,..."),
      "usage: names to show for projects")("week-start",
                                           po::value<std::string>()->value_name("DAY"),
                                           "usage: first day of a week (default monday)")(
      "token-limit", po::value<std::string>()->value_name("N|max"),
      "usage --by block: flag the active block's projection against N tokens (max = largest "
      "past block)")(
      "prices", po::value<std::string>()->value_name("FILE"),
      "price table (deploy/prices.json or LiteLLM format; default $TRACE_PRICES or built in)");
}

Result<PriceTable> QueryPrices(const QueryContext& c) {
  return PriceTable::Resolve(c.vm.count("prices") ? c.vm["prices"].as<std::string>() : "");
}

int RunUsage(QueryContext& c) {
  auto options = ParseUsageOptions(ParamsOf(c.vm), NowMs());
  if (!options) return UsageError("usage", options.status().message(), 2);
  const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe): main thread only
  options->home = home ? home : "";
  auto prices = QueryPrices(c);
  if (!prices) return UsageError("load prices", prices.status().message(), 3);
  auto slots = c.store->UsageSlots(0, INT64_MAX);
  if (!slots) return UsageError("read usage", slots.status().message(), 1);
  auto dirs = c.store->SessionDirs();
  if (!dirs) return UsageError("read sessions", dirs.status().message(), 1);
  auto origins = c.store->SessionOrigins();
  if (!origins) return UsageError("read sessions", origins.status().message(), 1);
  UsagePeriodReport report = BuildUsagePeriods(*slots, *dirs, *origins, *prices, *options);
  if (c.json) {
    c.out << UsagePeriodsJson(report) << "\n";
  } else {
    PrintUsagePeriods(c.out, report, TerminalWidth());
  }
  return 0;
}

}  // namespace trace
