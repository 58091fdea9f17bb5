// Starts one SSE stream on a socket detached from its HTTP handler: writes the
// response head and the retry hint, replays from the store everything after
// Last-Event-ID that matches the filter, then hands the socket to the SseHub
// with the live events buffered meanwhile (SseHub::StartBuffering), so the
// switch from replay to live has no gap and no duplicate. A Last-Event-ID above
// the store's last seq (a rebuilt store) gets `event: reset` instead of a replay
// (proto/sse.md). Replay reads pages of bounded bytes, each in its own read
// transaction. Runs on a thread of the HTTP server's (the hub never waits on the store).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/gateway/sse_hub.h"
#include "common/http/http_message.h"

namespace trace {

class SseStreamer : public http::StreamSink {
 public:
  // Up to max stored events with seq > after matching filter, oldest first.
  using Replay = std::function<Result<std::vector<std::string>>(
      uint64_t after, const http::StreamFilter& filter, size_t max)>;
  // The store's last seq (to tell a rebuilt store from a resume).
  using LastSeq = std::function<Result<uint64_t>()>;
  struct Options {
    int retry_ms = 3000;           // the "retry:" hint sent first
    int write_timeout_ms = 10000;  // a replaying client that stalls this long is dropped
    int send_buffer = 0;           // SO_SNDBUF of stream sockets; 0 = kernel default
  };

  SseStreamer(SseHub* hub, Replay replay, LastSeq last_seq, Options options);
  // A slot in the hub (its connection cap).
  bool Reserve() override;
  void Unreserve() override;
  // Takes ownership of fd (connected, slot reserved in the hub). headers are
  // extra response headers (CORS). Returns when the stream is live in the
  // hub or the client is gone.
  void Run(int fd, const http::StreamStart& start, const http::Params& headers) override;
  uint64_t replayed() const { return replayed_; }
  uint64_t resets() const { return resets_; }

 private:
  // Replays after *last; false when the client is gone or the store failed.
  bool ReplayFrom(int fd, const http::StreamFilter& filter, uint64_t* last);
  // When after is above the store's last seq: writes `event: reset` and sets
  // *last to the store's last seq. False when no reset was needed.
  bool ResetIfAhead(int fd, uint64_t after, uint64_t* last, bool* ok);

  SseHub* hub_;
  Replay replay_;
  LastSeq last_seq_;
  const Options options_;
  std::atomic<uint64_t> replayed_{0};
  std::atomic<uint64_t> resets_{0};
};

// Writes all of data to a blocking socket; false on error or timeout.
bool WriteAll(int fd, std::string_view data);

}  // namespace trace
