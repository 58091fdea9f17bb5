// trace-gateway: serves the LMDB store over HTTP (REST), relays trace-index's
// committed events to SSE clients, accepts events on POST /api/events into
// the ingest spool, and serves the web UI. Wiring only; the logic is in
// common/ (http_server, rest_handlers, sse_hub, live_feed, ingest_spool).
#include <malloc.h>
#include <poll.h>
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>

#include "common/base/log.h"
#include "common/base/shutdown.h"
#include "common/cli/cli.h"
#include "common/gateway/ingest_spool.h"
#include "common/gateway/live_feed.h"
#include "common/gateway/rest_handlers.h"
#include "common/gateway/sse_hub.h"
#include "common/gateway/sse_stream.h"
#include "common/http/http_server.h"
#include "common/http/metrics.h"
#include "common/http/request_policy.h"
#include "common/http/static_files.h"
#include "common/pricing/pricing.h"
#include "common/store/store_opener.h"
#include "common/wire/wire.h"
#include "web_assets.h"

namespace {

using namespace trace;
namespace po = boost::program_options;
constexpr const char* kTool = "trace-gateway";

void AddOptions(cli::Spec& spec) {
  spec.options.add_options()("db", po::value<std::string>()->value_name("DIR"),
                             "LMDB store to serve (default <data-dir>/db)")(
      "sub", po::value<std::string>()->default_value("tcp://127.0.0.1:5557")->value_name("EP"),
      "trace-index PUB endpoint for live events (\"\" = none)")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:8080")->value_name("HOST:PORT"),
      "HTTP address (port 0 = any free port); any host but a loopback one (127.0.0.0/8, ::1, "
      "localhost) needs --token, else trace-gateway exits 2")(
      "token", po::value<std::string>()->value_name("TOKEN"),
      "require 'Authorization: Bearer TOKEN' (or ?access_token=) on all but /health "
      "(env TRACE_TOKEN)")(
      "spool", po::value<std::string>()->value_name("DIR"),
      "ingest spool dir; POST /api/events, /api/hooks, /v1/logs and /v1/metrics append to "
      "DIR/ingest.jsonl (default <data-dir>/spool)")(
      "web-root", po::value<std::string>()->value_name("DIR"),
      "serve the web UI from DIR instead of the embedded copy (development)")(
      "allowed-host", po::value<std::vector<std::string>>()->composing()->value_name("NAME"),
      "without a token, also serve requests whose Host header is NAME, any port, or exactly "
      "NAME:PORT (repeatable); loopback names always are, any other Host gets 421")(
      "cors-origin", po::value<std::vector<std::string>>()->composing()->value_name("ORIGIN"),
      "also allow this origin for CORS and for POSTs (repeatable; '*' = any); loopback origins "
      "always are, a POST from any other gets 403")(
      "max-clients", po::value<size_t>()->default_value(1000), "SSE connection cap (then 429)")(
      "sse-queue", po::value<size_t>()->default_value(1024),
      "events queued per SSE client before a slow client is disconnected")(
      "sse-sndbuf", po::value<int>()->default_value(0),
      "SO_SNDBUF bytes of SSE sockets (0 = kernel default; small = slow clients cut sooner)")(
      "heartbeat-ms", po::value<int>()->default_value(30000), "SSE heartbeat period (0 = off)")(
      "retry-ms", po::value<int>()->default_value(3000), "SSE 'retry:' reconnect hint")(
      "max-body", po::value<size_t>()->default_value(1 << 20), "request body cap in bytes (413)")(
      "rate-limit", po::value<double>()->default_value(0),
      "requests/s allowed per client address, 0 = unlimited (429 beyond)")(
      "rate-burst", po::value<double>()->default_value(0), "burst size (default 2 x rate-limit)")(
      "prices", po::value<std::string>()->default_value("")->value_name("FILE"),
      "token price table for cost_usd (default: $TRACE_PRICES, else the built-in table)")(
      "threads", po::value<int>()->default_value(16),
      "HTTP worker threads: they run complete requests; connections, idle or slow, hold none")(
      "max-connections", po::value<size_t>()->default_value(20000),
      "open HTTP connections (SSE streams excluded); beyond, new ones are closed at accept")(
      "keep-alive-s", po::value<int>()->default_value(15),
      "an idle keep-alive connection is closed after this many seconds")(
      "header-timeout-ms", po::value<int>()->default_value(10000),
      "a request head not complete this long after its first byte gets 408")(
      "body-timeout-ms", po::value<int>()->default_value(30000),
      "a request body not complete this long after its head gets 408");
}

