// `trace-query usage --by day|week|month|session|project|model|block` with
// --since/--until/--timezone/--order/--last/--breakdown/--project/
// --project-aliases/--week-start/--token-limit/--prices (proto/usage.md),
// and the price table the other trace-query commands use for cost_usd.
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
