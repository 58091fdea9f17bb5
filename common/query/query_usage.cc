// See query_usage.h: reads the usage buckets from the store, hands them to
// usage_report.h, prints JSON or a table.
#include "common/query/query_usage.h"

#include <iostream>

#include "common/pricing/usage_report.h"

namespace trace {

namespace po = boost::program_options;

namespace {

int UsageError(const std::string& what, const std::string& why, int code) {
  std::cerr << "trace-query: " << what << " failed: " << why << "\n";
  return code;
}

// --since / --until, validated; false after printing the error.
bool DayFlag(const QueryContext& c, const char* name, std::optional<std::string>* out) {
  if (!c.vm.count(name)) return true;
  *out = ParseUsageDay(c.vm[name].as<std::string>());
  return out->has_value();
}

}  // namespace

void AddUsageOptions(po::options_description& options) {
  options.add_options()(
      "by", po::value<std::string>()->default_value("day")->value_name("day|session|model"),
      "usage: group token counts and cost by UTC day, session or model")(
      "since", po::value<std::string>()->value_name("DAY"),
      "usage: from this UTC day (YYYY-MM-DD or YYYYMMDD)")(
      "until", po::value<std::string>()->value_name("DAY"), "usage: up to this UTC day, inclusive")(
      "prices", po::value<std::string>()->value_name("FILE"),
      "price table (deploy/prices.json format; default $TRACE_PRICES or the built-in table)");
}

Result<PriceTable> QueryPrices(const QueryContext& c) {
  return PriceTable::Resolve(c.vm.count("prices") ? c.vm["prices"].as<std::string>() : "");
}

int RunUsage(QueryContext& c) {
  auto by = ParseUsageBy(c.vm["by"].as<std::string>());
  if (!by) return UsageError("usage", "--by must be day, session or model", 2);
  std::optional<std::string> since, until;
  if (!DayFlag(c, "since", &since) || !DayFlag(c, "until", &until)) {
    return UsageError("usage", "--since/--until must be YYYY-MM-DD or YYYYMMDD", 2);
  }
  auto prices = QueryPrices(c);
  if (!prices) return UsageError("load prices", prices.status().message(), 3);
  auto buckets = *by == UsageBy::kSession ? c.store.SessionDailyUsage("") : c.store.DailyUsage();
  if (!buckets) return UsageError("read usage", buckets.status().message(), 1);
  UsageReport report = BuildUsageReport(*buckets, *by, since, until, *prices);
  if (c.json) {
    c.out << UsageReportJson(report) << "\n";
  } else {
    PrintUsageTable(c.out, report);
  }
  return 0;
}

}  // namespace trace
