// trace-tail's side of the control exchange (proto/wire.md): a ROUTER
// socket answering HELLO with STATE (ids, pub_seq, positions) and REWIND
// with REWOUND after moving the follower's read positions. Called from the
// tail's event loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/tail/follower.h"
#include "common/base/status.h"

namespace trace {

class TailControl {
 public:
  // pub_seq reports the last sequence number published.
  TailControl(zmq::context_t& ctx, TailFollower* follower, std::function<uint64_t()> pub_seq,
              uint64_t publisher_id, uint64_t epoch);
  Status Bind(const std::string& endpoint);
  zmq::socket_t& socket() { return socket_; }
  // Answers every request already waiting; never blocks.
  Status HandleWaiting();

  // The request/reply logic without sockets (unit-testable): command word
  // and JSON body in, reply word and JSON body out.
  void Answer(std::string_view command, std::string_view body, std::string* reply_command,
              std::string* reply_body);

 private:
  std::string State() const;
  std::string Rewind(std::string_view body, std::string* error);

  zmq::socket_t socket_;
  TailFollower* follower_;
  std::function<uint64_t()> pub_seq_;
  uint64_t publisher_id_;
  uint64_t epoch_;
};

// 16 lowercase hex digits, as publisher_id and epoch travel in JSON.
std::string Hex16(uint64_t v);

}  // namespace trace
