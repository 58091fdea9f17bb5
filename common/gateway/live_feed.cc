// Live feed loop: one poll over the SUB socket and its connection monitor,
// with a 500 ms tick that catches up from the store when the feed is silent.
#include "common/gateway/live_feed.h"

#include <cstring>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/base/shutdown.h"
#include "common/json/json.h"

namespace trace {

namespace {
constexpr int kTickMs = 500;
constexpr size_t kFillPage = 1000;
}  // namespace

LiveFeed::LiveFeed(wire::Context& ctx, std::string endpoint, StoreView store, SseHub* hub)
    : ctx_(ctx), endpoint_(std::move(endpoint)), store_(std::move(store)), hub_(hub) {}

LiveFeed::~LiveFeed() { Stop(); }

Status LiveFeed::Start() {
  if (store_.last_seq) {
    Result<uint64_t> last = store_.last_seq();
    if (last.ok()) last_seq_ = *last;
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void LiveFeed::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void LiveFeed::Run() {
  Status st = StatusOfCall([this] { return Loop(); });
  if (st.ok()) return;
  failed_ = true;
  connected_ = false;
  log::Error("live feed stopped", {{"endpoint", endpoint_}, {"error", st.message()}});
  shutdown::Request();
}

Status LiveFeed::Loop() {
  wire::Subscriber sub(ctx_);
  sub.SubscribeTo("");
  wire::ConnectionMonitor monitor(ctx_, sub);
  if (Status s = sub.Connect(endpoint_); !s.ok()) return s;
  int64_t next_tick = NowMs() + kTickMs;
  while (!stop_) {
    wire::Poller poller;
    size_t feed = poller.Add(sub), events = poller.Add(monitor);
    if (Status st = poller.Wait(100); !st) return st;
    if (poller.Ready(events)) {
      auto connected = monitor.Next();
      if (!connected) return connected.status();
      if (*connected) {
        connected_ = **connected;
        log::Info(connected_ ? "live feed connected" : "live feed disconnected",
                  {{"endpoint", endpoint_}});
      }
    }
    for (int i = 0; i < 1000 && poller.Ready(feed); ++i) {
      wire::Message m;
      Result<bool> got = sub.Receive(&m, 0);
      if (!got.ok()) {
        malformed_++;
        continue;
      }
      if (!*got) break;
      OnMessage(m.body);
    }
    if (NowMs() >= next_tick) {
      CatchUpIfSilent();
      next_tick = NowMs() + kTickMs;
    }
  }
  return Status::Ok();
}

void LiveFeed::OnMessage(const std::string& body) {
  received_++;
  Result<LiveEventPtr> e = MakeLiveEvent(body);
  if (!e.ok()) {
    malformed_++;
    log::Warn("live feed: bad event", {{"error", e.status().message()}});
    return;
  }
  uint64_t seq = (*e)->seq;
  uint64_t last = last_seq_.load();
  if (seq <= last) return;  // already published (filled from the store)
  if (last != 0 && seq > last + 1) FillFromStore(seq - 1);
  if (seq <= last_seq_.load()) return;
  Emit(std::move(*e));
}

void LiveFeed::Emit(LiveEventPtr e) {
  last_seq_ = e->seq;
  last_event_ms_ = NowMs();
  hub_->Publish(std::move(e));
}

void LiveFeed::FillFromStore(uint64_t upto) {
  if (!store_.events_after) return;
  while (last_seq_.load() < upto && !stop_) {
    Result<std::vector<std::string>> page = store_.events_after(last_seq_.load(), kFillPage);
    if (!page.ok()) {
      log::Warn("live feed: store read failed", {{"error", page.status().message()}});
      return;
    }
    if (page->empty()) return;
    for (const std::string& json : *page) {
      Result<LiveEventPtr> e = MakeLiveEvent(json);
      if (!e.ok() || (*e)->seq <= last_seq_.load()) continue;
      if ((*e)->seq > upto) return;
      filled_++;
      Emit(std::move(*e));
    }
  }
}

void LiveFeed::CatchUpIfSilent() {
  if (!store_.last_seq) return;
  Result<uint64_t> stored = store_.last_seq();
  if (!stored.ok()) return;
  if (last_seq_.load() == 0) {
    // The store just appeared: start live from its end.
    last_seq_ = *stored;
    return;
  }
  // The index commits before it publishes, so a stored seq we have not seen
  // after a quiet tick was dropped on the way (or is about to arrive: the
  // dedupe by seq makes either order safe).
  if (*stored > last_seq_.load() && NowMs() - last_event_ms_.load() >= kTickMs) {
    FillFromStore(*stored);
  }
}

}  // namespace trace
