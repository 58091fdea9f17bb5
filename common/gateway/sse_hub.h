// The SSE fan-out: one epoll thread owns every streaming connection. Each
// committed event is encoded once into an SSE frame shared (refcounted) by all
// clients; a client costs a few hundred bytes plus one pointer per queued
// frame. Writes are non-blocking; a client whose queue reaches the bound is
// disconnected (it resumes with Last-Event-ID) and never delays the others.
//
// Threads: Publish from the live-feed thread; Reserve/StartBuffering/Attach
// from HTTP handler threads; the hub thread does all socket I/O. One mutex
// (mu_) guards the hand-over queue and the resume buffers.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/http/http_message.h"

namespace trace {

// One committed event as clients receive it. seq 0 marks a heartbeat, which
// every client gets regardless of its filter.
struct LiveEvent {
  uint64_t seq = 0;
  std::string session_id, task_id, tool_name, event_type;
  std::string user, host;
  std::string frame;  // "event: trace\nid: 7\ndata: {...}\n\n"
};
using LiveEventPtr = std::shared_ptr<const LiveEvent>;

// "event: trace\nid: <seq>\ndata: <json>\n\n" (json must be one line).
std::string SseFrame(uint64_t seq, std::string_view event_json);
// Reads the routing keys of a stored event (with "seq") and encodes its frame.
Result<LiveEventPtr> MakeLiveEvent(std::string_view event_json);
bool FilterMatches(const http::StreamFilter& f, const LiveEvent& e);

class SseHub {
 public:
  struct Options {
    size_t max_clients = 1000;
    size_t max_queue = 1024;     // frames queued per client before it is dropped
    size_t max_pending = 10000;  // live events buffered while a client replays
    int heartbeat_ms = 30000;    // 0: no heartbeats
  };
  struct Stats {
    uint64_t clients = 0, published = 0, delivered = 0, dropped_slow = 0, disconnected = 0;
    std::map<std::string, uint64_t> by_session;  // "" = no session filter
  };
  // Live events collected for one resuming client (see StartBuffering).
  struct Pending;
  using PendingPtr = std::shared_ptr<Pending>;

  explicit SseHub(Options options);
  ~SseHub();
  Status Start();
  // Flushes what each client can take without blocking, closes every stream
  // and joins the hub thread. Later Attach calls just close their socket.
  void Stop();

  // Takes a connection slot; false when max_clients are connected or reserved.
  bool Reserve();
  // Gives back a reserved slot that was never attached.
  void Unreserve();

  // Queues an event for every matching client (feed thread; seqs increasing).
  void Publish(LiveEventPtr event);
  // Resume without gap or duplicate: start buffering live events for filter
  // BEFORE reading the store, replay the store, then Attach with the buffer;
  // the hub sends the buffered events with seq > last_seq, then live ones.
  PendingPtr StartBuffering(const http::StreamFilter& filter);
  // True when the buffer overflowed: drop it and replay again from the store.
  bool Overflowed(const PendingPtr& pending);
  void CancelBuffering(const PendingPtr& pending);
  // Hands over a connected non-blocking socket whose slot was reserved; the hub
  // owns fd from now on. pending may be null (no replay).
  void Attach(int fd, http::StreamFilter filter, uint64_t last_seq, PendingPtr pending);

  Stats GetStats() const;
  uint64_t clients() const { return reserved_.load(); }
  // False once the hub thread has stopped on an error (it closed every
  // stream and requested shutdown; /health reports not ready).
  bool running() const { return !failed_.load(); }

 private:
  struct Client;
  struct Op;
  // The thread's entry: Loop, and on an error or exception one log line,
  // every stream closed, and a shutdown request.
  void Run();
  Status Loop();
  void ProcessOps();
  void AddClient(Op& op);
  void Deliver(const LiveEventPtr& e);
  bool Enqueue(Client* c, const LiveEventPtr& e);
  void Flush(Client* c);
  void SetWantWrite(Client* c, bool want);
  void OnReadable(Client* c);
  void CloseClient(Client* c, bool slow);
  void Heartbeat();
  void CloseAll();

  const Options options_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<size_t> reserved_{0};
  std::atomic<bool> failed_{false};

  mutable std::mutex mu_;  // guards ops_, pendings_, stopped_, stats_ by_session
  std::vector<Op> ops_;
  std::vector<PendingPtr> pendings_;
  bool stopped_ = false;
  std::map<std::string, uint64_t> by_session_;

  // Owned by the hub thread.
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<Client*> dirty_;

  std::atomic<uint64_t> published_{0}, delivered_{0}, dropped_slow_{0}, disconnected_{0};
};

}  // namespace trace
