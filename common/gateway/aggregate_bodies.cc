// See aggregate_bodies.h. Each body is an http::BodySource the server asks
// for the next part once the previous one is written; the part size adapts
// to the sizes seen so far (a part of small values is not a thousand reads).
#include "common/gateway/aggregate_bodies.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "common/event/event.h"
#include "common/event/task_tree.h"
#include "common/gateway/priced_cache.h"
#include "common/pricing/pricing.h"
#include "common/store/store.h"
#include "common/store/store_opener.h"

namespace trace {

namespace {

// How many values the next read asks for: few until their size is known,
// then about kAggregatePartBytes worth.
struct PartSize {
  size_t count = 8;
  void Learn(size_t bytes, size_t n) {
    size_t avg = std::max<size_t>(1, bytes / std::max<size_t>(1, n));
    count = std::clamp<size_t>(kAggregatePartBytes / avg, 1, 1000);
  }
};

Result<std::shared_ptr<Store>> OpenStore(StoreOpener* opener) {
  std::shared_ptr<Store> store = opener->Get();
  if (!store) return Status::Error("store not available: " + opener->last_error());
  return store;
}

// A response whose first part is head plus body's first part.
Result<http::Response> Begin(std::shared_ptr<http::BodySource> body, std::string head) {
  http::Response r;
  r.body = std::move(head);
  Result<bool> more = body->Next(&r.body);
  if (!more.ok()) return more.status();
  if (*more) r.more = std::move(body);
  return r;
}

struct TaskKeys {
  std::vector<uint64_t> seqs;
  std::vector<std::pair<std::string, std::string>> keys;  // (span_id, parent_id)
};

// The keys of the task's first max events (seq order), read part by part:
// only the keys are kept.
Result<TaskKeys> ReadTaskKeys(Store* store, const std::string& task_id, size_t max) {
  EventFilter filter;
  filter.task_id = task_id;
  TaskKeys out;
  PartSize part;
  uint64_t after = 0;
  while (out.seqs.size() < max) {
    size_t want = std::min(part.count, max - out.seqs.size());
    Result<std::vector<std::string>> events = store->EventsAfter(after, filter, want);
    if (!events.ok()) return events.status();
    size_t bytes = 0;
    for (const std::string& e : *events) {
      Result<EventKeys> k = ParseEventKeys(e);
      if (!k.ok() || k->seq == 0) return Status::Error("stored event without seq");
      out.seqs.push_back(k->seq);
      out.keys.emplace_back(std::move(k->span_id), std::move(k->parent_id));
      bytes += e.size();
    }
    if (events->size() < want) break;
    after = out.seqs.back();
    part.Learn(bytes, events->size());
  }
  return out;
}

// The tree depth-first with an explicit stack of (node, next child); each
// node's event is read when it is opened.
class TaskTreeBody : public http::BodySource {
 public:
  TaskTreeBody(StoreOpener* opener, std::vector<uint64_t> seqs, TaskTreeShape shape)
      : opener_(opener), seqs_(std::move(seqs)), shape_(std::move(shape)) {}

  Result<bool> Next(std::string* out) override {
    Result<std::shared_ptr<Store>> store = OpenStore(opener_);
    if (!store.ok()) return store.status();
    size_t start = out->size();
    while (out->size() - start < kAggregatePartBytes) {
      Result<bool> more = Step(**store, out);
      if (!more.ok() || !*more) return more;
    }
    return true;
  }

 private:
  // Opens the next node or closes the current one; false at the end.
  Result<bool> Step(Store& store, std::string* out) {
    if (stack_.empty()) {
      if (next_root_ == shape_.roots.size()) {
        *out += "]}";
        return false;
      }
      if (next_root_) *out += ',';
      return Open(store, shape_.roots[next_root_++], out);
    }
    auto& [node, next] = stack_.back();
    if (next == shape_.children[node].size()) {
      *out += "]}";
      stack_.pop_back();
      return true;
    }
    if (next) *out += ',';
    return Open(store, shape_.children[node][next++], out);
  }

  Result<bool> Open(Store& store, size_t node, std::string* out) {
    Result<std::optional<std::string>> e = store.GetEvent(seqs_[node]);
    if (!e.ok()) return e.status();
    if (!*e) return Status::Error("event " + std::to_string(seqs_[node]) + " is gone");
    AppendTreeNodeOpen(**e, out);
    stack_.emplace_back(node, 0);
    return true;
  }