bool ParseListen(const std::string& listen, HttpServerOptions* o) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) return false;
  char* end = nullptr;
  long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) return false;
  o->host = listen.substr(0, colon);
  if (o->host.size() > 2 && o->host.front() == '[') o->host = o->host.substr(1, o->host.size() - 2);
  o->port = static_cast<uint16_t>(port);
  return true;
}

std::string Token(const po::variables_map& vm) {
  if (vm.count("token")) return vm["token"].as<std::string>();
  const char* env = std::getenv("TRACE_TOKEN");
  return env ? env : "";
}

// The store reads the live feed and SSE replay need.
LiveFeed::StoreView FeedView(StoreOpener* opener) {
  LiveFeed::StoreView v;
  v.last_seq = [opener]() -> Result<uint64_t> {
    auto store = opener->Get();
    if (!store) return Status::Error("store not open");
    return store->LastSeq();
  };
  v.events_after = [opener](uint64_t after, size_t max) -> Result<std::vector<std::string>> {
    auto store = opener->Get();
    if (!store) return Status::Error("store not open");
    return store->EventsAfter(after, EventFilter{}, max);
  };
  return v;
}

SseStreamer::Replay ReplayFrom(StoreOpener* opener) {
  return [opener](uint64_t after, const http::StreamFilter& f,
                  size_t max) -> Result<std::vector<std::string>> {
    auto store = opener->Get();
    if (!store) return Status::Error("store not open: " + opener->last_error());
    EventFilter filter;
    filter.session_id = f.session_id;
    filter.task_id = f.task_id;
    filter.tool_name = f.tool_name;
    filter.event_type = f.event_type;
    filter.user = f.user;
    filter.host = f.host;
    return store->EventsAfter(after, filter, max);
  };
}

// Each connection and SSE client is a descriptor: take the hard limit, not the
// 1024 default.
void RaiseFdLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

void WaitForShutdown() {
  pollfd p{shutdown::Fd(), POLLIN, 0};
  while (!shutdown::Requested()) poll(&p, 1, 1000);
}

}  // namespace

