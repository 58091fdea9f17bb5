// Live feed loop: zmq poll over the SUB socket and its monitor, with a
// one-second tick that catches up from the store when the feed is silent.
#include "common/gateway/live_feed.h"

#include <cstring>

#include "common/json/json.h"
#include "common/base/log.h"
#include "common/wire/wire.h"

namespace trace {

namespace {
constexpr int kTickMs = 500;
constexpr size_t kFillPage = 1000;
}  // namespace

LiveFeed::LiveFeed(zmq::context_t& ctx, std::string endpoint, StoreView store, SseHub* hub)
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
  wire::Subscriber sub(ctx_);
  sub.SubscribeTo("");
  monitor_endpoint_ = "inproc://gateway-feed-monitor-" + std::to_string(wire::RandomId());
  zmq_socket_monitor(sub.socket().handle(), monitor_endpoint_.c_str(),
                     ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED);
  monitor_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
  monitor_->set(zmq::sockopt::linger, 0);
  monitor_->connect(monitor_endpoint_);
  Status s = sub.Connect(endpoint_);
  if (!s.ok()) {
    log::Error("live feed connect failed", {{"endpoint", endpoint_}, {"error", s.message()}});
  }
  int64_t next_tick = json::NowMs() + kTickMs;
  while (!stop_) {
    zmq::pollitem_t items[] = {{sub.socket().handle(), 0, ZMQ_POLLIN, 0},
                               {monitor_->handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      log::Error("live feed poll failed", {{"error", e.what()}});
      break;
    }
    if (items[1].revents & ZMQ_POLLIN) OnMonitor();
    for (int i = 0; i < 1000 && (items[0].revents & ZMQ_POLLIN); ++i) {
      wire::Message m;
      Result<bool> got = sub.Receive(&m, 0);
      if (!got.ok()) {
        malformed_++;
        continue;
      }
      if (!*got) break;
      OnMessage(m.body);
    }
    if (json::NowMs() >= next_tick) {
      CatchUpIfSilent();
      next_tick = json::NowMs() + kTickMs;
    }
  }
  zmq_socket_monitor(sub.socket().handle(), nullptr, 0);
  monitor_.reset();
}

void LiveFeed::OnMonitor() {
  zmq::message_t event_frame, address_frame;
  if (!monitor_->recv(event_frame, zmq::recv_flags::dontwait)) return;
  if (event_frame.more()) (void)monitor_->recv(address_frame, zmq::recv_flags::dontwait);
  if (event_frame.size() < 2) return;
  uint16_t event;
  std::memcpy(&event, event_frame.data(), sizeof event);
  connected_ = event == ZMQ_EVENT_CONNECTED;
  log::Info(connected_ ? "live feed connected" : "live feed disconnected",
            {{"endpoint", endpoint_}});
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
  last_event_ms_ = json::NowMs();
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
  if (*stored > last_seq_.load() && json::NowMs() - last_event_ms_.load() >= kTickMs) {
    FillFromStore(*stored);
  }
}

}  // namespace trace
