// Read-only query routes over the LMDB store. Stored values are already
// event/aggregate JSON: responses splice them in verbatim (no re-parse).
#include "common/gateway/rest_handlers.h"

#include <algorithm>

#include "common/event/event.h"
#include "common/gateway/aggregate_bodies.h"
#include "common/gateway/priced_cache.h"
#include "common/http/api_params.h"
#include "common/json/json.h"
#include "common/store/store_opener.h"

namespace trace {

namespace {

constexpr size_t kMaxTreeEvents = 20000;

// 503 while the store cannot be opened; 500 on a read failure.
http::Response StoreUnavailable(GatewayContext* ctx) {
  return http::Error(503, "store_unavailable", "store not available: " + ctx->store->last_error());
}

http::Response ReadFailed(const Status& s) { return http::Error(500, "store_error", s.message()); }

// ,"total":N,"limit":L,"offset":O
std::string PageTail(uint64_t total, uint64_t limit, uint64_t offset) {
  return ",\"total\":" + std::to_string(total) + ",\"limit\":" + std::to_string(limit) +
         ",\"offset\":" + std::to_string(offset);
}

#define TRACE_RETURN_IF(expr) \
  if (auto early = (expr)) return std::move(*early)

// The events of GET /api/traces, part by part: each part is one store read
// of about kPartBytes (the count adapts to the event sizes), continued by seq
// cursor in a fresh read transaction, so neither the body nor a transaction
// is held across a slow client (issue 13: limit=1000 built a 1.2 GB body).
class TracePages : public http::BodySource {
 public:
  TracePages(StoreOpener* opener, EventQuery q)
      : opener_(opener), q_(std::move(q)), remaining_(q_.limit), offset_(q_.offset) {}
  // The first part: "{"traces":[" and the first events; true when more follow.
  Result<bool> Start(std::string* out) {
    *out = "{\"traces\":[";
    return Next(out);
  }
  Result<bool> Next(std::string* out) override {
    std::shared_ptr<Store> store = opener_->Get();
    if (!store) return Status::Error("store not available: " + opener_->last_error());
    EventQuery q = q_;
    q.limit = std::min(remaining_, count_);
    Result<EventPage> page = store->QueryEvents(q);
    if (!page.ok()) return page.status();
    if (first_) total_ = page->total;
    size_t bytes = 0;
    for (const std::string& e : page->events) {
      if (!first_) *out += ',';
      first_ = false;
      *out += e;
      bytes += e.size();
    }
    remaining_ = page->events.size() < q.limit ? 0 : remaining_ - page->events.size();
    if (remaining_ > 0) {
      Result<EventKeys> last = ParseEventKeys(page->events.back());
      if (!last.ok() || last->seq == 0) return Status::Error("stored event without seq");
      q_.before_seq = last->seq;  // the cursor: what follows is older
      q_.offset = 0;
      size_t avg = std::max<size_t>(1, bytes / page->events.size());
      count_ = std::clamp<size_t>(kPartBytes / avg, 1, kMaxPart);
      return true;
    }
    *out += ']';
    *out += PageTail(total_, limit_, offset_);
    *out += '}';
    return false;
  }

