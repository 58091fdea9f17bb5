// See catchup.h. Rules of proto/wire.md "When trace-index rewinds": on start,
// on a new epoch, on a pub_seq gap, and on silence when STATE shows messages
// we never received. One request in flight per tail.
#include "common/index/catchup.h"

#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/base/log.h"
#include "common/json/json.h"

namespace trace {

// Links at most (one per tail): far above a team, far below harm.
constexpr size_t kMaxLinks = 4096;
constexpr int kMaxRoutedPerTurn = 256;

struct CatchUp::Link {
  std::string endpoint;                         // for logs: the tail's endpoint, or "remote <id>"
  std::unique_ptr<wire::ControlClient> client;  // a dialed tail's own DEALER
  std::string peer;                             // a remote tail's routing id on router_
  bool departed = false;                        // the router no longer knows peer
  bool publisher_known = false;
  uint64_t publisher_id = 0, epoch = 0;
  bool needs_rewind = true;  // every start rewinds
  bool again = false;        // a new loss while a REWIND was in flight
  std::string in_flight;     // "" | "HELLO" | "REWIND"
  int64_t sent_ms = 0;
  int64_t last_hello_ms = 0;
  int64_t rewind_unsent_ms = 0;  // when a REWIND last failed to go out (0: none)
  // Flow control: the last grant sent (for epoch granted_epoch), and the
  // backlog of the last CREDITED.
  uint64_t granted_epoch = 0, granted_limit = 0, granted_received = 0;
  int64_t granted_ms = 0;
  wire::Backlog backlog;
  int64_t backlog_ms = 0;        // 0: none reported
  uint64_t max_ahead = 0;        // the tail's cap on a grant (CREDITED); 0: none
  uint64_t suspect_pub_seq = 0;  // a STATE's unseen pub_seq, maybe still in flight
};

CatchUp::CatchUp(wire::Context& ctx, std::vector<std::string> endpoints, Options options,
                 CommitFn commit)
    : ctx_(ctx), options_(std::move(options)), commit_(std::move(commit)) {
  for (auto& ep : endpoints) {
    auto link = std::make_unique<Link>();
    link->client = std::make_unique<wire::ControlClient>(ctx_);
    link->endpoint = std::move(ep);
    links_.push_back(std::move(link));
  }
}

CatchUp::~CatchUp() = default;

Status CatchUp::Connect() {
  for (auto& l : links_) {
    if (Status st = l->client->Connect(l->endpoint); !st) return st.Wrap("tail control");
  }
  return Status::Ok();
}

Status CatchUp::Listen(const std::string& endpoint, const std::string& curve_secret) {
  router_ = std::make_unique<wire::ControlRouter>(ctx_);
  if (Status st = router_->UseHeartbeats(wire::kRemoteHeartbeatMs); !st) return st;
  if (!curve_secret.empty()) {
    if (Status st = router_->UseCurveServer(curve_secret); !st) return st.Wrap("listen control");
  }
  if (Status st = router_->Bind(endpoint); !st) return st.Wrap("listen control");
  return Status::Ok();
}

std::vector<wire::Socket*> CatchUp::sockets() {
  std::vector<wire::Socket*> out;
  for (auto& l : links_) {
    if (l->client) out.push_back(l->client.get());
  }
  if (router_) out.push_back(router_.get());
  return out;
}

bool CatchUp::Observe(const wire::Header& h) {
  PublisherTrack& t = tracks_[h.publisher_id];
  last_message_ms_[h.publisher_id] = options_.now();
  if (!t.known || t.epoch != h.epoch) {
    if (t.known) {
      Schedule(h.publisher_id, "new epoch", h.pub_seq, t.last_pub_seq);
    } else if (!Linked(h.publisher_id)) {
      // A publisher no link has reported: a tail restarted under a new id.
      // Relearn who is behind each control socket, and rewind them.
      // (Remote tails need no relearning: each announces itself.)
      for (auto& l : links_) {
        if (l->client) l->publisher_known = false;
      }
      Schedule(h.publisher_id, "unknown publisher", h.pub_seq, 0);
    }  // else: that link's start-up rewind is already pending
    t = {h.epoch, h.pub_seq, true, false};
    return false;
  }
  if (h.pub_seq == t.last_pub_seq + 1) {
    t.last_pub_seq = h.pub_seq;
    return t.synced;
  }
  if (h.pub_seq > t.last_pub_seq + 1) {
    Schedule(h.publisher_id, "pub_seq gap", h.pub_seq, t.last_pub_seq);
    t.synced = false;
    t.last_pub_seq = h.pub_seq;
  }
  return false;
}

bool CatchUp::Linked(uint64_t publisher_id) const {
  for (const auto& l : links_) {
    if (l->publisher_known && l->publisher_id == publisher_id) return true;
  }
  return false;
}

void CatchUp::Schedule(uint64_t publisher_id, const char* why, uint64_t pub_seq, uint64_t last) {
  log::Info("rewind needed", {{"publisher", Hex16(publisher_id)},
                              {"why", why},
                              {"pub_seq", pub_seq},
                              {"last_pub_seq", last}});
  for (auto& l : links_) {
    if (l->publisher_known && l->publisher_id != publisher_id) continue;
    if (l->in_flight == wire::kRewind)
      l->again = true;
    else
      l->needs_rewind = true;
  }
}

void CatchUp::RequestRewindAll() {
  for (auto& l : links_) {
    if (l->in_flight == wire::kRewind)
      l->again = true;
    else
      l->needs_rewind = true;
  }
}

Result<bool> CatchUp::Deliver(Link& link, const wire::ControlMessage& m) {
  bool gone = false;
  Result<bool> sent = link.client ? link.client->Send(m) : router_->SendTo(link.peer, m, &gone);
  // A peer the router no longer knows re-announces when back; a full queue
  // is only busy: the link stays, and the send is retried.
  if (gone) link.departed = true;
  return sent;
}

Result<bool> CatchUp::Send(Link& link, std::string_view cmd, std::string body, int64_t now_ms) {
  Result<bool> sent = Deliver(link, {std::string(cmd), std::move(body)});
  if (!sent || !*sent) return sent;  // not connected: the caller retries next tick
  link.in_flight = cmd;
  link.sent_ms = now_ms;
  return true;
}

Status CatchUp::SendRewind(Link& link, int64_t now_ms) {
  auto sources = commit_();
  if (!sources) return sources.status();
  std::vector<wire::SourcePoint> points;
  for (const auto& [id, o] : *sources) points.push_back({id, o.path, o.offset, o.fingerprint});
  auto sent = Send(link, wire::kRewind, wire::EncodeRewind(points), now_ms);
  if (!sent) return sent.status();
  if (!*sent) {  // still needed: retried by Tick
    link.rewind_unsent_ms = now_ms;
    return Status::Ok();
  }
  link.rewind_unsent_ms = 0;
  link.needs_rewind = false;
  link.again = false;
  ++rewinds_;
  log::Info("rewind",
            {{"tail", link.endpoint}, {"sources", static_cast<uint64_t>(sources->size())}});
  return Status::Ok();
}

Status CatchUp::Tick(int64_t now_ms) {
  for (auto& l : links_) {
    if (Status st = TickLink(*l, now_ms); !st) return st;
    if (Status st = Grant(*l, now_ms); !st) return st;
  }
  ForgetDepartedLinks();
  return Status::Ok();
}

Status CatchUp::TickLink(Link& l, int64_t now_ms) {
  if (!l.in_flight.empty() && now_ms - l.sent_ms > options_.reply_timeout_ms) {
    if (l.in_flight == wire::kRewind) l.needs_rewind = true;
    l.in_flight.clear();
  }
  if (!l.in_flight.empty()) return Status::Ok();
  if (l.needs_rewind && l.publisher_known) {
    // A REWIND that could not go out (tail not connected yet) is retried a
    // few times a second, each time with freshly committed offsets.
    if (l.rewind_unsent_ms && now_ms - l.rewind_unsent_ms < options_.silence_ms / 4)
      return Status::Ok();
    return SendRewind(l, now_ms);
  }
  int64_t last = l.publisher_known ? last_message_ms_[l.publisher_id] : 0;
  bool silent = now_ms - last >= options_.silence_ms;
  // Identify the tail quickly when a rewind waits for it; else probe once
  // per silence period.
  int64_t every = l.needs_rewind ? options_.silence_ms / 4 : options_.silence_ms;
  if ((l.needs_rewind || silent) && now_ms - l.last_hello_ms >= every) {
    l.last_hello_ms = now_ms;
    if (auto sent = Send(l, wire::kHello, "{}", now_ms); !sent) return sent.status();
  }
  return Status::Ok();
}

// The window moves on only while the stream is in sync (after a REWOUND,
// no gap since): during a rewind the old grant is only renewed, so the tail
// does not publish much of what the rewind is about to send again.
Status CatchUp::Grant(Link& l, int64_t now_ms) {
  if (options_.credit_window == 0 || !l.publisher_known) return Status::Ok();
  if (l.granted_epoch != l.epoch) l.granted_limit = 0;
  const PublisherTrack& t = tracks_[l.publisher_id];
  bool synced =
      t.known && t.epoch == l.epoch && t.synced && !l.needs_rewind && l.in_flight != wire::kRewind;
  uint64_t window = options_.credit_window;
  if (l.max_ahead > 0) window = std::min(window, l.max_ahead);
  uint64_t limit = synced ? t.last_pub_seq + window : l.granted_limit;
  if (limit == 0) return Status::Ok();  // nothing granted yet: wait for the sync
  // Moved on: a quarter of the window arrived since the last grant (the
  // tail may cap a grant lower than the index meant: count what arrived).
  bool moved = synced && (l.granted_limit == 0 ||
                          t.last_pub_seq >= l.granted_received + std::max<uint64_t>(1, window / 4));
  if (!moved && now_ms - l.granted_ms < options_.credit_every_ms) return Status::Ok();
  wire::CreditGrant g{options_.index_id, l.publisher_id, l.epoch, t.last_pub_seq, limit};
  auto sent = Deliver(l, {std::string(wire::kCredit), wire::EncodeCredit(g)});
  if (!sent) return sent.status();
  if (!*sent) return Status::Ok();
  l.granted_epoch = l.epoch;
  l.granted_limit = limit;
  l.granted_received = t.last_pub_seq;
  l.granted_ms = now_ms;
  ++credits_;
  return Status::Ok();
}

void CatchUp::TakeCredited(Link& l, const wire::ControlMessage& reply, int64_t now_ms) {
  auto r = wire::DecodeCredited(reply.body);
  if (!r) {
    log::Warn("bad control reply", {{"tail", l.endpoint}, {"error", r.status().message()}});
    return;
  }
  l.backlog = r->backlog;
  l.backlog_ms = now_ms;
  l.max_ahead = r->max_ahead;
  if (!r->accepted && l.publisher_known) {
    // The grant named an epoch the tail no longer has: it restarted. Learn
    // who it is now; a new epoch is rewound in any case.
    log::Info("rewind needed", {{"tail", l.endpoint}, {"why", "credit refused: tail restarted"}});
    l.publisher_known = false;
    l.needs_rewind = true;
    l.granted_limit = 0;
  }
}

wire::Backlog CatchUp::TailBacklog(int64_t now_ms, uint64_t* tails) const {
  wire::Backlog sum;
  *tails = 0;
  for (const auto& l : links_) {
    if (l->backlog_ms == 0 || now_ms - l->backlog_ms > options_.reply_timeout_ms) continue;
    ++*tails;
    sum.files += l->backlog.files;
    sum.files_behind += l->backlog.files_behind;
    sum.bytes_total += l->backlog.bytes_total;
    sum.bytes_left += l->backlog.bytes_left;
  }
  return sum;
}

void CatchUp::ForgetDepartedLinks() {
  std::erase_if(links_, [](const std::unique_ptr<Link>& l) {
    if (l->departed) log::Info("remote tail gone", {{"tail", l->endpoint}});
    return l->departed;
  });
}

Status CatchUp::HandleReplies(int64_t now_ms) {
  for (auto& l : links_) {
    for (; l->client;) {
      wire::ControlMessage reply;
      auto got = l->client->Receive(&reply);
      if (!got) {  // a malformed reply: consumed, reported, the next one read
        log::Warn("bad control reply", {{"tail", l->endpoint}, {"error", got.status().message()}});
        continue;
      }
      if (!*got) break;
      if (Status st = HandleReply(*l, reply, now_ms); !st) {
        log::Warn("bad control reply", {{"tail", l->endpoint}, {"error", st.message()}});
      }
    }
  }
  // A bounded number per turn: a peer sending fast must not keep the loop
  // (and so the events) waiting; the rest is read on the next turn.
  for (int n = 0; router_ && n < kMaxRoutedPerTurn; ++n) {
    std::string peer;
    wire::ControlMessage m;
    auto got = router_->Receive(&peer, &m);
    if (!got) {
      log::Warn("bad control message", {{"error", got.status().message()}});
      continue;
    }
    if (!*got) break;
    HandleRouted(peer, m, now_ms);
  }
  return Status::Ok();
}

void CatchUp::HandleRouted(const std::string& peer, const wire::ControlMessage& m, int64_t now_ms) {
  Link* link = nullptr;
  for (auto& l : links_) {
    if (!l->client && l->peer == peer) link = l.get();
  }
  if (!link) {
    // Only a STATE introduces a tail; anything else from an unknown peer is
    // a reply queued for an index that is gone (the tail reconnected).
    auto state = m.command == wire::kState ? wire::DecodeState(m.body)
                                           : Result<wire::StateReply>(Status::Error("not STATE"));
    if (!state) {
      log::Info("control message from an unannounced tail ignored",
                {{"command", json::SanitizeUtf8(m.command)}});
      return;
    }
    // The same tail on a new connection (it or the network restarted):
    // the old link's peer is gone.
    std::erase_if(links_, [&](const std::unique_ptr<Link>& l) {
      return !l->client && l->publisher_id == state->publisher_id;
    });
    if (links_.size() >= kMaxLinks) {  // a peer announcing ids in a loop must not grow us
      log::Warn("remote tail refused: too many links", {{"links", links_.size()}});
      return;
    }
    auto fresh = std::make_unique<Link>();
    fresh->peer = peer;
    fresh->endpoint = "remote " + Hex16(state->publisher_id);
    link = fresh.get();
    links_.push_back(std::move(fresh));
    log::Info("remote tail announced", {{"tail", link->endpoint}, {"epoch", Hex16(state->epoch)}});
  }
  if (Status st = HandleReply(*link, m, now_ms); !st)
    log::Warn("bad control reply", {{"tail", link->endpoint}, {"error", st.message()}});
}

Status CatchUp::HandleReply(Link& l, const wire::ControlMessage& reply, int64_t now_ms) {
  if (reply.command == wire::kState) {
    if (l.in_flight == wire::kHello) l.in_flight.clear();
    auto state = wire::DecodeState(reply.body);
    if (!state) return state.status();
    l.publisher_id = state->publisher_id;
    l.epoch = state->epoch;
    l.publisher_known = true;
    const PublisherTrack& t = tracks_[l.publisher_id];
    bool lost = !t.known || t.epoch != l.epoch || state->pub_seq > t.last_pub_seq;
    // Under credit, messages up to the granted limit may still be on their
    // way (the index was busy, not the wire lossy): a loss is only a STATE
    // that shows the same unseen pub_seq a second silence period later.
    bool may_be_in_flight = t.known && t.epoch == l.epoch && l.granted_epoch == l.epoch &&
                            state->pub_seq <= l.granted_limit;
    if (lost && may_be_in_flight && l.suspect_pub_seq != state->pub_seq) {
      l.suspect_pub_seq = state->pub_seq;
      return Status::Ok();
    }
    l.suspect_pub_seq = 0;
    if (lost && !l.needs_rewind) {
      log::Info("rewind needed", {{"tail", l.endpoint},
                                  {"why", "STATE shows unseen messages"},
                                  {"pub_seq", state->pub_seq},
                                  {"last_pub_seq", t.last_pub_seq}});
    }
    if (lost) l.needs_rewind = true;
    return Status::Ok();
  }
  if (reply.command == wire::kRewound) {
    if (l.in_flight == wire::kRewind) l.in_flight.clear();
    auto rewound = wire::DecodeRewound(reply.body);
    if (!rewound) return rewound.status();
    PublisherTrack& t = tracks_[l.publisher_id];
    if (!t.known || t.epoch != l.epoch) t = {l.epoch, rewound->pub_seq, true, false};
    t.last_pub_seq = std::max(t.last_pub_seq, rewound->pub_seq);
    t.synced = true;
    last_message_ms_[l.publisher_id] = now_ms;
    if (l.again) l.needs_rewind = true;
    l.again = false;
    log::Info("rewound",
              {{"tail", l.endpoint}, {"pub_seq", rewound->pub_seq}, {"rewound", rewound->rewound}});
    return Status::Ok();
  }
  if (reply.command == wire::kCredited) {
    TakeCredited(l, reply, now_ms);
    return Status::Ok();
  }
  if (reply.command == wire::kError) {
    l.in_flight.clear();
    return Status::Error(wire::DecodeError(reply.body));
  }
  return Status::Error("unknown reply '" + json::SanitizeUtf8(reply.command) + "'");
}

std::map<std::string, PublisherPosition> CatchUp::Positions() const {
  std::map<std::string, PublisherPosition> out;
  for (const auto& [id, t] : tracks_) {
    if (t.known) out[Hex16(id)] = {t.epoch, t.last_pub_seq};
  }
  return out;
}

}  // namespace trace
