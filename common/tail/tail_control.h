// trace-tail's side of the control exchange (proto/wire.md): answers HELLO
// with STATE (ids, pub_seq, positions), REWIND with REWOUND after moving
// the follower's read positions, and CREDIT with CREDITED (the backlog)
// after handing the grant to the CreditGate, on the wire's ControlServer.
// Called from the tail's event loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/base/clock.h"
#include "common/base/status.h"
#include "common/tail/credit_gate.h"
#include "common/tail/follower.h"
#include "common/wire/control.h"

namespace trace {

class TailControl {
 public:
  // pub_seq reports the last sequence number published.
  TailControl(wire::Context& ctx, TailFollower* follower, std::function<uint64_t()> pub_seq,
              uint64_t publisher_id, uint64_t epoch);
  Status Bind(const std::string& endpoint);
  // CREDIT goes to gate (which must outlive this); without one, CREDIT is
  // answered (with the backlog) but holds nothing back.
  void SetCreditGate(CreditGate* gate, NowFn now) {
    gate_ = gate;
    now_ = std::move(now);
  }
  wire::Socket& socket() { return server_; }
  // Answers every request already waiting; never blocks.
  Status HandleWaiting();

  // The request/reply logic without sockets (unit-testable).
  wire::ControlMessage Answer(const wire::ControlMessage& request);

 private:
  wire::ControlMessage State() const;
  wire::ControlMessage Rewind(std::string_view body);
  wire::ControlMessage Credit(std::string_view body);

  wire::ControlServer server_;
  TailFollower* follower_;
  std::function<uint64_t()> pub_seq_;
  uint64_t publisher_id_;
  uint64_t epoch_;
  CreditGate* gate_ = nullptr;
  NowFn now_ = NowMs;
};

}  // namespace trace