 private:
  static constexpr size_t kPartBytes = 512 << 10;
  static constexpr size_t kMaxPart = 1000;
  StoreOpener* opener_;
  EventQuery q_;
  const uint64_t limit_ = q_.limit;
  size_t remaining_;
  const uint64_t offset_;
  size_t count_ = 8;  // the first part is small: event sizes are not known yet
  bool first_ = true;
  uint64_t total_ = 0;
};

http::Response ListTraces(GatewayContext* ctx, const http::Request& req) {
  EventQuery q;
  uint64_t limit = 100, offset = 0, before = 0;
  TRACE_RETURN_IF(api::UintParam(req, "limit", 1, 1000, &limit));
  TRACE_RETURN_IF(api::UintParam(req, "offset", 0, 100'000'000, &offset));
  TRACE_RETURN_IF(api::UintParam(req, "before_seq", 1, UINT64_MAX / 2, &before));
  TRACE_RETURN_IF(api::StringParam(req, "session_id", &q.filter.session_id));
  TRACE_RETURN_IF(api::StringParam(req, "task_id", &q.filter.task_id));
  TRACE_RETURN_IF(api::StringParam(req, "tool_name", &q.filter.tool_name));
  TRACE_RETURN_IF(api::StringParam(req, "trace_id", &q.filter.trace_id));
  TRACE_RETURN_IF(api::StringParam(req, "event_type", &q.filter.event_type));
  TRACE_RETURN_IF(api::StringParam(req, "user", &q.filter.user));
  TRACE_RETURN_IF(api::StringParam(req, "host", &q.filter.host));
  TRACE_RETURN_IF(api::TimeParam(req, "from", &q.filter.from_ms));
  TRACE_RETURN_IF(api::TimeParam(req, "to", &q.filter.to_ms));
  q.limit = limit;
  q.offset = offset;
  q.before_seq = before;
  if (!ctx->store->Get()) return StoreUnavailable(ctx);
  auto pages = std::make_shared<TracePages>(ctx->store, q);
  http::Response r;
  Result<bool> more = pages->Start(&r.body);
  if (!more.ok()) return ReadFailed(more.status());
  if (*more) r.more = std::move(pages);  // the rest follows part by part
  return r;
}

http::Response GetTrace(GatewayContext* ctx, const http::Request& req) {
  std::shared_ptr<Store> store = ctx->store->Get();
  if (!store) return StoreUnavailable(ctx);
  std::string span_id(req.Route("span_id"));
  Result<std::optional<std::string>> e = store->GetEventBySpanId(span_id);
  if (!e.ok()) return ReadFailed(e.status());
  if (!*e) return http::Error(404, "not_found", "no event with span_id " + span_id);
  return http::Json(std::move(**e));
}

// {"<key>": <stored aggregate>} or 404.
http::Response Wrapped(std::string_view key, Result<std::optional<std::string>> agg,
                       std::string_view what, std::string_view id) {
  if (!agg.ok()) return ReadFailed(agg.status());
  if (!*agg)
    return http::Error(404, "not_found", "no " + std::string(what) + " " + std::string(id));
  std::string body = "{\"";
  body += key;
  body += "\":";
  body += **agg;
  body += '}';
  return http::Json(std::move(body));
}

http::Response GetTask(GatewayContext* ctx, const http::Request& req) {
  std::shared_ptr<Store> store = ctx->store->Get();
  if (!store) return StoreUnavailable(ctx);
  std::string id(req.Route("id"));
  Result<std::optional<std::string>> task = store->GetTask(id);
  if (task.ok() && *task) **task = ctx->priced->Priced("task:" + id, std::move(**task));
  return Wrapped("task", std::move(task), "task", id);
}

http::Response GetTaskTree(GatewayContext* ctx, const http::Request& req) {
  if (!ctx->store->Get()) return StoreUnavailable(ctx);
  std::string id(req.Route("id"));
  Result<std::optional<http::Response>> tree = StreamTaskTree(ctx->store, id, kMaxTreeEvents);
  if (!tree.ok()) return ReadFailed(tree.status());
  if (!*tree) return http::Error(404, "not_found", "no task " + id);
  return std::move(**tree);
}

http::Response ListSessions(GatewayContext* ctx, const http::Request& req) {
  uint64_t limit = 100, offset = 0;
  TRACE_RETURN_IF(api::UintParam(req, "limit", 1, 1000, &limit));
  TRACE_RETURN_IF(api::UintParam(req, "offset", 0, 100'000'000, &offset));
  SessionFilter filter;
  TRACE_RETURN_IF(api::StringParam(req, "user", &filter.user));
  TRACE_RETURN_IF(api::StringParam(req, "host", &filter.host));
  if (!ctx->store->Get()) return StoreUnavailable(ctx);
  Result<http::Response> r =
      StreamSessions(ctx->store, ctx->priced.get(), ctx->prices, filter, limit, offset);
  return r.ok() ? std::move(*r) : ReadFailed(r.status());
}

http::Response SessionSummary(GatewayContext* ctx, const http::Request& req) {
  std::shared_ptr<Store> store = ctx->store->Get();
  if (!store) return StoreUnavailable(ctx);
  std::string id(req.Route("id"));
  Result<std::optional<std::string>> s = store->GetSession(id);
  if (!s.ok()) return ReadFailed(s.status());
  if (!*s) return http::Error(404, "not_found", "no session " + id);
  return http::Json(ctx->priced->Priced("session:" + id, std::move(**s)));
}

http::Response ListTools(GatewayContext* ctx, const http::Request&) {
  if (!ctx->store->Get()) return StoreUnavailable(ctx);
  Result<http::Response> r = StreamTools(ctx->store);
  return r.ok() ? std::move(*r) : ReadFailed(r.status());
}

}  // namespace

void AddQueryRoutes(http::Router* router, GatewayContext* ctx) {
  if (!ctx->priced) ctx->priced = std::make_shared<PricedCache>(ctx->prices);
  router->Add("GET", "/api/traces", Bind(ctx, ListTraces));
  router->Add("GET", "/api/traces/{span_id}", Bind(ctx, GetTrace));
  router->Add("GET", "/api/tasks/{id}", Bind(ctx, GetTask));
  router->Add("GET", "/api/tasks/{id}/tree", Bind(ctx, GetTaskTree));
  router->Add("GET", "/api/sessions", Bind(ctx, ListSessions));
  router->Add("GET", "/api/sessions/{id}/summary", Bind(ctx, SessionSummary));
  router->Add("GET", "/api/tools", Bind(ctx, ListTools));
  AddUsageRoutes(router, ctx);
}

}  // namespace trace
