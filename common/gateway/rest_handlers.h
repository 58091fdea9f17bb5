// The gateway's routes (DESIGN "HTTP API"): read-only queries over the LMDB
// store (rest_handlers.cc), the task tree (task_tree.h), and the operational
// endpoints — /health, /metrics, the SSE stream and its stats, ingest
// (ops_handlers.cc). Handlers are plain functions of http::Request, run on
// Poco's handler threads; everything they touch is thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/http/http_router.h"

namespace trace {

class StoreOpener;
class SseHub;
class LiveFeed;
class IngestSpool;
class Metrics;
class PriceTable;
class PricedCache;

// What the handlers need; owned by main, outlives the server.
struct GatewayContext {
  StoreOpener* store = nullptr;
  SseHub* hub = nullptr;
  LiveFeed* feed = nullptr;      // may be null (no upstream)
  IngestSpool* spool = nullptr;  // may be null (ingest disabled)
  Metrics* metrics = nullptr;
  const PriceTable* prices = nullptr;  // cost of session/task aggregates; null: none
  std::string upstream;                // the index PUB endpoint, for /health
  size_t max_clients = 0;
  // Priced aggregates, memoized per stored value; AddQueryRoutes creates it.
  std::shared_ptr<PricedCache> priced;
  size_t max_body = 1 << 20;  // the server's body cap, also the cap on an inflated (gzip) body
};

// A route handler of the gateway: fn with ctx bound.
using GatewayFn = http::Response (*)(GatewayContext*, const http::Request&);
inline http::Handler Bind(GatewayContext* ctx, GatewayFn fn) {
  return [ctx, fn](const http::Request& r) { return fn(ctx, r); };
}

// GET /api/traces, /api/traces/{span_id}, /api/tasks/{id}, /api/tasks/{id}/tree,
// /api/sessions, /api/sessions/{id}/summary, /api/tools.
void AddQueryRoutes(http::Router* router, GatewayContext* ctx);
// GET /api/usage (usage_handlers.cc); AddQueryRoutes adds it.
void AddUsageRoutes(http::Router* router, GatewayContext* ctx);
// GET /health, /metrics, /api/stream (+POST), /api/stream/stats; POST /api/events,
// POST /api/hooks.
void AddOpsRoutes(http::Router* router, GatewayContext* ctx);
// POST /v1/logs, /v1/metrics: the OTLP/HTTP receivers (proto/otlp.md).
void AddOtlpRoutes(http::Router* router, GatewayContext* ctx);
// Registers the gateway's gauges and counters in ctx->metrics.
void RegisterGatewayMetrics(GatewayContext* ctx);

}  // namespace trace
