// See catchup.h. Rules of proto/wire.md "When trace-index rewinds": on start,
// on a new epoch, on a pub_seq gap, and on silence when STATE shows messages
// we never received. One request in flight per tail.
#include "common/index/catchup.h"

#include <rapidjson/document.h>

#include "common/json/json.h"
#include "common/base/log.h"

namespace trace {

std::string HexId(uint64_t v) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct CatchUp::Link {
  explicit Link(zmq::context_t& ctx) : socket(ctx, zmq::socket_type::dealer) {}
  std::string endpoint;
  zmq::socket_t socket;
  bool publisher_known = false;
  uint64_t publisher_id = 0, epoch = 0;
  bool needs_rewind = true;  // every start rewinds
  bool again = false;        // a new loss while a REWIND was in flight
  std::string in_flight;     // "" | "HELLO" | "REWIND"
  int64_t sent_ms = 0;
  int64_t last_hello_ms = 0;
  int64_t rewind_unsent_ms = 0;  // when a REWIND last failed to go out (0: none)
};

CatchUp::CatchUp(zmq::context_t& ctx, std::vector<std::string> endpoints, Options options,
                 CommitFn commit)
    : ctx_(ctx), options_(options), commit_(std::move(commit)) {
  for (auto& ep : endpoints) {
    auto link = std::make_unique<Link>(ctx_);
    link->endpoint = std::move(ep);
    links_.push_back(std::move(link));
  }
}

CatchUp::~CatchUp() = default;

Status CatchUp::Connect() {
  for (auto& l : links_) {
    try {
      l->socket.set(zmq::sockopt::linger, 0);
      // Queue requests only on live connections: a request to a tail that is
      // down fails now (and is retried) instead of reaching its next instance late.
      l->socket.set(zmq::sockopt::immediate, 1);
      l->socket.connect(l->endpoint);
    } catch (const zmq::error_t& e) {
      return wire::FromZmq("connect tail control '" + l->endpoint + "'", e);
    }
  }
  return Status::Ok();
}

std::vector<zmq::socket_t*> CatchUp::sockets() {
  std::vector<zmq::socket_t*> out;
  for (auto& l : links_) out.push_back(&l->socket);
  return out;
}

bool CatchUp::Observe(const wire::Header& h) {
  PublisherTrack& t = tracks_[h.publisher_id];
  last_message_ms_[h.publisher_id] = json::NowMs();
  if (!t.known || t.epoch != h.epoch) {
    if (t.known) {
      Schedule(h.publisher_id, "new epoch", h.pub_seq, t.last_pub_seq);
    } else if (!Linked(h.publisher_id)) {
      // A publisher no link has reported: a tail restarted under a new id.
      // Relearn who is behind each control socket, and rewind them.
      for (auto& l : links_) l->publisher_known = false;
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
  log::Info("rewind needed", {{"publisher", HexId(publisher_id)}, {"why", why},
                              {"pub_seq", pub_seq}, {"last_pub_seq", last}});
  for (auto& l : links_) {
    if (l->publisher_known && l->publisher_id != publisher_id) continue;
    if (l->in_flight == "REWIND") l->again = true;
    else l->needs_rewind = true;
  }
}

void CatchUp::RequestRewindAll() {
  for (auto& l : links_) {
    if (l->in_flight == "REWIND") l->again = true;
    else l->needs_rewind = true;
  }
}

Result<bool> CatchUp::Send(Link& link, const std::string& cmd, const std::string& body, int64_t now_ms) {
  try {
    if (!link.socket.send(zmq::buffer(cmd), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return false;  // tail not connected: the caller retries next tick
    }
    link.socket.send(zmq::buffer(body), zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    return wire::FromZmq("send " + cmd, e);
  }
  link.in_flight = cmd;
  link.sent_ms = now_ms;
  return true;
}

Status CatchUp::SendRewind(Link& link, int64_t now_ms) {
  auto sources = commit_();
  if (!sources) return sources.status();
  json::StringWriter w;
  w.StartObject();
  w.Key("sources");
  w.StartArray();
  for (const auto& [id, o] : *sources) {
    w.StartObject();
    w.Key("id");
    w.String(id);
    w.Key("path");
    w.String(o.path);
    w.Key("offset");
    w.Uint64(o.offset);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  auto sent = Send(link, "REWIND", w.Take(), now_ms);
  if (!sent) return sent.status();
  if (!*sent) {  // still needed: retried by Tick
    link.rewind_unsent_ms = now_ms;
    return Status::Ok();
  }
  link.rewind_unsent_ms = 0;
  link.needs_rewind = false;
  link.again = false;
  ++rewinds_;
  log::Info("rewind", {{"tail", link.endpoint}, {"sources", static_cast<uint64_t>(sources->size())}});
  return Status::Ok();
}

Status CatchUp::Tick(int64_t now_ms) {
  for (auto& lp : links_) {
    Link& l = *lp;
    if (!l.in_flight.empty() && now_ms - l.sent_ms > options_.reply_timeout_ms) {
      if (l.in_flight == "REWIND") l.needs_rewind = true;
      l.in_flight.clear();
    }
    if (!l.in_flight.empty()) continue;
    if (l.needs_rewind && l.publisher_known) {
      // A REWIND that could not go out (tail not connected yet) is retried a
      // few times a second, each time with freshly committed offsets.
      if (l.rewind_unsent_ms && now_ms - l.rewind_unsent_ms < options_.silence_ms / 4) continue;
      if (Status st = SendRewind(l, now_ms); !st) return st;
      continue;
    }
    int64_t last = l.publisher_known ? last_message_ms_[l.publisher_id] : 0;
    bool silent = now_ms - last >= options_.silence_ms;
    // Identify the tail quickly when a rewind waits for it; else probe once
    // per silence period.
    int64_t every = l.needs_rewind ? options_.silence_ms / 4 : options_.silence_ms;
    if ((l.needs_rewind || silent) && now_ms - l.last_hello_ms >= every) {
      l.last_hello_ms = now_ms;
      if (auto sent = Send(l, "HELLO", "{}", now_ms); !sent) return sent.status();
    }
  }
  return Status::Ok();
}

Status CatchUp::HandleReplies(int64_t now_ms) {
  for (auto& l : links_) {
    for (;;) {
      std::vector<std::string> frames;
      auto got = wire::ReceiveFrames(l->socket, &frames, 0);
      if (!got) return got.status();
      if (!*got) break;
      if (Status st = HandleReply(*l, frames, now_ms); !st) {
        log::Warn("bad control reply", {{"tail", l->endpoint}, {"error", st.message()}});
      }
    }
  }
  return Status::Ok();
}

Status CatchUp::HandleReply(Link& l, const std::vector<std::string>& frames, int64_t now_ms) {
  if (frames.size() != 2) return Status::Error("expected 2 frames");
  rapidjson::Document d;
  d.Parse(frames[1].data(), frames[1].size());
  if (d.HasParseError() || !d.IsObject()) return Status::Error("reply body is not a JSON object");
  const std::string& cmd = frames[0];
  if (cmd == "STATE") {
    if (l.in_flight == "HELLO") l.in_flight.clear();
    auto pid = json::GetString(d, "publisher_id");
    auto epoch = json::GetString(d, "epoch");
    if (!pid || !epoch) return Status::Error("STATE without publisher_id/epoch");
    l.publisher_id = std::stoull(std::string(*pid), nullptr, 16);
    l.epoch = std::stoull(std::string(*epoch), nullptr, 16);
    l.publisher_known = true;
    uint64_t pub_seq = static_cast<uint64_t>(json::GetInt(d, "pub_seq").value_or(0));
    const PublisherTrack& t = tracks_[l.publisher_id];
    bool lost = !t.known || t.epoch != l.epoch || pub_seq > t.last_pub_seq;
    if (lost && !l.needs_rewind) {
      log::Info("rewind needed", {{"tail", l.endpoint}, {"why", "STATE shows unseen messages"},
                                  {"pub_seq", pub_seq}, {"last_pub_seq", t.last_pub_seq}});
    }
    if (lost) l.needs_rewind = true;
    return Status::Ok();
  }
  if (cmd == "REWOUND") {
    if (l.in_flight == "REWIND") l.in_flight.clear();
    uint64_t pub_seq = static_cast<uint64_t>(json::GetInt(d, "pub_seq").value_or(0));
    PublisherTrack& t = tracks_[l.publisher_id];
    if (!t.known || t.epoch != l.epoch) t = {l.epoch, pub_seq, true, false};
    t.last_pub_seq = std::max(t.last_pub_seq, pub_seq);
    t.synced = true;
    last_message_ms_[l.publisher_id] = now_ms;
    if (l.again) l.needs_rewind = true;
    l.again = false;
    log::Info("rewound", {{"tail", l.endpoint}, {"pub_seq", pub_seq},
                          {"rewound", json::GetInt(d, "rewound").value_or(0)}});
    return Status::Ok();
  }
  if (cmd == "ERROR") {
    l.in_flight.clear();
    return Status::Error(std::string(json::GetString(d, "message").value_or("unknown error")));
  }
  return Status::Error("unknown reply '" + cmd + "'");
}

std::map<std::string, PublisherPosition> CatchUp::Positions() const {
  std::map<std::string, PublisherPosition> out;
  for (const auto& [id, t] : tracks_) {
    if (t.known) out[HexId(id)] = {t.epoch, t.last_pub_seq};
  }
  return out;
}

}  // namespace trace
