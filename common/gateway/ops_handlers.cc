// Operational routes: health, Prometheus metrics, the SSE stream and its
// stats, and event ingest.
#include <rapidjson/document.h>

#include <tuple>

#include "common/base/clock.h"
#include "common/gateway/ingest_spool.h"
#include "common/gateway/live_feed.h"
#include "common/gateway/rest_handlers.h"
#include "common/gateway/sse_hub.h"
#include "common/http/api_params.h"
#include "common/http/metrics.h"
#include "common/json/json.h"
#include "common/json/json_parse.h"
#include "common/progress/progress.h"
#include "common/store/store_opener.h"

namespace trace {

namespace {

uint64_t StoreLastSeq(GatewayContext* ctx) {
  std::shared_ptr<Store> store = ctx->store->Get();
  if (!store) return 0;
  Result<uint64_t> last = store->LastSeq();
  return last.ok() ? *last : 0;
}

// Committed events the live feed has not relayed yet.
uint64_t IndexLag(GatewayContext* ctx, uint64_t store_last) {
  uint64_t live = ctx->feed ? ctx->feed->last_seq() : store_last;
  return store_last > live ? store_last - live : 0;
}

void WriteUpstream(GatewayContext* ctx, json::StringWriter& w) {
  w.Key("upstream");
  w.StartObject();
  w.Key("endpoint");
  w.String(ctx->upstream);
  w.Key("connected");
  w.Bool(ctx->feed && ctx->feed->connected());
  w.Key("last_seq");
  w.Uint64(ctx->feed ? ctx->feed->last_seq() : 0);
  int64_t last_ms = ctx->feed ? ctx->feed->last_event_ms() : 0;
  w.Key("last_event_age_ms");
  last_ms ? w.Int64(NowMs() - last_ms) : w.Null();
  w.EndObject();
}

// What trace-index last wrote to <db>/progress.json (proto/progress.md);
// nullopt when no index is running.
std::optional<progress::Progress> IndexProgress(GatewayContext* ctx) {
  return progress::Read(ctx->store->dir(), NowMs());
}

void WriteIndexing(GatewayContext* ctx, json::StringWriter& w) {
  w.Key("indexing");
  auto p = IndexProgress(ctx);
  if (!p) {
    w.Null();
    return;
  }
  w.Raw(progress::Encode(*p));
  // The UI shows this text as is, so every client words it the same way.
  w.Key("indexing_banner");
  w.String(progress::Banner(*p));
}

// The live stream works: the hub thread and the live feed are running.
bool StreamRunning(GatewayContext* ctx) {
  return ctx->hub->running() && (!ctx->feed || ctx->feed->running());
}

http::Response Health(GatewayContext* ctx, const http::Request&) {
  std::shared_ptr<Store> store = ctx->store->Get();
  uint64_t last = StoreLastSeq(ctx);
  bool stream = StreamRunning(ctx);
  bool ready = store != nullptr && stream;
  json::StringWriter w;
  w.StartObject();
  w.Key("status");
  w.String(ready ? "ok" : "unavailable");
  w.Key("ready");
  w.Bool(ready);
  w.Key("stream");
  w.StartObject();
  w.Key("running");
  w.Bool(stream);
  w.EndObject();
  w.Key("store");
  w.StartObject();
  w.Key("open");
  w.Bool(store != nullptr);
  w.Key("dir");
  w.String(ctx->store->dir());
  w.Key("last_seq");
  w.Uint64(last);
  if (!store) {
    w.Key("error");
    w.String(ctx->store->last_error());
  }
  w.EndObject();
  WriteUpstream(ctx, w);
  w.Key("index_lag");
  w.Uint64(IndexLag(ctx, last));
  w.Key("stream_clients");
  w.Uint64(ctx->hub->clients());
  WriteIndexing(ctx, w);
  w.EndObject();
  return http::Json(w.Take(), ready ? 200 : 503);
}

http::Response MetricsText(GatewayContext* ctx, const http::Request&) {
  http::Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = ctx->metrics->Render();
  return r;
}

// Filter fields of a POST /api/stream body; query parameters also apply.
std::optional<http::Response> BodyFilter(const http::Request& req, http::StreamStart* s) {
  if (req.body.empty()) return std::nullopt;
  rapidjson::Document doc;
  if (Status st = json::Parse(&doc, req.body); !st) {
    return http::Error(400, "bad_body", "stream filter body is not valid JSON: " + st.message());
  }
  if (!doc.IsObject()) {
    return http::Error(400, "bad_body", "stream filter body must be a JSON object");
  }
  auto field = [&](const char* key, std::string* out) -> bool {
    const rapidjson::Value* v = json::Find(doc, key);
    if (v == nullptr || v->IsNull()) return true;
    if (!v->IsString()) return false;
    *out = v->GetString();
    return true;
  };
  http::StreamFilter& f = s->filter;
  if (!field("session_id", &f.session_id) || !field("task_id", &f.task_id) ||
      !field("tool_name", &f.tool_name) || !field("event_type", &f.event_type) ||
      !field("user", &f.user) || !field("host", &f.host)) {
    return http::Error(400, "bad_body", "stream filter fields must be strings");
  }
  if (const rapidjson::Value* id = json::Find(doc, "last_event_id"); id && !id->IsNull()) {
    if (!id->IsUint64()) return http::Error(400, "bad_body", "last_event_id must be an integer");
    s->last_event_id = id->GetUint64();
  }
  return std::nullopt;
}

http::Response Stream(GatewayContext* ctx, const http::Request& req) {
  auto start = std::make_unique<http::StreamStart>();
  if (auto bad = BodyFilter(req, start.get())) return std::move(*bad);
  http::StreamFilter& f = start->filter;
  for (auto [name, field] : {std::pair{"session_id", &f.session_id},
                             {"task_id", &f.task_id},
                             {"tool_name", &f.tool_name},
                             {"event_type", &f.event_type},
                             {"user", &f.user},
                             {"host", &f.host}}) {
    if (auto bad = api::StringParam(req, name, field)) return std::move(*bad);
  }
  if (!req.last_event_id_header.empty()) {
    std::optional<uint64_t> id = api::ParseUint(req.last_event_id_header, 0, UINT64_MAX / 2);
    if (!id) return http::Error(400, "bad_parameter", "Last-Event-ID must be an integer seq");
    start->last_event_id = *id;
  } else if (auto bad =
                 api::UintParam(req, "last_event_id", 0, UINT64_MAX / 2, &start->last_event_id)) {
    return std::move(*bad);
  }
  http::Response r;
  r.stream = std::move(start);
  return r;
}

http::Response StreamStats(GatewayContext* ctx, const http::Request&) {
  SseHub::Stats s = ctx->hub->GetStats();
  json::StringWriter w;
  w.StartObject();
  w.Key("total_clients");
  w.Uint64(s.clients);
  w.Key("max_clients");
  w.Uint64(ctx->max_clients);
  w.Key("total_sessions");
  w.Uint64(s.by_session.size() - s.by_session.count(""));
  w.Key("sessions");
  w.StartObject();
  for (const auto& [session, n] : s.by_session) {
    w.Key(session.empty() ? "*" : session);
    w.Uint64(n);
  }
  w.EndObject();
  for (auto [key, v] : {std::pair{"published", s.published},
                        {"delivered", s.delivered},
                        {"dropped_slow", s.dropped_slow},
                        {"disconnected", s.disconnected}}) {
    w.Key(key);
    w.Uint64(v);
  }
  w.EndObject();
  return http::Json(w.Take());
}

// The X-Claude-Trace-User/-Host headers (a teammate's settings set them from
// the environment): short, valid UTF-8 text, else a 400 naming the header.
std::optional<http::Response> ReadSender(const http::Request& req, Sender* out) {
  for (auto [name, value, field] :
       {std::tuple{"X-Claude-Trace-User", &req.trace_user, &out->user},
        std::tuple{"X-Claude-Trace-Host", &req.trace_host, &out->host}}) {
    if (value->size() > 256 || !json::IsValidUtf8(*value)) {
      return http::Error(400, "bad_header",
                         std::string(name) + " must be UTF-8 text of at most 256 bytes");
    }
    *field = *value;
  }
  return std::nullopt;
}

http::Response Ingest(GatewayContext* ctx, const http::Request& req) {
  if (!ctx->spool) return http::Error(503, "ingest_disabled", "ingest spool not configured");
  Sender sender;
  if (auto bad = ReadSender(req, &sender)) return std::move(*bad);
  Result<IngestResult> res = ctx->spool->Ingest(req.body, sender);
  if (!res.ok()) return http::Error(503, "spool_unavailable", res.status().message());
  json::StringWriter w;
  w.StartObject();
  if (!res->accepted) {
    w.Key("error");
    w.StartObject();
    w.Key("code");
    w.String("invalid_events");
    w.Key("message");
    w.String(json::SanitizeUtf8(res->errors.empty() ? "invalid" : res->errors.front()));
    w.Key("reasons");
    w.StartArray();
    for (const std::string& e : res->errors) w.String(json::SanitizeUtf8(e));
    w.EndArray();
    w.EndObject();
    w.EndObject();
    return http::Json(w.Take(), 400);
  }
  w.Key("accepted");
  w.Uint64(res->ids.size());
  w.Key("ids");
  w.StartArray();
  for (const std::string& id : res->ids) w.String(id);
  w.EndArray();
  w.EndObject();
  return http::Json(w.Take(), 201);
}

// Claude Code's http hook: 204 with no body once spooled, since a 2xx body
// would be read as a hook decision (proto/inputs.md, "HTTP hooks"); a broken
// body gets 400 with the reason, which Claude Code treats as non-blocking.
http::Response Hook(GatewayContext* ctx, const http::Request& req) {
  if (!ctx->spool) return http::Error(503, "ingest_disabled", "ingest spool not configured");
  Sender sender;
  if (auto bad = ReadSender(req, &sender)) return std::move(*bad);
  Result<IngestResult> res = ctx->spool->IngestHook(req.body, NowMs(), sender);
  if (!res.ok()) return http::Error(503, "spool_unavailable", res.status().message());
  if (!res->accepted) return http::Error(400, "invalid_hook", res->errors.front());
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace

void AddOpsRoutes(http::Router* router, GatewayContext* ctx) {
  router->Add("GET", "/health", Bind(ctx, Health));
  router->Add("GET", "/metrics", Bind(ctx, MetricsText));
  router->Add("GET", "/api/stream", Bind(ctx, Stream));
  router->Add("POST", "/api/stream", Bind(ctx, Stream));
  router->Add("GET", "/api/stream/stats", Bind(ctx, StreamStats));
  router->Add("POST", "/api/events", Bind(ctx, Ingest));
  router->Add("POST", "/api/hooks", Bind(ctx, Hook));
}

void RegisterGatewayMetrics(GatewayContext* ctx) {
  Metrics* m = ctx->metrics;
  SseHub* hub = ctx->hub;
  LiveFeed* feed = ctx->feed;
  m->Register("trace_gateway_sse_clients", "Connected SSE clients.", "gauge",
              [hub] { return static_cast<double>(hub->clients()); });
  m->Register("trace_gateway_sse_events_published_total", "Events handed to the SSE hub.",
              "counter", [hub] { return static_cast<double>(hub->GetStats().published); });
  m->Register("trace_gateway_sse_deliveries_total", "Event frames written to SSE clients.",
              "counter", [hub] { return static_cast<double>(hub->GetStats().delivered); });
  m->Register("trace_gateway_sse_dropped_slow_total",
              "SSE clients disconnected because they could not keep up.", "counter",
              [hub] { return static_cast<double>(hub->GetStats().dropped_slow); });
  m->Register("trace_gateway_sse_disconnects_total", "SSE clients that went away.", "counter",
              [hub] { return static_cast<double>(hub->GetStats().disconnected); });
  m->Register("trace_gateway_store_last_seq", "Last seq committed to the store.", "gauge",
              [ctx] { return static_cast<double>(StoreLastSeq(ctx)); });
  m->Register("trace_gateway_index_lag_events",
              "Committed events not yet relayed by the live feed.", "gauge",
              [ctx] { return static_cast<double>(IndexLag(ctx, StoreLastSeq(ctx))); });
  // The index's progress (0 when no index is running, proto/progress.md).
  auto indexing = [ctx](auto field) {
    return [ctx, field] {
      auto p = IndexProgress(ctx);
      return p ? static_cast<double>(field(*p)) : 0.0;
    };
  };
  using P = const progress::Progress&;
  m->Register("trace_index_backlog_bytes", "Bytes trace-tail has still to read.", "gauge",
              indexing([](P p) { return p.bytes_left; }));
  m->Register("trace_index_backlog_files", "Files with bytes still to read.", "gauge",
              indexing([](P p) { return p.files_behind; }));
  m->Register("trace_index_events_per_second", "Events stored per second (last 10 s).", "gauge",
              indexing([](P p) { return p.events_per_s; }));
  m->Register("trace_index_progress_percent", "Share of the followed bytes read.", "gauge",
              indexing([](P p) { return p.percent(); }));
  if (feed) {
    m->Register("trace_gateway_live_events_total", "Events received from the index PUB.", "counter",
                [feed] { return static_cast<double>(feed->received()); });
    m->Register("trace_gateway_live_filled_total",
                "Events read from the store to fill gaps in the live feed.", "counter",
                [feed] { return static_cast<double>(feed->filled()); });
    m->Register("trace_gateway_upstream_connected", "1 when the index PUB is connected.", "gauge",
                [feed] { return feed->connected() ? 1.0 : 0.0; });
  }
  if (IngestSpool* spool = ctx->spool) {
    m->Register("trace_gateway_ingest_events_total", "Events accepted by POST /api/events.",
                "counter", [spool] { return static_cast<double>(spool->accepted_events()); });
    m->Register("trace_gateway_spool_appends_total", "Requests appended to the ingest spool.",
                "counter", [spool] { return static_cast<double>(spool->appends()); });
    m->Register("trace_gateway_spool_syncs_total",
                "fdatasyncs of the ingest spool (group commit: one covers many appends).",
                "counter", [spool] { return static_cast<double>(spool->syncs()); });
  }
}

}  // namespace trace
