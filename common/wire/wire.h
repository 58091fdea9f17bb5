// The ZeroMQ wire between the tools (proto/wire.md): event messages on
// PUB/SUB, the control exchange (control.h), and one poll over sockets and
// file descriptors. The only code that includes zmq.hpp is wire.cc: every
// ZeroMQ error becomes a Status there, and no ZeroMQ type leaves it.
// Each socket is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace trace::wire {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 28;
// Heartbeat interval of the links remote tails open (Socket::UseHeartbeats).
inline constexpr int kRemoteHeartbeatMs = 5000;

// Frame 2 of an event message. publisher_id is stable for one publisher
// (e.g. a trace-tail with a given state file); epoch changes every time it
// starts; pub_seq counts its messages 1, 2, 3 … within an epoch.
struct Header {
  uint64_t publisher_id = 0;
  uint64_t epoch = 0;
  uint64_t pub_seq = 0;
};

std::string EncodeHeader(const Header& h);
Result<Header> DecodeHeader(std::string_view frame);

// One received event message.
struct Message {
  std::string topic;
  Header header;
  std::string body;  // the event JSON
};

// CURVE keys (proto/wire.md "Encryption and authentication") are
// 40-character Z85 strings.
struct CurveKeypair {
  std::string public_key, secret_key;
};
// Whether this libzmq was built with CURVE (Debian's is, with libsodium).
bool CurveAvailable();
Result<CurveKeypair> NewCurveKeypair();
// The public key of a Z85 secret key; an error when it is not one.
Result<std::string> CurvePublicKey(std::string_view secret_key);

// The process's ZeroMQ context: made once in main, outlives its sockets.
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Whether a CURVE client may connect, from its Z85 public key and its
  // peer address. Called on the authenticator's own thread.
  using Authorizer = std::function<bool(const std::string& public_key, const std::string& address)>;
  // Starts the ZAP handler (ZeroMQ RFC 27) that every CURVE server socket
  // of this context asks about each client; call once, before binding them.
  // It runs on a thread of its own until the context is destroyed.
  Status StartAuthenticator(Authorizer authorize);

 private:
  friend class Socket;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What every socket shares: endpoints are ZeroMQ's ("tcp://127.0.0.1:5556").
class Socket {
 public:
  virtual ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Status Bind(const std::string& endpoint);
  Status Connect(const std::string& endpoint);
  // CURVE for the connections made after the call (so: before Bind/Connect).
  // A server takes its secret key and asks the context's authenticator;
  // a client takes its own keypair and the server's public key.
  Status UseCurveServer(std::string_view secret_key);
  Status UseCurveClient(const CurveKeypair& own, std::string_view server_key);
  // ZMTP heartbeats on this socket's connections: a peer silent for three
  // intervals is dropped (and, on the connecting side, reconnected). For
  // links across networks, which NAT or a sleeping laptop kill silently.
  Status UseHeartbeats(int interval_ms);
  // The endpoint actually bound ("tcp://127.0.0.1:41234" for a ":*" bind).
  std::string LastEndpoint() const;

 protected:
  Socket(Context& ctx, int type);
  // Sends frames as one message. False (ok) when not sent: the queue is full
  // (dont_wait), or, on a ROUTER, the peer is unknown, which also sets
  // *unreachable when given.
  Result<bool> SendFrames(std::span<const std::string_view> frames, bool dont_wait,
                          bool* unreachable = nullptr);
  // Receives one whole message if one is waiting within timeout_ms (-1 blocks).
  Result<bool> ReceiveFrames(std::vector<std::string>* frames, int timeout_ms);

  // The ZeroMQ socket (wire.cc only: the derived sockets live there too).
  struct Impl;
  std::unique_ptr<Impl> impl_;

 private:
  friend class Poller;
  friend class ConnectionMonitor;
};

// A PUB socket numbering what it sends.
class Publisher : public Socket {
 public:
  Publisher(Context& ctx, uint64_t publisher_id, uint64_t epoch);
  // Sends topic/header/body; pub_seq is assigned here. Blocks only if the
  // high-water mark is reached on a connected peer (the HWM is set high; PUB
  // drops at HWM, which the index's gap detection repairs).
  Status Send(std::string_view topic, std::string_view body);
  const Header& last_header() const { return header_; }
  // Messages queued per subscriber before PUB drops (default 1,000,000);
  // set before Bind/Connect. Low values let tests overflow it on purpose.
  Status SetHighWaterMark(int messages);

 private:
  Header header_;
};

// A SUB socket with prefix subscriptions.
class Subscriber : public Socket {
 public:
  explicit Subscriber(Context& ctx);
  void SubscribeTo(std::string_view prefix);
  // Receives one message if one is waiting within timeout_ms (-1 = block).
  // Returns false with ok status on timeout; an error for malformed messages
  // (the bad message is consumed).
  Result<bool> Receive(Message* out, int timeout_ms);
};

// Connection events of another socket (ZeroMQ's socket monitor): pollable;
// Next reports whether the watched socket is now connected. With
// after_handshake, "connected" means the ZMTP handshake succeeded (CURVE
// accepted), and a refused handshake is logged and reported as disconnected.
class ConnectionMonitor : public Socket {
 public:
  ConnectionMonitor(Context& ctx, Socket& watched, bool after_handshake = false);
  ~ConnectionMonitor() override;
  // The next event if one is waiting: true connected, false disconnected.
  Result<std::optional<bool>> Next();

 private:
  Socket& watched_;
  bool after_handshake_;
};

// One poll over sockets and file descriptors, for a thread's event loop.
class Poller {
 public:
  // Returns the item's index for Ready.
  size_t Add(Socket& socket);
  size_t AddFd(int fd);
  // Waits up to timeout_ms (-1: forever) for input on any item. A signal
  // (EINTR) returns ok with nothing ready, so the loop checks its stop flag.
  Status Wait(int timeout_ms);
  bool Ready(size_t index) const;
  void Clear();

 private:
  struct Item {
    Socket* socket = nullptr;
    int fd = -1;
    bool ready = false;
  };
  std::vector<Item> items_;
};

}  // namespace trace::wire