  StoreOpener* opener_;
  std::vector<uint64_t> seqs_;
  TaskTreeShape shape_;
  std::vector<std::pair<size_t, size_t>> stack_;
  size_t next_root_ = 0;
};

// "session:<id>" for a stored session aggregate, which the aggregator
// starts with its session_id; "" for any other layout (priced uncached).
// Only the hit rate depends on this: PricedCache checks the bytes.
std::string SessionCacheKey(std::string_view aggregate) {
  constexpr std::string_view kPrefix = "{\"session_id\":\"";
  if (aggregate.substr(0, kPrefix.size()) != kPrefix) return "";
  size_t end = aggregate.find('"', kPrefix.size());
  if (end == std::string_view::npos) return "";
  std::string_view id = aggregate.substr(kPrefix.size(), end - kPrefix.size());
  if (id.find('\\') != std::string_view::npos) return "";  // escaped: not the raw id
  return "session:" + std::string(id);
}

class SessionPages : public http::BodySource {
 public:
  SessionPages(StoreOpener* opener, PricedCache* cache, const PriceTable* prices,
               SessionFilter filter, size_t limit, size_t offset)
      : opener_(opener),
        cache_(cache),
        prices_(prices),
        filter_(std::move(filter)),
        limit_(limit),
        offset_(offset) {}

  Result<bool> Next(std::string* out) override {
    Result<std::shared_ptr<Store>> store = OpenStore(opener_);
    if (!store.ok()) return store.status();
    size_t want = std::min(limit_ - sent_, part_.count);
    Result<SessionPage> page = (*store)->FindSessions(filter_, want, offset_ + sent_);
    if (!page.ok()) return page.status();
    if (sent_ == 0) total_ = page->total;
    size_t bytes = 0;
    for (std::string& session : page->sessions) {
      std::string key = SessionCacheKey(session);
      session = key.empty() ? AddCost(std::move(session), prices_)
                            : cache_->Priced(key, std::move(session));
      if (sent_++) *out += ',';
      *out += session;
      bytes += session.size();
    }
    if (page->sessions.size() == want && sent_ < limit_) {
      part_.Learn(bytes, page->sessions.size());
      return true;
    }
    *out += "],\"total\":" + std::to_string(total_) + ",\"limit\":" + std::to_string(limit_) +
            ",\"offset\":" + std::to_string(offset_) + "}";
    return false;
  }

 private:
  StoreOpener* opener_;
  PricedCache* cache_;
  const PriceTable* prices_;
  const SessionFilter filter_;
  const size_t limit_, offset_;
  size_t sent_ = 0;
  uint64_t total_ = 0;
  PartSize part_;
};

class ToolPages : public http::BodySource {
 public:
  explicit ToolPages(StoreOpener* opener) : opener_(opener) {}

  Result<bool> Next(std::string* out) override {
    Result<std::shared_ptr<Store>> store = OpenStore(opener_);
    if (!store.ok()) return store.status();
    Result<ToolPage> page = (*store)->ListTools(after_, part_.count);
    if (!page.ok()) return page.status();
    size_t bytes = 0;
    for (const std::string& tool : page->tools) {
      if (!first_) *out += ',';
      first_ = false;
      *out += tool;
      bytes += tool.size();
    }
    if (page->tools.size() < part_.count) {
      *out += "]}";
      return false;
    }
    after_ = std::move(page->last_name);
    part_.Learn(bytes, page->tools.size());
    return true;
  }

 private:
  StoreOpener* opener_;
  std::string after_;
  bool first_ = true;
  PartSize part_;
};

}  // namespace

Result<std::optional<http::Response>> StreamTaskTree(StoreOpener* opener,
                                                     const std::string& task_id,
                                                     size_t max_events) {
  Result<std::shared_ptr<Store>> store = OpenStore(opener);
  if (!store.ok()) return store.status();
  Result<TaskKeys> keys = ReadTaskKeys(store->get(), task_id, max_events + 1);
  if (!keys.ok()) return keys.status();
  if (keys->seqs.empty()) return std::optional<http::Response>();
  bool truncated = keys->seqs.size() > max_events;
  if (truncated) {
    keys->seqs.resize(max_events);
    keys->keys.resize(max_events);
  }
  std::string head = TaskTreeHead(task_id, keys->seqs.size(), truncated);
  TaskTreeShape shape = NestByParent(keys->keys);
  auto body = std::make_shared<TaskTreeBody>(opener, std::move(keys->seqs), std::move(shape));
  Result<http::Response> r = Begin(std::move(body), std::move(head));
  if (!r.ok()) return r.status();
  return std::optional<http::Response>(std::move(*r));
}

Result<http::Response> StreamSessions(StoreOpener* opener, PricedCache* cache,
                                      const PriceTable* prices, const SessionFilter& filter,
                                      size_t limit, size_t offset) {
  return Begin(std::make_shared<SessionPages>(opener, cache, prices, filter, limit, offset),
               "{\"sessions\":[");
}

Result<http::Response> StreamTools(StoreOpener* opener) {
  return Begin(std::make_shared<ToolPages>(opener), "{\"tools\":[");
}

}  // namespace trace
