// See tail_control.h.
#include "common/tail/tail_control.h"

#include <algorithm>

#include "common/base/log.h"
#include "common/json/json.h"

namespace trace {

TailControl::TailControl(wire::Context& ctx, TailFollower* follower,
                         std::function<uint64_t()> pub_seq, uint64_t publisher_id, uint64_t epoch)
    : ctx_(ctx),
      server_(ctx),
      follower_(follower),
      pub_seq_(std::move(pub_seq)),
      publisher_id_(publisher_id),
      epoch_(epoch) {}

Status TailControl::Bind(const std::string& endpoint) {
  if (Status st = server_.Bind(endpoint); !st) return st.Wrap("control");
  return Status::Ok();
}

Status TailControl::Connect(const std::string& endpoint, const wire::CurveKeypair* curve,
                            const std::string& server_key) {
  dealer_ = std::make_unique<wire::ControlDealer>(ctx_);
  if (Status st = dealer_->UseHeartbeats(wire::kRemoteHeartbeatMs); !st) return st;
  if (curve) {
    if (Status st = dealer_->UseCurveClient(*curve, server_key); !st) return st.Wrap("control");
  }
  // Watched before connecting, so the first handshake is seen too.
  monitor_ = std::make_unique<wire::ConnectionMonitor>(ctx_, *dealer_, true);
  if (Status st = dealer_->Connect(endpoint); !st) return st.Wrap("control");
  return Status::Ok();
}

std::vector<wire::Socket*> TailControl::sockets() {
  if (dealer_) return {dealer_.get(), monitor_.get()};
  return {&server_};
}

Status TailControl::HandleWaiting() {
  auto answer = [this](const wire::ControlMessage& m) { return Answer(m); };
  if (!dealer_) return server_.Serve(answer);
  if (Status st = AnnounceOnConnect(); !st) return st;
  return dealer_->Serve([this](const wire::ControlMessage& m) {
    last_heard_ms_ = now_();
    return Answer(m);
  });
}

// The index knows a remote tail only from what the tail sends: on every new
// connection (first, after the index restarted, after a network cut) the
// tail introduces itself with its STATE.
Status TailControl::AnnounceOnConnect() {
  bool handshake = false;
  for (;;) {
    auto event = monitor_->Next();
    if (!event) return event.status();
    if (!*event) break;
    connected_ = **event;  // the latest event tells whether we are connected now
    handshake = handshake || connected_;
  }
  const int64_t now = now_();
  bool quiet = now - std::max(last_heard_ms_, last_announce_ms_) >= kReannounceMs;
  if (!connected_ || (!handshake && !quiet)) return Status::Ok();
  auto sent = dealer_->Announce(State());
  if (!sent) return sent.status().Wrap("announce");
  last_announce_ms_ = now;
  if (handshake)
    log::Info("control connected", {{"announced", *sent}, {"pub_seq", pub_seq_()}});
  else
    log::Debug("control quiet: announced again", {{"announced", *sent}});
  return Status::Ok();
}

wire::ControlMessage TailControl::Answer(const wire::ControlMessage& request) {
  if (request.command == wire::kHello) return State();
  if (request.command == wire::kRewind) return Rewind(request.body);
  if (request.command == wire::kCredit) return Credit(request.body);
  return {std::string(wire::kError),
          wire::EncodeError("unknown command '" + json::SanitizeUtf8(request.command) + "'")};
}

wire::ControlMessage TailControl::State() const {
  wire::StateReply s{publisher_id_, epoch_, pub_seq_(), {}};
  for (const SourcePosition& p : follower_->Positions())
    s.sources.push_back({p.id, p.path, p.offset, p.fingerprint});
  return {std::string(wire::kState), wire::EncodeState(s)};
}

wire::ControlMessage TailControl::Rewind(std::string_view body) {
  auto points = wire::DecodeRewind(body);
  if (!points) return {std::string(wire::kError), wire::EncodeError(points.status().message())};
  std::vector<SourcePosition> targets;
  for (const wire::SourcePoint& p : *points)
    targets.push_back({p.id, p.path, p.offset, 0, p.fingerprint});
  uint64_t before = pub_seq_();
  int rewound = follower_->Rewind(targets);
  log::Info("rewind", {{"sources", targets.size()}, {"rewound", rewound}, {"pub_seq", before}});
  return {std::string(wire::kRewound), wire::EncodeRewound({before, rewound})};
}

wire::ControlMessage TailControl::Credit(std::string_view body) {
  auto grant = wire::DecodeCredit(body);
  if (!grant) return {std::string(wire::kError), wire::EncodeError(grant.status().message())};
  wire::CreditReply r;
  r.accepted = grant->publisher_id == publisher_id_ && grant->epoch == epoch_;
  if (r.accepted && gate_) r.accepted = gate_->Grant(*grant, now_());
  r.pub_seq = pub_seq_();
  r.backlog = follower_->Backlog();
  if (gate_) r.max_ahead = gate_->max_ahead();
  return {std::string(wire::kCredited), wire::EncodeCredited(r)};
}

}  // namespace trace
