// `trace-query usage --by day|session|model [--since DAY] [--until DAY]
// [--prices FILE] [--json]` and the price table the other trace-query
// commands use to add cost_usd to session summaries.
#pragma once

#include "common/cli/cli.h"
#include "common/pricing/pricing.h"
#include "common/query/query_commands.h"

namespace trace {

void AddUsageOptions(cli::po::options_description& options);
int RunUsage(QueryContext& c);
// --prices FILE, else $TRACE_PRICES, else the embedded table.
Result<PriceTable> QueryPrices(const QueryContext& c);

}  // namespace trace
