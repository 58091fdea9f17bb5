// The gateway's live feed: subscribes to trace-index's PUB of committed
// events (proto/wire.md), turns each into a shared SSE frame and publishes it
// to the SseHub in seq order. PUB/SUB may drop; the store may not: a gap in
// seq (or silence while the store grew) is filled by reading the store, so
// live clients see every committed event exactly once.
// One thread of its own; the accessors are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/gateway/sse_hub.h"
#include "common/wire/wire.h"

namespace trace {

class LiveFeed {
 public:
  // What the feed needs from the store (empty functions: no store yet).
  struct StoreView {
    std::function<Result<uint64_t>()> last_seq;
    // Up to max stored events with seq > after, oldest first.
    std::function<Result<std::vector<std::string>>(uint64_t after, size_t max)> events_after;
  };

  LiveFeed(wire::Context& ctx, std::string endpoint, StoreView store, SseHub* hub);
  ~LiveFeed();
  Status Start();
  void Stop();

  bool connected() const { return connected_.load(); }
  // False once the feed's thread has stopped on an error (it requested
  // shutdown; /health reports the stream as not ready).
  bool running() const { return !failed_.load(); }
  uint64_t last_seq() const { return last_seq_.load(); }
  uint64_t received() const { return received_.load(); }
  uint64_t filled() const { return filled_.load(); }
  uint64_t malformed() const { return malformed_.load(); }
  int64_t last_event_ms() const { return last_event_ms_.load(); }

 private:
  // The thread's entry: runs Loop; an error or exception ends the feed
  // with one log line and a shutdown request (the gateway cannot serve a
  // live stream without it).
  void Run();
  Status Loop();
  void OnMessage(const std::string& body);
  // Publishes stored events after last_seq_ up to and including upto.
  void FillFromStore(uint64_t upto);
  void CatchUpIfSilent();
  void Emit(LiveEventPtr e);

  wire::Context& ctx_;
  const std::string endpoint_;
  StoreView store_;
  SseHub* hub_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, failed_{false};

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> last_seq_{0};
  std::atomic<uint64_t> received_{0}, filled_{0}, malformed_{0};
  std::atomic<int64_t> last_event_ms_{0};
};

}  // namespace trace
