// GET /api/usage: the reports of `trace-query usage` (proto/usage.md) over
// the same parameters (by, tz or timezone, since, until, order, last,
// breakdown, project, project_aliases, week_start, token_limit, user, host), from the
// store's usage slots; a bad parameter is a 400 naming it.
#include <cstdlib>

#include "common/base/clock.h"
#include "common/gateway/rest_handlers.h"
#include "common/store/store_opener.h"
#include "common/usage/usage_periods.h"

namespace trace {

namespace {

const std::string& Home() {
  static const std::string home = [] {
    const char* h = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe): once, then constant
    return std::string(h ? h : "");
  }();
  return home;
}

http::Response GetUsage(GatewayContext* ctx, const http::Request& req) {
  static const char* kNames[] = {
      "by",        "tz",      "timezone",        "since",      "until",       "order", "last",
      "breakdown", "project", "project_aliases", "week_start", "token_limit", "user",  "host"};
  UsageParams params;
  for (const char* name : kNames) {
    if (auto v = req.Query(name)) params[name] = std::string(*v);
  }
  auto options = ParseUsageOptions(params, NowMs());
  if (!options) return http::Error(400, "bad_parameter", options.status().message());
  options->home = Home();
  std::shared_ptr<Store> store = ctx->store->Get();
  if (!store) {
    return http::Error(503, "store_unavailable",
                       "store not available: " + ctx->store->last_error());
  }
  auto slots = store->UsageSlots(0, INT64_MAX);
  if (!slots) return http::Error(500, "store_error", slots.status().message());
  auto dirs = store->SessionDirs();
  if (!dirs) return http::Error(500, "store_error", dirs.status().message());
  auto origins = store->SessionOrigins();
  if (!origins) return http::Error(500, "store_error", origins.status().message());
  const PriceTable& prices = ctx->prices ? *ctx->prices : PriceTable::Embedded();
  return http::Json(UsagePeriodsJson(BuildUsagePeriods(*slots, *dirs, *origins, prices, *options)));
}

}  // namespace

void AddUsageRoutes(http::Router* router, GatewayContext* ctx) {
  router->Add("GET", "/api/usage", Bind(ctx, GetUsage));
}

}  // namespace trace
