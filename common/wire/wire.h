// ZeroMQ wire format between the tools (proto/wire.md): event messages on
// PUB/SUB and the control exchange between trace-index and trace-tail.
// The only file that includes zmq.hpp; every zmq error becomes a Status here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "common/base/status.h"

namespace trace::wire {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 28;

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

// A PUB socket bound (or connected) to endpoints, numbering what it sends.
// One thread uses it. Endpoint strings are ZeroMQ's ("tcp://127.0.0.1:5556").
class Publisher {
 public:
  Publisher(zmq::context_t& ctx, uint64_t publisher_id, uint64_t epoch);
  Status Bind(const std::string& endpoint);
  Status Connect(const std::string& endpoint);
  // Sends topic/header/body; pub_seq is assigned here. Blocks only if the
  // high-water mark is reached on a connected peer (the HWM is set high; PUB
  // drops at HWM, which the index's gap detection repairs).
  Status Send(std::string_view topic, std::string_view body);
  const Header& last_header() const { return header_; }
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
  Header header_;
};

// A SUB socket with prefix subscriptions.
class Subscriber {
 public:
  explicit Subscriber(zmq::context_t& ctx);
  Status Connect(const std::string& endpoint);
  Status Bind(const std::string& endpoint);
  void SubscribeTo(std::string_view prefix);
  // Receives one message if one is waiting within timeout_ms (-1 = block).
  // Returns false with ok status on timeout; an error for malformed messages
  // (the bad message is consumed).
  Result<bool> Receive(Message* out, int timeout_ms);
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
};

// A random 64-bit id (for epochs and generated publisher ids).
uint64_t RandomId();

// Multipart helpers for the control exchange (ROUTER/DEALER; proto/wire.md).
Status SendFrames(zmq::socket_t& s, const std::vector<std::string>& frames);
// Receives all frames of one message; false on timeout.
Result<bool> ReceiveFrames(zmq::socket_t& s, std::vector<std::string>* frames, int timeout_ms);

// zmq::error_t -> Status("<what>: <zmq message>").
Status FromZmq(const std::string& what, const zmq::error_t& e);

}  // namespace trace::wire
