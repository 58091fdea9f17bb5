// trace-tail's side of the control exchange (proto/wire.md): answers HELLO
// with STATE (ids, pub_seq, positions), REWIND with REWOUND after moving
// the follower's read positions, and CREDIT with CREDITED (the backlog)
// after handing the grant to the CreditGate, on the wire's ControlServer
// (bound) or, for a remote tail that opens its own connections, on a
// ControlDealer connected to the index, announcing STATE on each
// (re)connection. Called from the tail's event loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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
  // Instead of Bind: connects to a trace-index's --listen-control. With
  // curve (own keypair, and the index's public key) the link is encrypted
  // and the index checks our key; null: plain.
  Status Connect(const std::string& endpoint, const wire::CurveKeypair* curve,
                 const std::string& server_key);
  // What the loop polls.
  std::vector<wire::Socket*> sockets();
  // Answers every request already waiting; never blocks.
  Status HandleWaiting();

  // The request/reply logic without sockets (unit-testable).
  wire::ControlMessage Answer(const wire::ControlMessage& request);

 private:
  wire::ControlMessage State() const;
  wire::ControlMessage Rewind(std::string_view body);
  wire::ControlMessage Credit(std::string_view body);

  // Announces STATE if the dealer has (re)connected since the last call, or
  // when the index has said nothing for kReannounceMs while connected: an
  // index that dropped or refused our link (full queue, link cap) learns of
  // us again without a new handshake.
  Status AnnounceOnConnect();
  static constexpr int64_t kReannounceMs = 5000;

  wire::Context& ctx_;
  wire::ControlServer server_;
  std::unique_ptr<wire::ControlDealer> dealer_;       // Connect's socket
  std::unique_ptr<wire::ConnectionMonitor> monitor_;  // the dealer's handshakes
  TailFollower* follower_;
  std::function<uint64_t()> pub_seq_;
  uint64_t publisher_id_;
  uint64_t epoch_;
  CreditGate* gate_ = nullptr;
  NowFn now_ = NowMs;
  bool connected_ = false;
  int64_t last_heard_ms_ = 0, last_announce_ms_ = 0;  // the dealer's
};

}  // namespace trace