int Main(int argc, char** argv) {
  cli::Spec spec{kTool,
                 "trace-gateway [options]",
                 "Serves the claude-trace store: REST API (/api/traces, /api/sessions, ...),\n"
                 "a live SSE stream (/api/stream, resumable with Last-Event-ID), ingest\n"
                 "(POST /api/events, Claude Code's http hooks on POST /api/hooks, its\n"
                 "OpenTelemetry export on POST /v1/logs and /v1/metrics -> <spool>/ingest.jsonl,\n"
                 "followed by trace-tail),\n"
                 "/health, /metrics and the web UI at /.\n\n"
                 "Example: trace-gateway --listen 127.0.0.1:8080 && open http://127.0.0.1:8080/",
                 po::options_description("Options"),
                 {}};
  AddOptions(spec);
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;

  std::string data_dir = cli::DataDir(vm);
  std::string db = vm.count("db") ? vm["db"].as<std::string>() : data_dir + "/db";
  std::string spool_dir = vm.count("spool") ? vm["spool"].as<std::string>() : data_dir + "/spool";
  HttpServerOptions http_options;
  if (!ParseListen(vm["listen"].as<std::string>(), &http_options)) {
    return cli::Fail(kTool, "parse --listen", "expected HOST:PORT", cli::kExitUsage);
  }
  http_options.token = Token(vm);
  // Off loopback, anyone who reaches the port could read every transcript.
  if (http_options.token.empty() && !http::IsLoopbackListenHost(http_options.host)) {
    return cli::Fail(kTool, "listen " + vm["listen"].as<std::string>(),
                     "a non-loopback listen address requires --token (or TRACE_TOKEN)",
                     cli::kExitUsage);
  }
  if (vm.count("allowed-host")) {
    http_options.allowed_hosts = vm["allowed-host"].as<std::vector<std::string>>();
  }
  if (vm.count("cors-origin"))
    http_options.cors_origins = vm["cors-origin"].as<std::vector<std::string>>();
  http_options.max_body = vm["max-body"].as<size_t>();
  http_options.rate_limit = vm["rate-limit"].as<double>();
  http_options.rate_burst = vm["rate-burst"].as<double>();
  http_options.max_threads = std::max(2, vm["threads"].as<int>());
  http_options.max_connections = std::max<size_t>(1, vm["max-connections"].as<size_t>());
  http_options.keep_alive_timeout_s = std::max(1, vm["keep-alive-s"].as<int>());
  http_options.header_timeout_ms = std::max(100, vm["header-timeout-ms"].as<int>());
  http_options.body_timeout_ms = std::max(100, vm["body-timeout-ms"].as<int>());

  shutdown::Install();
  RaiseFdLimit();
  // Response bodies (a 100-event page is ~200 KB) come from the heap, not a
  // fresh mmap each time, and freed memory stays for the next request:
  // otherwise every page pays mmap/munmap and a page fault per 4 KB.
  // Before any thread starts, so mallopt's lack of thread safety cannot matter.
  mallopt(M_MMAP_THRESHOLD, 16 << 20);  // NOLINT(concurrency-mt-unsafe)
  mallopt(M_TRIM_THRESHOLD, 64 << 20);  // NOLINT(concurrency-mt-unsafe)
  // Two heaps, not 8 per core: memory a worker freed is reused by the next
  // worker instead of staying in that thread's arena (with 1 MB events, 16
  // workers' arenas held ~90 MB of free memory; 2 hold ~30 MB).
  mallopt(M_ARENA_MAX, 2);  // NOLINT(concurrency-mt-unsafe)
  StaticFiles files = vm.count("web-root")
                          ? StaticFiles::FromDisk(vm["web-root"].as<std::string>())
                          : StaticFiles::FromEmbedded(web::kFiles, web::kFileCount);
  StoreOpener store(db);
  SseHub::Options hub_options;
  hub_options.max_clients = vm["max-clients"].as<size_t>();
  hub_options.max_queue = std::max<size_t>(1, vm["sse-queue"].as<size_t>());
  hub_options.heartbeat_ms = vm["heartbeat-ms"].as<int>();
  SseHub hub(hub_options);
  if (Status s = hub.Start(); !s.ok()) return cli::Fail(kTool, "start SSE hub", s.message());

  wire::Context zmq_ctx;
  std::string sub = vm["sub"].as<std::string>();
  std::unique_ptr<LiveFeed> feed;
  if (!sub.empty()) {
    feed = std::make_unique<LiveFeed>(zmq_ctx, sub, FeedView(&store), &hub);
    if (Status s = feed->Start(); !s.ok()) return cli::Fail(kTool, "start live feed", s.message());
  }
  IngestSpool spool({spool_dir});
  if (Status s = spool.Open(); !s.ok()) {
    return cli::Fail(kTool, "open ingest spool", s.message(), cli::kExitInput);
  }
  SseStreamer streamer(&hub, ReplayFrom(&store), FeedView(&store).last_seq,
                       {vm["retry-ms"].as<int>(), 10000, vm["sse-sndbuf"].as<int>()});

  Result<PriceTable> prices = PriceTable::Resolve(vm["prices"].as<std::string>());
  if (!prices.ok())
    return cli::Fail(kTool, "load prices", prices.status().message(), cli::kExitInput);
  Metrics metrics;
  GatewayContext ctx{
      &store, &hub, feed.get(), &spool, &metrics, &*prices, sub, hub_options.max_clients, {}};
  ctx.max_body = http_options.max_body;
  http::Router router;
  AddQueryRoutes(&router, &ctx);
  AddOpsRoutes(&router, &ctx);
  AddOtlpRoutes(&router, &ctx);
  RegisterGatewayMetrics(&ctx);

  HttpServer server(http_options, &router, &metrics, &streamer, &files);
  if (Status s = server.Start(); !s.ok()) return cli::Fail(kTool, "start HTTP server", s.message());
  log::Info("listening",
            {{"url", "http://" + http_options.host + ":" + std::to_string(server.port()) + "/"},
             {"port", static_cast<int>(server.port())},
             {"db", db},
             {"sub", sub},
             {"spool", spool.path()},
             {"auth", !http_options.token.empty()}});

  WaitForShutdown();
  log::Info("stopping");
  server.Stop();  // no new requests or streams
  if (feed) feed->Stop();
  hub.Stop();  // flush and close every stream
  log::Info("stopped");
  return cli::kExitOk;
}

int main(int argc, char** argv) {
  return cli::RunMain(kTool, [&] { return Main(argc, argv); });
}
